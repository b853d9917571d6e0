"""The audit log as stored: its head (what an operator anchors elsewhere) and its entries read back, unchecked.
Appending is `audit.log`, checking the chain `audit.verify`; both read through here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from wallet_app.audit.entry import AuditEntry, as_utc
from wallet_app.errors import ConfigError
from wallet_app.storage.schema import audit_log


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The last entry: what an operator anchors outside the database (M3)."""

    seq: int
    entry_hash: str

    def text(self) -> str:
        return f"{self.seq}:{self.entry_hash}"

    @classmethod
    def parse(cls, value: str) -> AuditHead:
        seq_text, _, digest = value.strip().partition(":")
        digest = digest.strip().lower()
        if not seq_text.strip().isdigit() or len(digest) != 66 or not digest.startswith("0x"):
            raise ConfigError("An audit head is SEQ:HASH, like 17:0x3f…(64 hex digits), as `custos audit head` "
                              "prints it")
        try:
            int(digest, 16)
        except ValueError:
            raise ConfigError("The hash of an audit head is 0x and 64 hex digits") from None
        return cls(int(seq_text), digest)


def load_head(conn: Connection) -> AuditHead | None:
    row = conn.execute(select(audit_log.c.seq, audit_log.c.entry_hash)
                       .order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else AuditHead(int(row.seq), str(row.entry_hash))


def load_all(engine: Engine) -> list[AuditEntry]:
    with engine.connect() as conn:
        return [entry_from_row(row) for row in conn.execute(select(audit_log).order_by(audit_log.c.seq))]


def entry_from_row(row: Any) -> AuditEntry:
    """An entry as stored; nothing is checked here (verification does that)."""
    return AuditEntry(
        seq=int(row.seq), at=as_utc(row.at), monotonic_ns=int(row.monotonic_ns), host=str(row.host),
        actor=str(row.actor), actor_label=str(row.actor_label or ""), role=str(row.role or ""),
        action=str(row.action), chain_id=None if row.chain_id is None else int(row.chain_id),
        subject=str(row.subject or ""), detail=str(row.detail if row.detail is not None else "{}"),
        prev_hash=str(row.prev_hash), entry_hash=str(row.entry_hash),
        signature=None if row.signature is None else str(row.signature),
    )
