"""What an offline signer profile keeps about its cold vaults: the address and label, each SLIP-39 share set
(identifier, threshold, share count, state) and who holds which share. Never a key, a share or a passphrase.

A vault has exactly one active share set. A reshare adds a pending set beside it; only when K shares of the pending
set rebuilt the vault's key does it become active and the old one retired (`activate`), so an interrupted reshare
leaves the vault usable with the old shares. Rows are checked when read: states, counts and member indexes that no
ceremony writes are refused as edited outside Custos.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from wallet_app.audit.actions import COLD_CONFIRM, COLD_CREATE, COLD_RESHARE, OPERATOR
from wallet_app.audit.log import AuditLog
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.storage.schema import cold_share_holders, cold_share_sets, cold_vaults

STATE_PENDING = "pending"
STATE_ACTIVE = "active"
STATE_RETIRED = "retired"
DELIVERY_WORDS = "words"
DELIVERY_FILE = "file"
MAX_SHARES = 16
# Audit actions (the `action` column) of the ceremonies; they name the vault, the share set and its holders only.


class ColdVaultError(WalletError, ValueError):
    code = "cold_vault"


@dataclass(frozen=True, slots=True)
class Holder:
    member_index: int  # from 0, as in the share itself; shown to people from 1
    name: str
    delivery: str  # DELIVERY_WORDS or DELIVERY_FILE


@dataclass(frozen=True, slots=True)
class NewShareSet:
    """A share set as a ceremony hands it to the store."""

    identifier: int
    threshold: int
    holders: tuple[Holder, ...]


@dataclass(frozen=True, slots=True)
class ShareSet:
    identifier: int
    threshold: int
    share_count: int
    state: str
    created_at: datetime
    confirmed_at: datetime | None
    retired_at: datetime | None
    holders: tuple[Holder, ...]


@dataclass(frozen=True, slots=True)
class ColdVault:
    chain_id: int
    address: str
    label: str
    created_at: datetime
    sets: tuple[ShareSet, ...]  # oldest first

    @property
    def active(self) -> ShareSet:
        return next(s for s in self.sets if s.state == STATE_ACTIVE)

    @property
    def pending(self) -> ShareSet | None:
        return next((s for s in self.sets if s.state == STATE_PENDING), None)

    def share_set(self, identifier: int) -> ShareSet | None:
        return next((s for s in self.sets if s.identifier == identifier), None)


class ColdStore:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    @property
    def chain_id(self) -> int:
        return self._chain_id

    def load_all(self) -> list[ColdVault]:
        with self._engine.connect() as conn:
            return self._load(conn)

    def find(self, address: str) -> ColdVault | None:
        wanted = to_checksum(address)
        with self._engine.connect() as conn:
            found = self._load(conn, wanted)
        return found[0] if found else None

    def require(self, address: str) -> ColdVault:
        found = self.find(address)
        if found is None:
            raise ColdVaultError(f"{to_checksum(address)} is not a cold vault of this offline signer")
        return found

    def used_identifiers(self) -> set[int]:
        """Every share set identifier this profile ever recorded on its chain (a new set takes another)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(cold_share_sets.c.identifier)
                                .where(cold_share_sets.c.chain_id == self._chain_id)).all()
        return {int(r.identifier) for r in rows}

    def save_vault(self, address: str, label: str, share_set: NewShareSet, *, detail: Mapping[str, Any],
                   now: datetime | None = None) -> ColdVault:
        """A new cold vault with its first share set, active from the start; audited in the same transaction."""
        at = now or datetime.now(UTC)
        vault = to_checksum(address)
        with self._engine.begin() as conn:
            if self._load(conn, vault):
                raise ColdVaultError(f"{vault} is a cold vault of this signer already")
            conn.execute(insert(cold_vaults).values(chain_id=self._chain_id, address=vault, label=label,
                                                    created_at=at))
            self._insert_set(conn, vault, share_set, STATE_ACTIVE, at, confirmed=at)
            self._record(conn, COLD_CREATE, vault, detail)
            return self._load(conn, vault)[0]

    def save_pending(self, address: str, share_set: NewShareSet, *, detail: Mapping[str, Any],
                     now: datetime | None = None) -> ColdVault:
        """A reshare's new set, pending beside the active one. A set still pending from an earlier reshare is retired
        (its shares were never confirmed; they are refused from now on)."""
        at = now or datetime.now(UTC)
        vault = to_checksum(address)
        with self._engine.begin() as conn:
            if not self._load(conn, vault):
                raise ColdVaultError(f"{vault} is not a cold vault of this offline signer")
            superseded = conn.execute(update(cold_share_sets).where(
                *self._of(vault), cold_share_sets.c.state == STATE_PENDING).values(
                state=STATE_RETIRED, retired_at=at)).rowcount
            self._insert_set(conn, vault, share_set, STATE_PENDING, at, confirmed=None)
            self._record(conn, COLD_RESHARE, vault, {**detail, "superseded_pending": bool(superseded)})
            return self._load(conn, vault)[0]

    def activate(self, address: str, identifier: int, *, detail: Mapping[str, Any],
                 now: datetime | None = None) -> ColdVault:
        """The pending set `identifier` becomes active and the active one retired, in one transaction."""
        at = now or datetime.now(UTC)
        vault = to_checksum(address)
        with self._engine.begin() as conn:
            if not conn.execute(update(cold_share_sets).where(
                    *self._of(vault), cold_share_sets.c.identifier == identifier,
                    cold_share_sets.c.state == STATE_PENDING).values(state=STATE_ACTIVE, confirmed_at=at)).rowcount:
                raise ColdVaultError("That share set is no longer pending; nothing was changed")
            conn.execute(update(cold_share_sets).where(
                *self._of(vault), cold_share_sets.c.identifier != identifier,
                cold_share_sets.c.state == STATE_ACTIVE).values(state=STATE_RETIRED, retired_at=at))
            self._record(conn, COLD_CONFIRM, vault, detail)
            return self._load(conn, vault)[0]

    def _of(self, vault: str) -> tuple[Any, ...]:
        return cold_share_sets.c.chain_id == self._chain_id, cold_share_sets.c.vault == vault

    def _insert_set(self, conn: Connection, vault: str, share_set: NewShareSet, state: str, at: datetime,
                    *, confirmed: datetime | None) -> None:
        conn.execute(insert(cold_share_sets).values(
            chain_id=self._chain_id, vault=vault, identifier=share_set.identifier, threshold=share_set.threshold,
            share_count=len(share_set.holders), state=state, created_at=at, confirmed_at=confirmed,
            retired_at=None))
        conn.execute(insert(cold_share_holders), [
            {"chain_id": self._chain_id, "vault": vault, "identifier": share_set.identifier,
             "member_index": h.member_index, "holder": h.name, "delivery": h.delivery} for h in share_set.holders])

    def _record(self, conn: Connection, action: str, vault: str, detail: Mapping[str, Any]) -> None:
        if self._audit is not None:
            self._audit.append(conn, actor=OPERATOR, action=action, subject=vault, detail=detail)

    def _load(self, conn: Connection, address: str | None = None) -> list[ColdVault]:
        vaults = select(cold_vaults).where(cold_vaults.c.chain_id == self._chain_id)
        sets = select(cold_share_sets).where(cold_share_sets.c.chain_id == self._chain_id)
        holders = select(cold_share_holders).where(cold_share_holders.c.chain_id == self._chain_id)
        if address is not None:
            vaults = vaults.where(cold_vaults.c.address == address)
            sets = sets.where(cold_share_sets.c.vault == address)
            holders = holders.where(cold_share_holders.c.vault == address)
        by_set: dict[tuple[str, int], list[Holder]] = {}
        for h in conn.execute(holders.order_by(cold_share_holders.c.member_index)).all():
            by_set.setdefault((str(h.vault), int(h.identifier)), []).append(
                Holder(int(h.member_index), str(h.holder), str(h.delivery)))
        by_vault: dict[str, list[ShareSet]] = {}
        for s in conn.execute(sets.order_by(cold_share_sets.c.created_at, cold_share_sets.c.identifier)).all():
            by_vault.setdefault(str(s.vault), []).append(ShareSet(
                int(s.identifier), int(s.threshold), int(s.share_count), str(s.state), _aware(s.created_at),
                _utc(s.confirmed_at), _utc(s.retired_at), tuple(by_set.get((str(s.vault), int(s.identifier)), []))))
        rows = conn.execute(vaults.order_by(cold_vaults.c.created_at, cold_vaults.c.address)).all()
        return [_checked(ColdVault(int(v.chain_id), str(v.address), str(v.label), _aware(v.created_at),
                                   tuple(by_vault.get(str(v.address), [])))) for v in rows]


