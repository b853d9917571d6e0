"""The `address-book/` folder of an evidence pack, as it stands at export (read-only, straight from the tables):

- `labels.json`: the names the institution gives addresses on this chain (`labels`);
- `counterparties.json`: every counterparty (`counterparties`: natural or legal person, identifiers, jurisdiction,
  VASP) with its addresses on this chain (`counterparty_addresses`), each with its proof of ownership when one
  passed: `proof_kind` (signature, eip1271, satoshi), `proof` (its JSON) and `proven_at`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from wallet_app.evidence import texts
from wallet_app.evidence.manifest import PackFile
from wallet_app.evidence.rows import json_bytes, row_json
from wallet_app.storage.schema import counterparties, counterparty_addresses, labels

LABELS = "address-book/labels.json"
COUNTERPARTIES = "address-book/counterparties.json"


def load_labels(conn: Connection, chain_id: int) -> list[dict[str, Any]]:
    query = select(labels.c.address, labels.c.label, labels.c.kind).where(labels.c.chain_id == chain_id)
    return [row_json(r) for r in conn.execute(query.order_by(labels.c.kind, labels.c.label, labels.c.address))]


def load_counterparties(conn: Connection, chain_id: int) -> list[dict[str, Any]]:
    people = conn.execute(select(counterparties).order_by(counterparties.c.id)).all()
    t = counterparty_addresses.c
    rows = conn.execute(select(counterparty_addresses).where(t.chain_id == chain_id)
                        .order_by(t.counterparty_id, t.added_at, t.address)).all()
    addresses: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        entry = row_json(row, json_columns=("proof",), skip=("counterparty_id",))
        entry["proven"] = row.proof_kind is not None and row.proven_at is not None
        addresses.setdefault(int(row.counterparty_id), []).append(entry)
    return [{**row_json(person), "addresses": addresses.get(int(person.id), [])} for person in people]


def build_book_section(conn: Connection, chain_id: int) -> tuple[PackFile, ...]:
    book = {"chain_id": chain_id, "as_at": "export", "labels": load_labels(conn, chain_id)}
    parties = {"chain_id": chain_id, "as_at": "export", "counterparties": load_counterparties(conn, chain_id)}
    return (PackFile(LABELS, json_bytes(book), texts.LABELS),
            PackFile(COUNTERPARTIES, json_bytes(parties), texts.COUNTERPARTIES))
