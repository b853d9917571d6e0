"""Safe messages: what a vault's owners sign so that the vault itself vouches for a 32-byte digest (EIP-1271).

A Safe from 1.3.0 on answers `isValidSignature(bytes32 dataHash, bytes signatures)` through its
CompatibilityFallbackHandler: it wraps the digest as a SafeMessage and checks the owners' signatures over

    safeMessageHash = keccak256(0x19 0x01 ‖ domainSeparator(vault) ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH,
                                                                                         keccak256(message))))

where `message` is the 32 bytes of `dataHash` (abi.encode of one bytes32) and SAFE_MSG_TYPEHASH is
keccak256("SafeMessage(bytes message)"). This is the hash Safe's own apps show for an EIP-712 message, and the key
of a message in the approvals queue. The hashes come back as `SafeTxHashes` (domain, struct, final) so the owner
signature checks made for transactions serve messages unchanged: the final hash is what ECDSA signs, and
0x19 0x01 ‖ domain ‖ struct is what an owner contract is handed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_abi.abi import encode
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_hash.auto import keccak

from wallet_app.domain.safe_tx import SafeTxHashes, compute_domain_hash, version_tuple

SAFE_MSG_TYPEHASH = keccak(b"SafeMessage(bytes message)")
EIP1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
FIRST_MESSAGE_VERSION = (1, 3, 0)  # the first Safe whose fallback handler checks messages this way


def supports_messages(version: str) -> bool:
    try:
        return version_tuple(version) >= FIRST_MESSAGE_VERSION
    except ValueError:
        return False


def safe_message_hashes(safe: str, chain_id: int, version: str, digest: bytes) -> SafeTxHashes:
    """The SafeMessage hashes of a 32-byte `digest` for `safe` (a Safe of `version`, 1.3.0 or later) on `chain_id`."""
    if len(digest) != 32:
        raise ValueError("a Safe message here is a 32-byte digest")
    if not supports_messages(version):
        raise ValueError(f"a Safe {version[:20]} cannot vouch for messages (1.3.0 or later can)")
    domain = compute_domain_hash(safe, chain_id, version)
    struct = keccak(encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(digest)]))
    return SafeTxHashes(domain, struct, keccak(b"\x19\x01" + domain + struct))


def safe_message_hash(safe: str, chain_id: int, version: str, digest: bytes) -> bytes:
    return safe_message_hashes(safe, chain_id, version, digest).safe_tx_hash


def typed_data_digest(typed: Mapping[str, Any]) -> bytes:
    """keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)) of EIP-712 typed data (its JSON form); ValueError
    names why malformed typed data cannot be hashed."""
    try:
        return bytes(_hash_eip191_message(encode_typed_data(full_message=dict(typed))))
    except Exception as exc:  # eth-account raises several types for malformed typed data
        raise ValueError(f"the typed data cannot be hashed: {exc.__class__.__name__}: {str(exc)[:200]}") from None