def check_holders(names: Sequence[str], threshold: int) -> tuple[str, ...]:
    """Holders' names as kept: whitespace folded, printable, distinct (ignoring case), 2 to 16 of them, and a
    threshold from 2 to their number."""
    cleaned = tuple(" ".join(n.split()) for n in names)
    if not 2 <= len(cleaned) <= MAX_SHARES:
        raise ColdVaultError(f"A cold vault's key is split among 2 to {MAX_SHARES} holders ({len(cleaned)} named)")
    if not 2 <= threshold <= len(cleaned):
        raise ColdVaultError(f"The threshold must be from 2 to the number of holders ({len(cleaned)}); "
                             f"{threshold} given")
    for name in cleaned:
        if not name or len(name) > 80 or any(not c.isprintable() for c in name):
            raise ColdVaultError("A holder's name is 1 to 80 printable characters")
    if len({n.casefold() for n in cleaned}) != len(cleaned):
        raise ColdVaultError("A holder is named twice; each share goes to a different person")
    return cleaned


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    if len(text) > 80 or any(not c.isprintable() for c in text):
        raise ColdVaultError("A cold vault's label is at most 80 printable characters")
    return text


def _checked(vault: ColdVault) -> ColdVault:
    edited = ColdVaultError(f"The records of the cold vault {vault.address} were edited outside Custos; nothing is "
                            "done with it")
    if sum(s.state == STATE_ACTIVE for s in vault.sets) != 1 or sum(s.state == STATE_PENDING for s in vault.sets) > 1:
        raise edited
    for s in vault.sets:
        if s.state not in (STATE_PENDING, STATE_ACTIVE, STATE_RETIRED) or not 0 <= s.identifier < 2**15:
            raise edited
        if not 2 <= s.threshold <= s.share_count <= MAX_SHARES or len(s.holders) != s.share_count:
            raise edited
        if [h.member_index for h in s.holders] != list(range(s.share_count)):
            raise edited
        if any(h.delivery not in (DELIVERY_WORDS, DELIVERY_FILE) for h in s.holders):
            raise edited
    return vault


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)
