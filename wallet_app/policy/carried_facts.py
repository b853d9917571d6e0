"""The chain facts of one decision, carried to an offline signer: recorded where they were read, replayed there.

An offline signer cannot read a chain, so it re-decides a transaction under its own copy of the policy with the
facts the online desktop read (prices, ERC-3643 states, code hashes, the simulation, what the vault sent in each
velocity window, the vault's nonce) and shows every verdict that depends on them as "checked online at block N".
What the vault sent is asked lazily by the velocity rules, `spent(vault, since)`; the recorder keeps each answer
by window length, since `since` is `now - period` on each side and the two clocks differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.model import FxRate, Price, Standard
from wallet_app.policy.facts import (
    DecisionFacts,
    HolderStatus,
    PermissionedToken,
    SimulationOutcome,
    SpentAmount,
    SpentHkd,
)

MAX_ENTRIES = 2_000


class CarriedFactsError(ValueError):
    """The carried facts are not in the form Custos writes them."""


@dataclass
class SpendingRecorder:
    """Wraps the online spent functions and keeps every answer the rules asked for, by window length in seconds."""

    now: datetime
    hkd: SpentHkd | None
    amount: SpentAmount | None
    hkd_answers: dict[tuple[str, int], int | None] = field(default_factory=dict)
    amount_answers: dict[tuple[str, str, int], int | None] = field(default_factory=dict)

    def spent_hkd(self, vault: str, since: datetime) -> int | None:
        value = self.hkd(vault, since) if self.hkd is not None else None
        self.hkd_answers[(vault, _seconds(self.now, since))] = value
        return value

    def spent_amount(self, vault: str, asset: str, since: datetime) -> int | None:
        value = self.amount(vault, asset, since) if self.amount is not None else None
        self.amount_answers[(vault, asset, _seconds(self.now, since))] = value
        return value


@dataclass(frozen=True)
class CarriedFacts:
    prices: Mapping[str, Price | None] = field(default_factory=dict)
    permissioned: Mapping[str, PermissionedToken] = field(default_factory=dict)
    code_hashes: Mapping[str, bytes | None] = field(default_factory=dict)
    simulation: SimulationOutcome | None = None
    spent_hkd: Mapping[tuple[str, int], int | None] = field(default_factory=dict)
    spent_amount: Mapping[tuple[str, str, int], int | None] = field(default_factory=dict)
    vault_nonce: int | None = None
    denylist: frozenset[str] | None = None
    standards: Mapping[str, Standard] = field(default_factory=dict)  # the registry's word on the tokens touched

    @classmethod
    def of(cls, facts: DecisionFacts, recorder: SpendingRecorder | None,
           standards: Mapping[str, Standard] | None = None) -> CarriedFacts:
        return cls(prices=dict(facts.prices), permissioned=dict(facts.permissioned),
                   code_hashes=dict(facts.code_hashes), simulation=facts.simulation,
                   spent_hkd=dict(recorder.hkd_answers) if recorder else {},
                   spent_amount=dict(recorder.amount_answers) if recorder else {},
                   vault_nonce=facts.vault_nonce, denylist=facts.denylist, standards=dict(standards or {}))

    def standard_of(self, address: str) -> Standard | None:
        return self.standards.get(address)

    def replay(self, now: datetime) -> dict[str, Any]:
        """DecisionFacts keyword arguments that answer as the online desktop did; a window it did not ask is None
        (the velocity rule fails closed)."""
        hkd, amounts = dict(self.spent_hkd), dict(self.spent_amount)
        return {
            "prices": dict(self.prices), "permissioned": dict(self.permissioned),
            "code_hashes": dict(self.code_hashes), "simulation": self.simulation, "vault_nonce": self.vault_nonce,
            "denylist": self.denylist,
            "spent_hkd": lambda vault, since: hkd.get((vault, _seconds(now, since))),
            "spent_amount": lambda vault, asset, since: amounts.get((vault, asset, _seconds(now, since))),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "prices": {k: None if p is None else _price_json(p) for k, p in sorted(self.prices.items())},
            "permissioned": {k: _permissioned_json(t) for k, t in sorted(self.permissioned.items())},
            "code_hashes": {k: None if h is None else "0x" + h.hex() for k, h in sorted(self.code_hashes.items())},
            "simulation": None if self.simulation is None else {
                "reverted": self.simulation.reverted, "reason": self.simulation.reason,
                "changed": list(self.simulation.changed), "changed_fields": sorted(self.simulation.changed_fields)},
            "spent_hkd": [[v, s, _int_text(x)] for (v, s), x in sorted(self.spent_hkd.items())],
            "spent_amount": [[v, a, s, _int_text(x)] for (v, a, s), x in sorted(self.spent_amount.items())],
            "vault_nonce": _int_text(self.vault_nonce),
            "denylist": None if self.denylist is None else sorted(self.denylist),
            "standards": {a: s.value for a, s in sorted(self.standards.items())},
        }

    @classmethod
    def from_json(cls, data: object) -> CarriedFacts:
        d = _obj(data, "facts", {"prices", "permissioned", "code_hashes", "simulation", "spent_hkd", "spent_amount",
                                 "vault_nonce", "denylist", "standards"})
        prices = {_key(k): None if p is None else _price(p) for k, p in _obj(d["prices"], "prices").items()}
        permissioned = {_address(k): _permissioned(t) for k, t in _obj(d["permissioned"], "permissioned").items()}
        hashes = {_address(k): None if h is None else _hash(h) for k, h in _obj(d["code_hashes"], "code").items()}
        sim = d["simulation"]
        simulation = None
        if sim is not None:
            s = _obj(sim, "simulation", {"reverted", "reason", "changed", "changed_fields"})
            simulation = SimulationOutcome(reverted=_bool(s["reverted"]), reason=_text(s["reason"]),
                                           changed=tuple(_text(c) for c in _list(s["changed"])),
                                           changed_fields=frozenset(_text(c) for c in _list(s["changed_fields"])))
        spent_hkd: dict[tuple[str, int], int | None] = {}
        for row in _list(d["spent_hkd"]):
            vault, seconds, value = _row(row, 3)
            spent_hkd[(_address(vault), _int(seconds))] = _opt_int(value)
        spent_amount: dict[tuple[str, str, int], int | None] = {}
        for row in _list(d["spent_amount"]):
            vault, asset, seconds, value = _row(row, 4)
            spent_amount[(_address(vault), _key(asset), _int(seconds))] = _opt_int(value)
        deny = d["denylist"]
        denylist = None if deny is None else frozenset(_address(a) for a in _list(deny))
        standards = {}
        for address, name in _obj(d["standards"], "standards").items():
            try:
                standards[_address(address)] = Standard(_text(name))
            except ValueError:
                raise CarriedFactsError("a token standard in the facts is unknown") from None
        return cls(prices=prices, permissioned=permissioned, code_hashes=hashes, simulation=simulation,
                   spent_hkd=spent_hkd, spent_amount=spent_amount, vault_nonce=_opt_int(d["vault_nonce"]),
                   denylist=denylist, standards=standards)

    def to_text(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))


def _seconds(now: datetime, since: datetime) -> int:
    return round((now - since).total_seconds())


def _price_json(p: Price) -> dict[str, Any]:
    return {"value": str(p.value), "decimals": p.decimals, "currency": p.currency, "source": p.source,
            "updated_at": None if p.updated_at is None else p.updated_at.isoformat(), "stale": p.stale,
            "reports_now": p.reports_now, "note": p.note,
            "fx": None if p.fx is None else {
                "value": str(p.fx.value), "decimals": p.fx.decimals, "currency": p.fx.currency, "source": p.fx.source,
                "updated_at": None if p.fx.updated_at is None else p.fx.updated_at.isoformat(),
                "stale": p.fx.stale, "reports_now": p.fx.reports_now}}


def _price(data: object) -> Price:
    d = _obj(data, "price", {"value", "decimals", "currency", "source", "updated_at", "stale", "reports_now", "note",
                             "fx"})
    fx = None
    if d["fx"] is not None:
        f = _obj(d["fx"], "fx", {"value", "decimals", "currency", "source", "updated_at", "stale", "reports_now"})
        fx = FxRate(value=_int(f["value"]), decimals=_small(f["decimals"]), currency=_text(f["currency"]),
                    source=_text(f["source"]), updated_at=_time(f["updated_at"]), stale=_bool(f["stale"]),
                    reports_now=_bool(f["reports_now"]))
    return Price(value=_int(d["value"]), decimals=_small(d["decimals"]), currency=_text(d["currency"]),
                 source=_text(d["source"]), updated_at=_time(d["updated_at"]), stale=_bool(d["stale"]),
                 reports_now=_bool(d["reports_now"]), fx=fx, note=_text(d["note"]))


def _permissioned_json(t: PermissionedToken) -> dict[str, Any]:
    return {"paused": t.paused,
            "holders": {a: {"frozen": h.frozen, "free_balance": _int_text(h.free_balance), "verified": h.verified}
                        for a, h in sorted(t.holders.items())},
            "can_transfer": [[f, to, str(n), ok] for (f, to, n), ok in sorted(t.can_transfer.items())]}


def _permissioned(data: object) -> PermissionedToken:
    d = _obj(data, "permissioned token", {"paused", "holders", "can_transfer"})
    holders = {}
    for address, h in _obj(d["holders"], "holders").items():
        hd = _obj(h, "holder", {"frozen", "free_balance", "verified"})
        verified = hd["verified"]
        holders[_address(address)] = HolderStatus(frozen=_bool(hd["frozen"]), free_balance=_opt_int(hd["free_balance"]),
                                                  verified=None if verified is None else _bool(verified))
    can = {}
    for row in _list(d["can_transfer"]):
        sender, recipient, amount, ok = _row(row, 4)
        can[(_address(sender), _address(recipient), _int(amount))] = _bool(ok)
    return PermissionedToken(paused=_bool(d["paused"]), holders=holders, can_transfer=can)


def _obj(value: object, what: str, keys: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_ENTRIES:
        raise CarriedFactsError(f"{what} must be an object")
    if keys is not None and set(value) != keys:
        raise CarriedFactsError(f"{what} must have exactly the fields {', '.join(sorted(keys))}")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise CarriedFactsError("a list of facts is malformed or too long")
    return value


def _row(value: object, size: int) -> list[Any]:
    row = _list(value)
    if len(row) != size:
        raise CarriedFactsError(f"a row of facts must have {size} entries")
    return row


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2_000:
        raise CarriedFactsError("a text in the facts is malformed or too long")
    return value


def _key(value: object) -> str:
    text = _text(value)
    if len(text) > 200:
        raise CarriedFactsError("an asset key is too long")
    return text


def _address(value: object) -> str:
    try:
        return to_checksum(_text(value))
    except ValueError:
        raise CarriedFactsError("an address in the facts is malformed") from None


def _int(value: object) -> int:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise CarriedFactsError("a number in the facts is malformed")
    text = str(value)
    if not text.lstrip("-").isdigit() or len(text) > 80:
        raise CarriedFactsError("a number in the facts is malformed")
    return int(text)


def _small(value: object) -> int:
    number = _int(value)
    if not 0 <= number <= 77:
        raise CarriedFactsError("a number of decimals must be from 0 to 77")
    return number


def _opt_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _int_text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise CarriedFactsError("a flag in the facts must be true or false")
    return value


def _hash(value: object) -> bytes:
    text = _text(value)
    if len(text) != 66 or not text.startswith("0x"):
        raise CarriedFactsError("a code hash must be 0x and 64 hex digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise CarriedFactsError("a code hash must be 0x and 64 hex digits") from None


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        raise CarriedFactsError("a time in the facts is malformed") from None
    if moment.tzinfo is None:
        raise CarriedFactsError("a time in the facts must name its offset")
    return moment
