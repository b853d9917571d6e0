"""ECDSA signatures over 32-byte digests, normalised to low-s and bound to the signer's address (EIP-2, C6, C8)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_keys.datatypes import Signature as EthKeysSignature

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import SignerMismatch

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N // 2


@dataclass(frozen=True, slots=True)
class Signature:
    r: int
    s: int
    v: int  # 27 or 28

    def to_bytes(self) -> bytes:
        """r || s || v, 65 bytes, as Safe and eth_sign expect."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])

    @property
    def recovery_id(self) -> int:
        return self.v - 27


def recover_address(digest: bytes, r: int, s: int, recovery_id: int) -> str:
    signature = EthKeysSignature(vrs=(recovery_id, r, s))
    return to_checksum(signature.recover_public_key_from_msg_hash(digest).to_checksum_address())


def recover_signature_text(digest: bytes, signature: str) -> str:
    """The address whose 65-byte signature (0x hex, v 27 or 28) of `digest` this is. ValueError: not 65 bytes of
    hex, v not 27 or 28, r or s out of range, a high s (a malleated copy), or no public key recovers."""
    try:
        raw = bytes.fromhex(signature.strip().removeprefix("0x"))
    except ValueError:
        raise ValueError("the signature is not hex") from None
    if len(raw) != 65:
        raise ValueError(f"a signature is 65 bytes, not {len(raw)}")
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= HALF_N:
        raise ValueError("the signature's v, r or s is out of range (or s is high: a malleated copy)")
    try:
        return recover_address(digest, r, s, v - 27)
    except Exception:
        raise ValueError("no public key recovers from the signature") from None


def finalize_signature(digest: bytes, r: int, s: int, expected_address: str) -> Signature:
    """Normalise to low-s, find the recovery id by trial, and refuse unless it recovers to `expected_address`."""
    if len(digest) != 32:
        raise ValueError("a digest is 32 bytes")
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise SignerMismatch("The signer returned a signature outside the curve order; it was discarded")
    if s > HALF_N:
        s = SECP256K1_N - s
    expected = to_checksum(expected_address)
    for recovery_id in (0, 1):
        try:
            if recover_address(digest, r, s, recovery_id) == expected:
                return Signature(r, s, 27 + recovery_id)
        except Exception:  # noqa: S112 - a recovery id that yields no point is simply not this one
            continue
    raise SignerMismatch(
        f"The signature does not recover to {expected}; it was discarded and nothing was sent (wrong key object?)"
    )
