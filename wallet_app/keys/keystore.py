"""Ethereum V3 keystores: strict parsing, a floor on the key-derivation work factor, and encryption.

A keystore is only decrypted after it proved well-formed and at least as expensive to attack as eth-account's own
default (scrypt n=2^18, r=8, p=1). A wrong password and a tampered file give the same message, so the error is no
oracle for which part failed (H1, H2).
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from eth_account import Account

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import KeystoreInvalid, WrongPassword
from wallet_app.keys.signature import SECP256K1_N

SCRYPT_MIN_N = 2**18
SCRYPT_MIN_R = 8
MIN_PASSWORD_LENGTH = 8
_HEX = re.compile(r"^[0-9a-fA-F]*$")
WRONG_PASSWORD_MESSAGE = "The password is wrong, or the keystore file was altered."  # noqa: S105 - a message


def new_private_key() -> bytes:
    """32 bytes from the OS random generator, inside the curve order (H8)."""
    for _ in range(8):
        candidate = secrets.token_bytes(32)
        if 0 < int.from_bytes(candidate, "big") < SECP256K1_N:
            return candidate
    raise RuntimeError("the random generator keeps returning invalid keys; refusing to create one")


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise KeystoreInvalid(f"A key password needs at least {MIN_PASSWORD_LENGTH} characters")


def encrypt_key(private_key: bytes, password: str) -> dict[str, Any]:
    check_new_password(password)
    return dict(Account.encrypt(private_key, password, kdf="scrypt"))


def parse_keystore(text: str | bytes) -> dict[str, Any]:
    """Parse and check a V3 keystore; anything malformed or weaker than the floor is refused (H2)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise KeystoreInvalid("This is not a keystore file (it is not JSON)") from None
    if not isinstance(data, dict) or data.get("version") != 3:
        raise KeystoreInvalid("This is not an Ethereum V3 keystore")
    crypto = data.get("crypto") or data.get("Crypto")
    if not isinstance(crypto, dict):
        raise KeystoreInvalid("The keystore has no 'crypto' section")
    if crypto.get("cipher") != "aes-128-ctr":
        raise KeystoreInvalid("The keystore uses a cipher other than aes-128-ctr")
    for field in ("ciphertext", "mac"):
        value = crypto.get(field)
        if not isinstance(value, str) or not _HEX.match(value) or not value:
            raise KeystoreInvalid(f"The keystore's '{field}' is not hex")
    params = crypto.get("cipherparams")
    if not isinstance(params, dict) or not isinstance(params.get("iv"), str):
        raise KeystoreInvalid("The keystore has no cipher IV")
    _check_kdf(crypto)
    address = data.get("address")
    if address is not None and (not isinstance(address, str) or len(address.removeprefix("0x")) != 40):
        raise KeystoreInvalid("The keystore's address is malformed")
    return data


def _check_kdf(crypto: dict[str, Any]) -> None:
    kdf = crypto.get("kdf")
    kdfparams = crypto.get("kdfparams")
    if kdf != "scrypt" or not isinstance(kdfparams, dict):
        raise KeystoreInvalid(
            f"The keystore uses '{str(kdf)[:20]}'; Custos accepts scrypt keystores only. Re-encrypt it with scrypt."
        )
    n, r, p, dklen = (kdfparams.get(k) for k in ("n", "r", "p", "dklen"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p, dklen)):
        raise KeystoreInvalid("The keystore's scrypt parameters are not integers")
    assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
    if n < SCRYPT_MIN_N or r < SCRYPT_MIN_R or p < 1 or dklen != 32:
        raise KeystoreInvalid(
            f"The keystore's scrypt work factor (n={n}, r={r}, p={p}) is below Custos's floor "
            f"(n={SCRYPT_MIN_N}, r={SCRYPT_MIN_R}); it was refused"
        )


def decrypt_keystore(data: dict[str, Any], password: str) -> bytes:
    """The private key; `WrongPassword` for a wrong password or any tampering the MAC catches."""
    try:
        key = bytes(Account.decrypt(data, password))
    except ValueError:
        raise WrongPassword(WRONG_PASSWORD_MESSAGE) from None
    address = data.get("address")
    if isinstance(address, str) and to_checksum("0x" + address.removeprefix("0x")) != Account.from_key(key).address:
        raise KeystoreInvalid("The keystore decrypts to a key that does not match its stated address")
    return key


def load_keystore_file(path: Path) -> dict[str, Any]:
    try:
        return parse_keystore(path.read_bytes())
    except FileNotFoundError:
        raise KeystoreInvalid(f"The keystore file {path.name} is missing") from None
    except OSError as exc:
        raise KeystoreInvalid(f"The keystore file {path.name} cannot be read ({exc.__class__.__name__})") from None
