"""The vaults a profile watches, and the last state read of each (painted before the chain reconnects)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.storage.schema import vault_snapshots, vaults


@dataclass(frozen=True, slots=True)
class VaultEntry:
    address: str
    label: str


@dataclass(frozen=True, slots=True)
class VaultSnapshot:
    vaults: list[VaultInfo]
    block_number: int
    fetched_at: datetime


class VaultRegistry:
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_entries(self) -> list[VaultEntry]:
        query = (
            select(vaults.c.address, vaults.c.label)
            .where(vaults.c.chain_id == self._chain_id)
            .order_by(vaults.c.added_at, vaults.c.address)
        )
        with self._engine.connect() as conn:
            return [VaultEntry(row.address, row.label) for row in conn.execute(query)]

    def save_entry(self, address: str, label: str) -> bool:
        """Add a vault; returns False (and changes nothing) if it is already there."""
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
                    chain_id=self._chain_id, address=checksummed, label=label, added_at=datetime.now(UTC)
                )
            )
        return True

    def save_snapshot(self, infos: list[VaultInfo]) -> None:
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            conn.execute(delete(vault_snapshots).where(vault_snapshots.c.chain_id == self._chain_id))
            if infos:
                conn.execute(
                    insert(vault_snapshots),
                    [
                        {
                            "chain_id": self._chain_id,
                            "address": info.address,
                            "block_number": info.block_number,
                            "data": json.dumps(info.to_json(), sort_keys=True),
                            "fetched_at": now,
                        }
                        for info in infos
                    ],
                )

    def load_snapshot(self) -> VaultSnapshot | None:
        """The last state read, in registry order; None if there is none or it is unreadable."""
        order = {entry.address: i for i, entry in enumerate(self.load_entries())}
        query = select(vault_snapshots).where(vault_snapshots.c.chain_id == self._chain_id)
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        infos: list[VaultInfo] = []
        for row in rows:
            if row.address not in order:
                continue
            try:
                infos.append(VaultInfo.from_json(json.loads(row.data)))
            except (ValueError, KeyError):
                return None  # a damaged cache is ignored; the live read replaces it
        if not infos:
            return None
        infos.sort(key=lambda info: order[info.address])
        fetched = max(row.fetched_at for row in rows)
        if fetched.tzinfo is None:  # SQLite hands timezone-aware values back naive
            fetched = fetched.replace(tzinfo=UTC)
        return VaultSnapshot(infos, min(i.block_number for i in infos), fetched)
