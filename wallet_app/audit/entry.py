"""One audit entry and its hash. Pure.

`entry_hash` = "0x" + keccak-256 of the canonical JSON (keys sorted, no whitespace, UTF-8, no NaN) of the object
    {"seq", "at", "monotonic_ns", "host", "actor", "actor_label", "role", "action", "chain_id", "subject", "detail",
     "prev_hash"}
where `at` is the wall-clock time in UTC as ISO 8601 with microseconds ("2025-03-01T09:30:00.123456+00:00"),
`chain_id` an integer or null, `detail` the entry's detail as its own canonical JSON *text* (a string inside the
object, so the bytes stored are the bytes hashed), and `prev_hash` the previous entry's `entry_hash` (32 zero bytes,
"0x00...00", for the first). Anyone can recompute it with a JSON library and keccak-256.

The actor's signature over an entry (for signing actions, made with the key that performed the action while it is
unlocked) is an EIP-191 "personal_sign" signature of the ASCII text `Custos audit entry <entry_hash>`: any
Ethereum tool verifies it, and it can never be mistaken for a signature of a Safe transaction (those sign 32 raw
bytes) or of a token approval (another text). It is 65 bytes r || s || v (v 27 or 28, low s), stored as 0x-hex.
Because `prev_hash` chains every entry to all before it, a valid signature also vouches for the whole log up to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

if TYPE_CHECKING:
    from wallet_app.keys.signer import Signer

ZERO_HASH = "0x" + "00" * 32
EIP191_PREFIX = b"\x19Ethereum Signed Message:\n"
SIGNING_TITLE = "Custos audit entry"
MAX_DETAIL_CHARS = 16_000
MAX_TEXT_CHARS = 500  # a longer text in a detail (a hostile token name) is cut, saying how much was left out
# Detail keys that would name a secret: refused outright, whatever their value (M4: nothing secret is ever logged).
SECRET_WORDS = ("password", "passphrase", "private_key", "privatekey", "mnemonic", "seed", "pin", "secret")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int  # 1, 2, 3 ... without gaps
    at: datetime  # aware, UTC
    monotonic_ns: int  # this host's monotonic clock: orders entries of one host even when its wall clock jumps
    host: str
    actor: str  # a checksummed address, or "operator" / "system" (wallet_app.audit.actions)
    actor_label: str
    role: str
    action: str
    chain_id: int | None
    subject: str  # what the action was about: an address, a digest, a file name
    detail: str  # canonical JSON text, never a secret
    prev_hash: str
    entry_hash: str
    signature: str | None = None  # 0x + 130 hex: the actor's EIP-191 signature of `signing_message(entry_hash)`

    def details(self) -> dict[str, Any]:
        """`detail` parsed; an unreadable one (an edited row) as {"unreadable": text}."""
        try:
            value = json.loads(self.detail)
        except ValueError:
            return {"unreadable": self.detail}
        return value if isinstance(value, dict) else {"unreadable": self.detail}

    def compute_hash(self) -> str:
        return compute_entry_hash(
            seq=self.seq, at=self.at, monotonic_ns=self.monotonic_ns, host=self.host, actor=self.actor,
            actor_label=self.actor_label, role=self.role, action=self.action, chain_id=self.chain_id,
            subject=self.subject, detail=self.detail, prev_hash=self.prev_hash)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "at": format_at(self.at), "monotonic_ns": self.monotonic_ns, "host": self.host,
            "actor": self.actor, "actor_label": self.actor_label, "role": self.role, "action": self.action,
            "chain_id": self.chain_id, "subject": self.subject, "detail": self.details(),
            "prev_hash": self.prev_hash, "entry_hash": self.entry_hash, "signature": self.signature,
        }


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_at(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def build_detail(detail: Mapping[str, Any] | None) -> str:
    """The canonical JSON text of an entry's detail, texts longer than MAX_TEXT_CHARS cut. Refused (ValueError): a key
    that names a secret, a float (its text is not canonical across languages), or more than MAX_DETAIL_CHARS."""
    value = _clip(dict(detail or {}))
    _check_detail(value)
    text = canonical_json(value).decode("utf-8")
    if len(text) > MAX_DETAIL_CHARS:
        raise ValueError(f"an audit entry's detail is at most {MAX_DETAIL_CHARS} characters")
    return text


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return f"{value[:MAX_TEXT_CHARS]}…(+{len(value) - MAX_TEXT_CHARS} characters)"
    if isinstance(value, Mapping):
        return {key: _clip(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clip(item) for item in value]
    return value


def _check_detail(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError("an audit entry's detail holds no floats: write numbers as integers or decimal strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("an audit entry's detail has text keys only")
            name = key.lower().replace("-", "_")
            if {name, name.replace("_", ""), *name.split("_")} & set(SECRET_WORDS):
                raise ValueError(f"an audit entry never holds a secret: refused the detail key {key!r}")
            _check_detail(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_detail(item)


def compute_entry_hash(*, seq: int, at: datetime, monotonic_ns: int, host: str, actor: str, actor_label: str,
                       role: str, action: str, chain_id: int | None, subject: str, detail: str,
                       prev_hash: str) -> str:
    fields = {
        "seq": seq, "at": format_at(at), "monotonic_ns": monotonic_ns, "host": host, "actor": actor,
        "actor_label": actor_label, "role": role, "action": action, "chain_id": chain_id, "subject": subject,
        "detail": detail, "prev_hash": prev_hash,
    }
    return "0x" + keccak(canonical_json(fields)).hex()


def signing_message(entry_hash: str) -> str:
    return f"{SIGNING_TITLE} {entry_hash}"


def compute_signing_digest(entry_hash: str) -> bytes:
    """keccak256("\\x19Ethereum Signed Message:\\n" + len(message) + message) of `signing_message(entry_hash)`."""
    data = signing_message(entry_hash).encode("ascii")
    return keccak(EIP191_PREFIX + str(len(data)).encode("ascii") + data)


def entry_signer(signer: Signer) -> Callable[[str], bytes]:
    """Signs audit entries with an open signer: the digest is built here, from the entry hash, as the EIP-191
    message `Custos audit entry <entry_hash>` (never a digest handed in; SECURITY I8)."""
    return lambda entry_hash: signer.sign_digest(compute_signing_digest(entry_hash)).to_bytes()


def recover_entry_signer(entry_hash: str, signature: str) -> str:
    """The address whose signature of the entry this is. ValueError: not 65 bytes of hex, v not 27 or 28, r or s
    out of range, a high s (a malleated copy), or no public key recovers."""
    from wallet_app.keys.signature import recover_signature_text

    return recover_signature_text(compute_signing_digest(entry_hash), signature)


def summarize_detail(detail: Mapping[str, Any], *, max_length: int = 240) -> str:
    """A detail in one line for people: `key: value` pairs, signatures shortened. Untrusted texts stay as they are:
    the caller shows them as plain text, with invisible characters made visible."""
    parts = []
    for key, value in detail.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        if key == "action_signature" and isinstance(value, str):
            text = f"{value[:10]}…"
        elif key == "rules" and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            text = ", ".join(f"{v.get('id')} {v.get('verdict')}" for v in value)
        elif isinstance(value, list | dict):
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        else:
            text = str(value)
        parts.append(f"{key.replace('_', ' ')}: {text}")
    line = "; ".join(parts)
    return line if len(line) <= max_length else line[: max_length - 1] + "…"
