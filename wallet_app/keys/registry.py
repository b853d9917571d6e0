"""Which keys a profile holds (never the secrets themselves), and the record of what happened to them: a `key_events`
row and, with an `audit` log, an audit entry, both in the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, delete, insert, select, update

from wallet_app.audit import actions
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import KeyNotFound
from wallet_app.keys.signer import KeyKind
from wallet_app.storage.schema import key_events, keys

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog


@dataclass(frozen=True, slots=True)
class HsmLocation:
    module: str  # path of the PKCS#11 library
    token: str  # token label
    key_label: str  # CKA_LABEL of the key pair


@dataclass(frozen=True, slots=True)
class OfflineOrigin:
    """Where a paired offline signer's key comes from, as the device declared it when paired."""

    device: str  # the device's name, as the officer labels it
    path: str | None  # derivation path, e.g. m/44'/60'/0'/0/0; None when the key is not from a seed
    fingerprint: int | None  # source fingerprint of that path (BIP-32), when declared


@dataclass(frozen=True, slots=True)
class KeyRecord:
    address: str
    kind: KeyKind
    label: str
    created_at: datetime
    hsm: HsmLocation | None = None
    remembered: bool = False  # its unlock secret is kept in the OS keyring of this device
    offline: OfflineOrigin | None = None  # a paired offline signer's key


@dataclass(frozen=True, slots=True)
class KeyEvent:
    at: datetime
    action: str
    address: str
    kind: str
    label: str
    detail: str


class KeyRegistry:
    def __init__(self, *, engine: Engine, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._audit = audit

    def load_all(self) -> list[KeyRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(keys).order_by(keys.c.created_at, keys.c.address))
            return [_record(row) for row in rows]

    def load(self, address: str) -> KeyRecord:
        checksummed = to_checksum(address)
        with self._engine.connect() as conn:
            row = conn.execute(select(keys).where(keys.c.address == checksummed)).first()
        if row is None:
            raise KeyNotFound(f"This profile has no key {checksummed}")
        return _record(row)

    def exists(self, address: str) -> bool:
        query = select(keys.c.address).where(keys.c.address == to_checksum(address))
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def save(self, record: KeyRecord, *, action: str, detail: str = "") -> None:
        """Add a key and record the event, in one transaction."""
        hsm = record.hsm
        with self._engine.begin() as conn:
            conn.execute(
                insert(keys).values(
                    address=to_checksum(record.address),
                    kind=record.kind.value,
                    label=record.label,
                    created_at=record.created_at,
                    hsm_module=hsm.module if hsm else None,
                    hsm_token=hsm.token if hsm else None,
                    hsm_key_label=hsm.key_label if hsm else None,
                    offline_device=record.offline.device if record.offline else None,
                    offline_path=record.offline.path if record.offline else None,
                    offline_fingerprint=record.offline.fingerprint if record.offline else None,
                )
            )
            self._event(conn, action, record, detail)

    def save_remembered(self, record: KeyRecord, remembered: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(keys).where(keys.c.address == record.address).values(remembered=remembered))
            self._event(conn, "secret remembered" if remembered else "secret forgotten", record, "OS keyring")

    def remove(self, record: KeyRecord, *, detail: str = "") -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(keys).where(keys.c.address == record.address))
            self._event(conn, "deleted", record, detail)

    def record_event(self, action: str, record: KeyRecord, detail: str = "") -> None:
        with self._engine.begin() as conn:
            self._event(conn, action, record, detail)

    def load_events(self) -> list[KeyEvent]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(key_events).order_by(key_events.c.id))
            return [KeyEvent(_aware(r.at), r.action, r.address, r.kind, r.label, r.detail) for r in rows]


    def _event(self, conn: Connection, action: str, record: KeyRecord, detail: str) -> None:
        conn.execute(
            insert(key_events).values(
                at=datetime.now(UTC), action=action, address=record.address, kind=record.kind.value,
                label=record.label, detail=detail,
            )
        )
        if self._audit is not None:
            audit_action, by_key = _audit_action(action)
            self._audit.append(
                conn, actor=record.address if by_key else actions.OPERATOR, action=audit_action,
                subject=record.address, actor_label=record.label if by_key else None,
                detail={"kind": record.kind.value, "label": record.label, "event": action, "note": detail},
            )


def _audit_action(event: str) -> tuple[str, bool]:
    """The audit action of a key event, and whether the key's holder did it (the event proved the key's secret: the
    key is the actor) or the person at this desktop did (the operator is)."""
    if event.startswith("created") or event == "hsm key generated":
        return actions.KEY_CREATE, False
    if event.startswith("imported") or event == "hsm key added":
        return actions.KEY_IMPORT, False
    return {
        "unlocked": (actions.UNLOCK, True),
        "exported": (actions.KEY_EXPORT, True),
        "password changed": (actions.KEY_PASSWORD, True),
        "secret remembered": (actions.KEY_REMEMBER, True),
        "secret forgotten": (actions.KEY_FORGET, False),
        "deleted": (actions.KEY_DELETE, False),
        "watch-only added": (actions.KEY_WATCH, False),
    }.get(event, (event[:48], False))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _record(row: object) -> KeyRecord:
    module = getattr(row, "hsm_module", None)
    hsm = None
    if module is not None:
        hsm = HsmLocation(module, str(getattr(row, "hsm_token", "")), str(getattr(row, "hsm_key_label", "")))
    return KeyRecord(
        address=str(getattr(row, "address")),  # noqa: B009
        kind=KeyKind(str(getattr(row, "kind"))),  # noqa: B009
        label=str(getattr(row, "label")),  # noqa: B009
        created_at=_aware(getattr(row, "created_at")),  # noqa: B009
        hsm=hsm,
        remembered=bool(getattr(row, "remembered", False)),
        offline=_offline(row),
    )


def _offline(row: object) -> OfflineOrigin | None:
    device = getattr(row, "offline_device", None)
    if device is None:
        return None
    fingerprint = getattr(row, "offline_fingerprint", None)
    path = getattr(row, "offline_path", None)
    return OfflineOrigin(str(device), None if path is None else str(path),
                         None if fingerprint is None else int(fingerprint))
