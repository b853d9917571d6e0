"""Safe transactions and their EIP-712 hashes, computed by our own pure code from the raw fields.

Safe 1.3.0 and later put the chain id in the domain; 1.0.0 to 1.2.0 use the legacy domain with only the verifying
contract, so a signature there is valid on every chain where the same address holds that Safe. Safe 1.0.0 renamed the
SafeTx field `dataGas` to `baseGas`, which changed the SafeTx type hash: only the Safes before 1.0.0 (0.x) sign with the
old one (checked in tests against the contracts' own bytecode, 1.0.0 included, and against safe-eth-py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import encode
from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DOMAIN_TYPEHASH = keccak(b"EIP712Domain(uint256 chainId,address verifyingContract)")
LEGACY_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(address verifyingContract)")
SAFE_TX_TYPEHASH = keccak(
    b"SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    b"uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
PRE_1_0_SAFE_TX_TYPEHASH = keccak(  # Safe 0.0.2 and 0.1.0: as later, with `dataGas` where 1.0.0 has `baseGas`
    b"SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 dataGas,"
    b"uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)


class Operation(IntEnum):
    CALL = 0
    DELEGATECALL = 1


@dataclass(frozen=True, slots=True)
class SafeTx:
    safe: str
    chain_id: int
    version: str
    to: str
    value: int
    data: bytes
    operation: Operation
    nonce: int
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS


@dataclass(frozen=True, slots=True)
class SafeTxHashes:
    domain_hash: bytes
    message_hash: bytes
    safe_tx_hash: bytes


def version_tuple(version: str) -> tuple[int, ...]:
    core = version.split("+")[0].split("-")[0]
    try:
        return tuple(int(part) for part in core.split("."))
    except ValueError:
        raise ValueError(f"'{version[:20]}' is not a Safe version such as 1.4.1") from None


def uses_legacy_domain(version: str) -> bool:
    return version_tuple(version) < (1, 3, 0)


def safe_tx_typehash(version: str) -> bytes:
    """The SafeTx type hash a Safe of `version` signs: the `baseGas` one from 1.0.0 on, the `dataGas` one before."""
    return PRE_1_0_SAFE_TX_TYPEHASH if version_tuple(version) < (1, 0, 0) else SAFE_TX_TYPEHASH


def compute_domain_hash(safe: str, chain_id: int, version: str) -> bytes:
    if uses_legacy_domain(version):
        return keccak(encode(["bytes32", "address"], [LEGACY_DOMAIN_TYPEHASH, to_checksum(safe)]))
    return keccak(encode(["bytes32", "uint256", "address"], [DOMAIN_TYPEHASH, chain_id, to_checksum(safe)]))


def compute_message_hash(tx: SafeTx) -> bytes:
    return keccak(
        encode(
            ["bytes32", "address", "uint256", "bytes32", "uint8", "uint256", "uint256", "uint256", "address",
             "address", "uint256"],
            [
                safe_tx_typehash(tx.version),
                to_checksum(tx.to),
                tx.value,
                keccak(tx.data),
                int(tx.operation),
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                to_checksum(tx.gas_token),
                to_checksum(tx.refund_receiver),
                tx.nonce,
            ],
        )
    )


def compute_hashes(tx: SafeTx) -> SafeTxHashes:
    domain = compute_domain_hash(tx.safe, tx.chain_id, tx.version)
    message = compute_message_hash(tx)
    return SafeTxHashes(domain, message, keccak(b"\x19\x01" + domain + message))


def build_exec_transaction(tx: SafeTx, signatures: bytes) -> bytes:
    """Call data of Safe.execTransaction for `tx` with the packed owner signatures."""
    from wallet_app.domain.abi import build_call

    return build_call(
        "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
        to_checksum(tx.to),
        tx.value,
        tx.data,
        int(tx.operation),
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        to_checksum(tx.gas_token),
        to_checksum(tx.refund_receiver),
        signatures,
    )


def pack_signatures(signatures: dict[str, bytes]) -> bytes:
    """Owner signatures (65 bytes r||s||v each) sorted by owner address, as Safe requires."""
    ordered = sorted(signatures.items(), key=lambda item: int(item[0], 16))
    return b"".join(sig for _, sig in ordered)


def safe_tx_json(tx: SafeTx) -> dict[str, Any]:
    """The raw fields of `tx` as JSON (numbers as decimal strings): the `safe_tx` object of every JSON Custos prints,
    which `custos safe import` reads back."""
    return {
        "safe": tx.safe, "chain_id": tx.chain_id, "version": tx.version, "to": tx.to, "value": str(tx.value),
        "data": "0x" + tx.data.hex(), "operation": int(tx.operation), "safe_tx_gas": str(tx.safe_tx_gas),
        "base_gas": str(tx.base_gas), "gas_price": str(tx.gas_price), "gas_token": tx.gas_token,
        "refund_receiver": tx.refund_receiver, "nonce": str(tx.nonce),
    }
