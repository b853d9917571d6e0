"""The vaults a profile watches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select

from wallet_app.domain.addresses import to_checksum
from wallet_app.storage.schema import vaults


@dataclass(frozen=True, slots=True)
class VaultEntry:
    address: str
    label: str
    kind: str = "safe"  # safe | account (a plain account whose approvers are in the policy)


class VaultRegistry:
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_entries(self) -> list[VaultEntry]:
        query = (
            select(vaults.c.address, vaults.c.label, vaults.c.kind)
            .where(vaults.c.chain_id == self._chain_id)
            .order_by(vaults.c.added_at, vaults.c.address)
        )
        with self._engine.connect() as conn:
            return [VaultEntry(row.address, row.label, row.kind) for row in conn.execute(query)]

    def save_entry(self, address: str, label: str, *, also: Callable[[Connection], object] | None = None,
                   kind: str = "safe") -> bool:
        """Add a vault; returns False (and changes nothing) if it is already there. `also` runs in the same
        transaction after the insert (the audit entry of the change)."""
        checksummed = to_checksum(address)
        with self._engine.begin() as conn:
            exists = conn.execute(
                select(vaults.c.address).where(
                    vaults.c.chain_id == self._chain_id, vaults.c.address == checksummed
                )
            ).first()
            if exists:
                return False
            conn.execute(
                insert(vaults).values(
                    chain_id=self._chain_id, address=checksummed, label=label, added_at=datetime.now(UTC),
                    kind=kind,
                )
            )
            if also is not None:
                also(conn)
        return True
