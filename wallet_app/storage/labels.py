"""Names for addresses (officers, investors, contracts), so people read "Alice Chan" and not only hex."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from wallet_app.domain.addresses import to_checksum
from wallet_app.storage.schema import labels

KINDS = ("officer", "issuer", "investor", "contract", "counterparty")


@dataclass(frozen=True, slots=True)
class AddressLabel:
    address: str
    label: str
    kind: str


class LabelBook:
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_all(self) -> dict[str, AddressLabel]:
        query = select(labels.c.address, labels.c.label, labels.c.kind).where(labels.c.chain_id == self._chain_id)
        with self._engine.connect() as conn:
            return {row.address: AddressLabel(row.address, row.label, row.kind) for row in conn.execute(query)}

    def save_many(self, entries: list[AddressLabel]) -> None:
        """Set the label of each address, replacing an older one."""
        for entry in entries:
            if entry.kind not in KINDS:
                raise ValueError(f"unknown label kind '{entry.kind[:20]}'")
        rows = [{"chain_id": self._chain_id, "address": to_checksum(e.address), "label": e.label, "kind": e.kind}
                for e in entries]
        if not rows:
            return
        with self._engine.begin() as conn:
            for row in rows:
                conn.execute(delete(labels).where(labels.c.chain_id == self._chain_id,
                                                  labels.c.address == row["address"]))
            conn.execute(insert(labels), rows)
