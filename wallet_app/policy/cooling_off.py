"""When a destination opens for transfers: the cooling-off of new contacts, said before anyone signs.

A rule with `cooling_off_hours` does not match a contact added less than that long ago (`rules.destinations`), so
a transfer to it falls to a later rule or to the default deny. Rules are tried top-down and the first match
decides; the answer for a vault, a destination and (optionally) an asset is therefore the earliest moment at which
some allow or escalate rule that could decide a transfer to it no longer misses on its cooling-off, with no deny
rule above it that surely matches first. Conditions that depend on the transfer itself (amounts, windows,
velocity, fees, an asset not given) are taken as "may match": the answer says when the cooling-off stops standing
in the way, not that every transfer is allowed from then. The engine decides; this only explains.

    opening = compute_opening(policy, vault, kowloon, now=now, asset=hkdh)
    describe_opening(opening, policy)   # "Kowloon Pension Trust opens for HKDH transfers on 2026-12-10 14:00 HKT
                                        #  (72 h cooling-off for new contacts under rule small-hkdh, added …)."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from wallet_app.domain.safe_tx import SafeTx
from wallet_app.policy.decoder import decode_tx
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.intent import Kind
from wallet_app.policy.rules.base import NATIVE, Contact, Rule
from wallet_app.policy.rules.destinations import CoolingOff, Destinations
from wallet_app.policy.rules.scope import Assets, Kinds, Vaults

Status = Literal["not_contact", "open", "cooling", "never"]
Scope = Literal["no", "maybe", "yes"]
TRANSFER_KINDS = frozenset({"transfer", "nft_transfer"})
_LEAF_KINDS = {Kind.NATIVE_TRANSFER: "transfer", Kind.TOKEN_TRANSFER: "transfer", Kind.NFT_TRANSFER: "nft_transfer"}


@dataclass(frozen=True, slots=True)
class RuleOpening:
    rule_id: str
    opens_at: datetime | None  # the contact's `added` plus the rule's cooling-off; None: the rule has none
    cooling_off_seconds: int


@dataclass(frozen=True, slots=True)
class Opening:
    status: Status  # cooling: no rule may allow it before `opens_at`; never: no rule could allow it at all
    destination: str
    contact: Contact | None
    asset: str | None = None  # the asset key asked about (None: any)
    opens_at: datetime | None = None  # cooling: the earliest moment a rule may allow a transfer to it
    first: RuleOpening | None = None  # cooling: the rule that opens first; open: the first rule that may allow now
    later: tuple[RuleOpening, ...] = ()  # rules still in their cooling-off after that, soonest first

    @property
    def cooling(self) -> bool:
        return self.status == "cooling"


def compute_opening(policy: PolicyDocument, vault: str, destination: str, *, now: datetime,
                    asset: str | None = None, kinds: frozenset[str] = TRANSFER_KINDS) -> Opening:
    """When a transfer from `vault` to `destination` (in `asset`, of `kinds`) stops being held back by a cooling-off
    under `policy` (addresses EIP-55; `now` aware)."""
    contact = policy.book.contacts.get(destination)
    if contact is None:
        return Opening("not_contact", destination, None, asset)
    rules = [(rule, scope) for rule in policy.rules if (scope := _scope(rule, contact, vault, asset, kinds)) != "no"]
    ends = {_opens_at(rule, contact) for rule, _ in rules}
    moments = sorted({now, *(end for end in ends if end is not None and end > now)})
    start: datetime | None = None
    first: list[RuleOpening] = []
    later: dict[str, RuleOpening] = {}
    for moment in moments:
        reachable = _reachable(rules, contact, moment)
        if start is None and reachable:
            start, first = moment, reachable
        elif start is not None:
            known = {r.rule_id for r in first}
            for opening in reachable:
                if opening.rule_id not in known:
                    later.setdefault(opening.rule_id, opening)
    if start is None:
        return Opening("never", destination, contact, asset)
    opener = next((r for r in first if r.opens_at == start), first[0])
    return Opening("open" if start == now else "cooling", destination, contact, asset,
                   None if start == now else start, opener, tuple(later.values()))


def compute_tx_openings(policy: PolicyDocument, tx: SafeTx, *, now: datetime) -> list[Opening]:
    """The opening of each transfer's recipient in `tx` (inner calls of a batch through the policy's pinned
    MultiSendCallOnly too), once per recipient and asset, in calldata order."""
    intent = decode_tx(tx, known_multisend=[p.address for p in policy.pinned_delegatecall])
    out: dict[tuple[str, str], Opening] = {}
    for node in intent.walk():
        kind = _LEAF_KINDS.get(node.kind)
        if kind is None or node.recipient is None:
            continue
        asset = NATIVE if node.kind is Kind.NATIVE_TRANSFER else node.asset
        if asset is not None and (node.recipient, asset) not in out:
            out[(node.recipient, asset)] = compute_opening(policy, tx.safe, node.recipient, now=now, asset=asset,
                                                           kinds=frozenset({kind}))
    return list(out.values())


def describe_opening(opening: Opening, policy: PolicyDocument) -> str:
    """The opening in plain words, times in the policy's time zone; "" when nothing holds the destination back (or
    it is no contact, which the policy's other checks say)."""
    contact = opening.contact
    if contact is None or (opening.status == "open" and not opening.later):
        return ""
    zone = ZoneInfo(policy.timezone)

    def when(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {policy.zone_name}"

    asset = policy.book.assets_by_key.get(opening.asset) if opening.asset else None
    what = f"{asset.symbol} transfers" if asset else "transfers"
    first = opening.first
    if opening.status == "never":
        return f"{contact.label} never opens for {what} from this vault: no rule of the policy could allow one."
    if opening.status == "cooling" and first is not None and opening.opens_at is not None:
        text = (f"{contact.label} opens for {what} on {when(opening.opens_at)} ({first.cooling_off_seconds // 3600} h "
                f"cooling-off for new contacts under rule {first.rule_id}, added {when(contact.added)})")
    else:
        text = f"{contact.label} is open for {what} under rule {first.rule_id if first else '?'}"
    for rule in opening.later:
        if rule.opens_at is not None:
            text += (f"; rule {rule.rule_id} applies from {when(rule.opens_at)} "
                     f"({rule.cooling_off_seconds // 3600} h cooling-off)")
    return text + "."


def _opens_at(rule: Rule, contact: Contact) -> datetime | None:
    cooling = rule.condition(CoolingOff.key)
    return contact.added + timedelta(seconds=cooling.seconds) if isinstance(cooling, CoolingOff) else None


def _reachable(rules: Sequence[tuple[Rule, Scope]], contact: Contact, moment: datetime) -> list[RuleOpening]:
    """The allow and escalate rules that may decide a transfer to `contact` at `moment`, top-down, up to a deny rule
    that surely decides first."""
    out = []
    for rule, scope in rules:
        opens = _opens_at(rule, contact)
        if opens is not None and opens > moment:
            continue  # missed on its cooling-off, as CoolingOff.check says
        if rule.action != "deny":
            cooling = rule.condition(CoolingOff.key)
            out.append(RuleOpening(rule.id, opens, cooling.seconds if isinstance(cooling, CoolingOff) else 0))
        elif scope == "yes":
            break
    return out


def _scope(rule: Rule, contact: Contact, vault: str, asset: str | None, kinds: frozenset[str]) -> Scope:
    """Whether `rule` matches transfers from `vault` to `contact` whatever else they are ("yes"), only some
    ("maybe"), or none ("no"), its cooling-off aside."""
    sure = True
    for condition in rule.conditions:
        if isinstance(condition, Vaults):
            if vault not in condition.addresses:
                return "no"
        elif isinstance(condition, Assets):
            if asset is not None and asset not in condition.keys:
                return "no"
            sure = sure and asset is not None
        elif isinstance(condition, Kinds):
            if not condition.kinds & kinds:
                return "no"
            sure = sure and kinds <= condition.kinds
        elif isinstance(condition, Destinations):
            named = condition.all_contacts or contact.kind in condition.kinds or contact.address in condition.addresses
            if not named:
                return "no"
        elif not isinstance(condition, CoolingOff):
            sure = False  # amounts, windows, velocity, fees: they depend on the transfer
    return "yes" if sure else "maybe"


def describe_tx_openings(policy: PolicyDocument, tx: SafeTx, *, now: datetime) -> list[str]:
    """One line for each recipient of `tx` that a cooling-off holds back (or that no rule could allow)."""
    return [text for opening in compute_tx_openings(policy, tx, now=now) if (text := describe_opening(opening, policy))]
