"""An officer's share of a cold vault's key as an encrypted file ("custos-share/1").

The share's words are encrypted with AES-256-GCM under a key that scrypt (n=2^18, r=8, p=1) derives from the
officer's own passphrase, with a random salt and nonce. What the file says about itself (vault, chain, share set,
member index, threshold, share count, holder, creation time) stays readable without the passphrase, so that a person
can tell files apart, and is bound to the ciphertext as AES-GCM associated data, together with the KDF parameters:
changing any of it, or any byte of the ciphertext, makes the file undecryptable. A wrong passphrase and an altered
file give the same message, on purpose (no oracle on which one it was, SECURITY H1).

A lower scrypt cost is for tests only: `scrypt_n` (writing) and `min_n` (reading) accept down to 2^14, never less.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.keys.keystore import MIN_PASSWORD_LENGTH

FORMAT = "custos-share/1"
SUFFIX = ".custos-share"
SCRYPT_N = 2**18  # what share files are written with, and the least a file read in production may have
LOWEST_N = 2**14  # the least a caller (a test) may ask for, to keep runs fast; never lower
SCRYPT_R = 8
SCRYPT_P = 1
MAX_FILE_BYTES = 64 * 1024
MAX_HOLDER_LENGTH = 80
WRONG_PASSPHRASE = "The passphrase is wrong, or the share file was altered; nothing was read from it"  # noqa: S105
_META_FIELDS = ("format", "vault", "chain_id", "share_set", "member_index", "threshold", "share_count", "holder",
                "created")
_HEX = re.compile(r"^[0-9a-f]*$")


class ShareFileError(WalletError, ValueError):
    code = "cold_share_file"


@dataclass(frozen=True, slots=True)
class ShareFileMeta:
    """What a share file says in plain text (authenticated, never secret). `member_index` counts from 0."""

    vault: str
    chain_id: int
    share_set: int
    member_index: int
    threshold: int
    share_count: int
    holder: str
    created: str  # ISO 8601, UTC

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "vault": self.vault, "chain_id": self.chain_id, "share_set": self.share_set,
                "member_index": self.member_index, "threshold": self.threshold, "share_count": self.share_count,
                "holder": self.holder, "created": self.created}


def check_new_passphrase(passphrase: str) -> None:
    """The rule of key passwords (at least MIN_PASSWORD_LENGTH characters), and no line breaks."""
    if len(passphrase) < MIN_PASSWORD_LENGTH:
        raise ShareFileError(f"A share passphrase needs at least {MIN_PASSWORD_LENGTH} characters")
    if "\n" in passphrase or "\r" in passphrase:
        raise ShareFileError("A share passphrase is one line of text")


def encrypt_share(words: str, meta: ShareFileMeta, passphrase: str, *, scrypt_n: int | None = None) -> bytes:
    """The share file's bytes (JSON). `scrypt_n` lower than SCRYPT_N is for tests (at least LOWEST_N)."""
    check_new_passphrase(passphrase)
    n = SCRYPT_N if scrypt_n is None else scrypt_n
    _check_n(n, LOWEST_N)
    _check_meta(meta)
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf = {"name": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()}
    key = bytearray(_derive(passphrase, salt, n))
    try:
        sealed = AESGCM(bytes(key)).encrypt(nonce, words.encode("utf-8"), _associated(meta.as_json(), kdf))
    finally:
        _zero(key)
    document = {**meta.as_json(), "kdf": kdf,
                "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex(), "ciphertext": sealed.hex()}}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def read_share_meta(data: bytes) -> ShareFileMeta:
    """The plain-text details of a share file, without decrypting it (they are checked when it is decrypted)."""
    return _parse(data)[0]


def decrypt_share(data: bytes, passphrase: str, *, min_n: int | None = None) -> tuple[ShareFileMeta, str]:
    """The file's details and the share's words. A file whose scrypt cost is under `min_n` (SCRYPT_N unless a test
    lowers it, never under LOWEST_N) is refused before any work."""
    meta, kdf, cipher = _parse(data)
    floor = SCRYPT_N if min_n is None else min_n
    _check_n(floor, LOWEST_N)
    _check_n(kdf["n"], floor)
    key = bytearray(_derive(passphrase, bytes.fromhex(kdf["salt"]), kdf["n"]))
    try:
        plain = AESGCM(bytes(key)).decrypt(bytes.fromhex(cipher["nonce"]), bytes.fromhex(cipher["ciphertext"]),
                                           _associated(meta.as_json(), kdf))
    except InvalidTag:
        raise ShareFileError(WRONG_PASSPHRASE) from None
    finally:
        _zero(key)
    try:
        return meta, plain.decode("utf-8")
    except UnicodeDecodeError:
        raise ShareFileError("The share file decrypts to something that is not a share") from None


def read_bounded(path: Path, what: str = "share file") -> bytes:
    """A file's bytes, refusing one larger than MAX_FILE_BYTES without reading it all."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ShareFileError(f"The {what} {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ShareFileError(f"The {what} {path} is larger than {MAX_FILE_BYTES // 1024} KiB; it is not a share")
    return data


def looks_like_share_file(data: bytes) -> bool:
    """True when the bytes are meant as a custos share file (a JSON object), rather than a share's words as text."""
    return data.lstrip()[:1] == b"{"


def share_file_name(member_index: int, share_count: int, holder: str) -> str:
    """<index>-of-<N>-<holder-slug>.custos-share, the index counted from 1."""
    slug = re.sub(r"[^a-z0-9]+", "-", holder.lower()).strip("-")[:40] or "holder"
    return f"{member_index + 1}-of-{share_count}-{slug}{SUFFIX}"


def _parse(data: bytes) -> tuple[ShareFileMeta, dict[str, Any], dict[str, Any]]:
    if len(data) > MAX_FILE_BYTES:
        raise ShareFileError(f"This is larger than {MAX_FILE_BYTES // 1024} KiB; it is not a share file")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ShareFileError("This is not a custos share file (it is not JSON)") from None
    if not isinstance(document, dict):
        raise ShareFileError("This is not a custos share file (not a JSON object)")
    if document.get("format") != FORMAT:
        raise ShareFileError(f"This is not a {FORMAT} share file (its format is missing or another)")
    unknown = set(document) - {*_META_FIELDS, "kdf", "cipher"}
    if unknown:
        raise ShareFileError("The share file has fields this Custos does not know; it was not read")
    meta = ShareFileMeta(
        vault=_text(document, "vault", 42), chain_id=_number(document, "chain_id"),
        share_set=_number(document, "share_set"), member_index=_number(document, "member_index"),
        threshold=_number(document, "threshold"), share_count=_number(document, "share_count"),
        holder=_text(document, "holder", MAX_HOLDER_LENGTH), created=_text(document, "created", 40))
    try:
        meta = replace(meta, vault=to_checksum(meta.vault))
    except WalletError:
        raise ShareFileError("The share file's vault is not an address") from None
    _check_meta(meta)
    kdf, cipher = document.get("kdf"), document.get("cipher")
    if not isinstance(kdf, dict) or set(kdf) != {"name", "n", "r", "p", "salt"} or kdf["name"] != "scrypt":
        raise ShareFileError("The share file's key derivation is not scrypt as Custos writes it")
    if kdf["r"] != SCRYPT_R or kdf["p"] != SCRYPT_P or not _hex(kdf["salt"], 16, 64):
        raise ShareFileError("The share file's scrypt parameters are not the ones Custos writes (r=8, p=1)")
    if not isinstance(kdf["n"], int) or isinstance(kdf["n"], bool):
        raise ShareFileError("The share file's scrypt cost is not a number")
    if not isinstance(cipher, dict) or set(cipher) != {"name", "nonce", "ciphertext"} \
            or cipher["name"] != "aes-256-gcm":
        raise ShareFileError("The share file's cipher is not AES-256-GCM")
    if not _hex(cipher["nonce"], 12, 12) or not _hex(cipher["ciphertext"], 17, 4096):
        raise ShareFileError("The share file's nonce or ciphertext is malformed")
    return meta, kdf, cipher


def _check_meta(meta: ShareFileMeta) -> None:
    if not 1 <= meta.threshold <= meta.share_count <= 16 or not 0 <= meta.member_index < meta.share_count:
        raise ShareFileError("The share file's threshold, share count or member index is impossible")
    if not 0 <= meta.share_set < 2**15 or meta.chain_id <= 0:
        raise ShareFileError("The share file's share set or chain id is impossible")
    if not meta.holder.strip() or any(not c.isprintable() for c in meta.holder):
        raise ShareFileError("The share file's holder name is empty or has control characters")


def _check_n(n: int, floor: int) -> None:
    if n < floor:
        raise ShareFileError(f"The share file's scrypt cost (n={n}) is under the floor of n={floor}; it was refused")
    if n > SCRYPT_N or n & (n - 1):
        raise ShareFileError(f"The scrypt cost must be a power of two from {LOWEST_N} to {SCRYPT_N}")


def _derive(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase.encode("utf-8"))


def _associated(meta: dict[str, Any], kdf: dict[str, Any]) -> bytes:
    return json.dumps({**meta, "kdf": kdf}, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _text(document: dict[str, Any], name: str, limit: int) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ShareFileError(f"The share file's {name.replace('_', ' ')} is missing or malformed")
    return value


def _number(document: dict[str, Any], name: str) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShareFileError(f"The share file's {name.replace('_', ' ')} is missing or not a number")
    return value


def _hex(value: object, least: int, most: int) -> bool:
    return isinstance(value, str) and least * 2 <= len(value) <= most * 2 and len(value) % 2 == 0 \
        and bool(_HEX.match(value))


def _zero(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))
