"""Counterparty records and their addresses, beside the address labels.

A counterparty is a natural or legal person with the identifier IVMS 101 knows it by (an LEI, a registration or
national identification number), its jurisdiction and the VASP that hosts its wallets ("" when unhosted). Each
address is kept per chain, at most one counterparty per address, with the proof of ownership once one passed
(`wallet_app.compliance.ownership`). Adding an address also labels it (kind "counterparty") so it is named wherever
Custos shows addresses (unless it has a name already). Every write appends its audit entry in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from wallet_app.audit import actions
from wallet_app.compliance import fields
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError
from wallet_app.storage.schema import counterparties, counterparty_addresses, labels

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog


@dataclass(frozen=True, slots=True)
class Proof:
    kind: str  # signature, eip1271, satoshi
    detail: dict[str, Any]  # what it rested on: the challenge, the signature or transaction, the block
    proven_at: datetime

    def summary(self) -> str:
        if self.kind == "satoshi":
            return f"proven by a satoshi test (transaction {self.detail.get('transaction', '?')})"
        what = "an EIP-1271 contract-wallet signature" if self.kind == "eip1271" else "a signature"
        return f"proven by {what} at block {self.detail.get('block_number', '?')}"


@dataclass(frozen=True, slots=True)
class CounterpartyAddress:
    address: str
    added_at: datetime
    proof: Proof | None = None


@dataclass(frozen=True, slots=True)
class Counterparty:
    id: int
    name: str  # legal name; for a natural person the family name (IVMS primaryIdentifier)
    person: str  # natural, legal
    id_type: str
    identifier: str
    jurisdiction: str
    vasp: str = ""  # the hosting VASP; "" when unhosted
    given_names: str = ""  # natural persons (IVMS secondaryIdentifier)
    geo_address: str = ""  # one line: street, town, country
    birth_date: str = ""  # YYYY-MM-DD, natural persons
    birth_place: str = ""
    addresses: tuple[CounterpartyAddress, ...] = field(default=())

    @property
    def hosted(self) -> bool:
        return bool(self.vasp)

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.name}" if self.given_names else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "person": self.person, "given_names": self.given_names, "id_type": self.id_type,
            "identifier": self.identifier, "jurisdiction": self.jurisdiction, "vasp": self.vasp or None,
            "geographic_address": self.geo_address, "birth_date": self.birth_date, "birth_place": self.birth_place,
            "addresses": [{"address": a.address, "added_at": a.added_at.isoformat(),
                           "proof": None if a.proof is None else {"kind": a.proof.kind,
                                                                  "proven_at": a.proof.proven_at.isoformat(),
                                                                  **a.proof.detail}}
                          for a in self.addresses],
        }


@dataclass(frozen=True, slots=True)
class NewCounterparty:
    """What an officer entered, checked by `checked()` before anything is written."""

    name: str
    person: str
    id_type: str
    identifier: str
    jurisdiction: str
    vasp: str = ""
    given_names: str = ""
    geo_address: str = ""
    birth_date: str = ""
    birth_place: str = ""

    def checked(self, today: date) -> NewCounterparty:
        person = fields.person_kind(self.person)
        kind = fields.id_type(self.id_type)
        if person == "legal" and self.birth_date:
            raise ConfigError("a legal person has no date of birth")
        natural = person == "natural"
        checked = NewCounterparty(
            name=fields.plain_text(self.name, "the name"), person=person, id_type=kind,
            identifier=fields.identifier(kind, self.identifier),
            jurisdiction=fields.country(self.jurisdiction, "the jurisdiction"),
            vasp=fields.plain_text(self.vasp, "the VASP", required=False),
            given_names=fields.plain_text(self.given_names, "the given names", required=False) if natural else "",
            geo_address=fields.plain_text(self.geo_address, "the address", required=False, limit=200),
            birth_date=fields.birth_date(self.birth_date, today) if natural and self.birth_date else "",
            birth_place=fields.plain_text(self.birth_place, "the place of birth", required=False) if natural else "")
        if natural and not checked.geo_address and not (checked.birth_date and checked.birth_place):
            raise ConfigError("a natural person needs an address, or a date and place of birth (Travel Rule)")
        if not natural and kind not in ("LEIX", "RAID", "TXID", "MISC"):
            raise ConfigError("a legal person is identified by an LEI (LEIX), a registration number (RAID), a tax "
                              "id (TXID) or another identifier (MISC)")
        return checked


class CounterpartyBook:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def chain_id(self) -> int:
        return self._chain_id

    # -- reading ----------------------------------------------------------------------------------------------
    def load_all(self) -> list[Counterparty]:
        return self._load()

    def load(self, name: str) -> Counterparty | None:
        found = self._load(counterparties.c.name == name)
        return found[0] if found else None

    def find(self, name: str) -> Counterparty:
        found = self.load(name)
        if found is None:
            raise ConfigError(f"No counterparty is named {name[:100]!r}; see `custos counterparty list`")
        return found

    def owner_of(self, address: str) -> tuple[Counterparty, CounterpartyAddress] | None:
        """The record holding `address` on this chain, with that address: two indexed reads, whatever the book's
        size (the policy and the Travel Rule ask this for every contact and beneficiary)."""
        checksummed = to_checksum(address)
        with self._engine.connect() as conn:
            row = conn.execute(select(counterparty_addresses.c.counterparty_id).where(
                counterparty_addresses.c.chain_id == self._chain_id,
                counterparty_addresses.c.address == checksummed)).first()
        found = [] if row is None else self._load(counterparties.c.id == row.counterparty_id)
        if not found:
            return None
        return found[0], next(a for a in found[0].addresses if a.address == checksummed)

    def _load(self, *where: Any) -> list[Counterparty]:
        """The records matching `where` (all without), each with its addresses on this chain, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(counterparties).where(*where).order_by(counterparties.c.name)).all()
            owned = conn.execute(select(counterparty_addresses).where(
                counterparty_addresses.c.chain_id == self._chain_id,
                counterparty_addresses.c.counterparty_id.in_([int(r.id) for r in rows]))
                .order_by(counterparty_addresses.c.address)).all() if rows else []
        by_party: dict[int, list[CounterpartyAddress]] = {}
        for address_row in owned:
            by_party.setdefault(int(address_row.counterparty_id), []).append(_address(address_row))
        return [_party(row, tuple(by_party.get(int(row.id), ()))) for row in rows]

    def counterparty_of(self, address: str) -> str | None:
        """The name of the counterparty record holding `address`, or None."""
        held = self.owner_of(address)
        return None if held is None else held[0].name

    # -- writing ----------------------------------------------------------------------------------------------
    def add(self, entry: NewCounterparty, *, actor: str, now: datetime | None = None) -> Counterparty:
        at = now or datetime.now(UTC)
        checked = entry.checked(at.date())
        values = {"name": checked.name, "person": checked.person, "given_names": checked.given_names,
                  "id_type": checked.id_type, "identifier": checked.identifier,
                  "jurisdiction": checked.jurisdiction, "vasp": checked.vasp, "geo_address": checked.geo_address,
                  "birth_date": checked.birth_date, "birth_place": checked.birth_place, "created_at": at,
                  "created_by": actor[:42]}
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(counterparties).values(**values))
                self._log(conn, actor, actions.COUNTERPARTY_ADD, checked.name, {
                    k: v for k, v in values.items() if k not in ("created_at", "created_by")})
        except IntegrityError:
            raise ConfigError(f"A counterparty named {checked.name!r} exists already; nothing was added") from None
        return self.find(checked.name)

    def add_address(self, name: str, address: str, *, actor: str, now: datetime | None = None) -> Counterparty:
        party = self.find(name)
        checksummed = to_checksum(address)
        held = self.owner_of(checksummed)
        if held is not None:
            raise ConfigError(f"{checksummed} belongs to {held[0].name} already; nothing was added")
        at = now or datetime.now(UTC)
        with self._engine.begin() as conn:
            conn.execute(insert(counterparty_addresses).values(
                chain_id=self._chain_id, address=checksummed, counterparty_id=party.id, added_at=at))
            labelled = conn.execute(select(labels.c.address).where(
                labels.c.chain_id == self._chain_id, labels.c.address == checksummed)).first()
            if labelled is None:  # a name given before (an investor's) stays
                conn.execute(insert(labels).values(chain_id=self._chain_id, address=checksummed,
                                                   label=party.full_name[:200], kind="counterparty"))
            self._log(conn, actor, actions.COUNTERPARTY_ADDRESS, checksummed, {"counterparty": party.name})
        return self.find(name)

    def mark_proven(self, conn: Connection, address: str, proof: Proof) -> None:
        """Store `proof` with the address, in the caller's transaction (with the challenge marked used)."""
        done = conn.execute(update(counterparty_addresses).where(
            counterparty_addresses.c.chain_id == self._chain_id,
            counterparty_addresses.c.address == to_checksum(address)).values(
            proof_kind=proof.kind, proof=json.dumps(proof.detail, sort_keys=True), proven_at=proof.proven_at))
        if done.rowcount != 1:
            raise ConfigError(f"{address} is no counterparty's address any more; nothing was recorded as proven")

    def _log(self, conn: Connection, actor: str, action: str, subject: str, detail: dict[str, Any]) -> None:
        if self._audit is not None:
            self._audit.append(conn, actor=actor, action=action, subject=subject, detail=detail)


def _party(row: Any, addresses: tuple[CounterpartyAddress, ...]) -> Counterparty:
    return Counterparty(id=int(row.id), name=row.name, person=row.person, id_type=row.id_type,
                        identifier=row.identifier, jurisdiction=row.jurisdiction, vasp=row.vasp or "",
                        given_names=row.given_names or "", geo_address=row.geo_address or "",
                        birth_date=row.birth_date or "", birth_place=row.birth_place or "", addresses=addresses)


def _address(row: Any) -> CounterpartyAddress:
    proof = None
    if row.proof_kind and row.proof:
        try:
            detail = json.loads(row.proof)
        except ValueError:
            detail = {"unreadable": True}
        proven = row.proven_at if row.proven_at.tzinfo else row.proven_at.replace(tzinfo=UTC)
        proof = Proof(row.proof_kind, detail if isinstance(detail, dict) else {}, proven)
    added = row.added_at if row.added_at.tzinfo else row.added_at.replace(tzinfo=UTC)
    return CounterpartyAddress(row.address, added, proof)
