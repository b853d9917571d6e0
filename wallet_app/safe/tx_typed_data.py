"""A SafeTx as EIP-712 typed data JSON (what an ERC-4527 signer such as a Keystone or Custos offline shows and
signs), and back, strictly.

The JSON is the one wallets sign with `eth_signTypedData_v4`: the domain of the vault's Safe version (chainId and
verifyingContract from 1.3.0 on; verifyingContract alone before) and the SafeTx type with `baseGas` (`dataGas`
before 1.0.0). Whole numbers above 2**53 do not survive every JSON reader, so uint256 values are decimal strings.
Reading back accepts only the exact types, keys and forms written here for the version the reader already trusts:
the fields must produce the hash by Custos's own code and, as a second implementation, by eth-account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_account.messages import _hash_eip191_message, encode_typed_data

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes, uses_legacy_domain, version_tuple
from wallet_app.domain.units import MAX_UINT256
from wallet_app.errors import WalletError

_NUMBERS = ("value", "safeTxGas", "baseGas", "gasPrice", "nonce")


class TypedDataMismatch(WalletError, ValueError):
    """Typed data that is not exactly a SafeTx of the expected vault, chain and version."""

    code = "typed_data_mismatch"


def _gas_name(version: str) -> str:
    return "dataGas" if version_tuple(version) < (1, 0, 0) else "baseGas"


def safe_tx_types(version: str) -> dict[str, list[dict[str, str]]]:
    domain = [{"name": "verifyingContract", "type": "address"}]
    if not uses_legacy_domain(version):
        domain.insert(0, {"name": "chainId", "type": "uint256"})
    fields = [("to", "address"), ("value", "uint256"), ("data", "bytes"), ("operation", "uint8"),
              ("safeTxGas", "uint256"), (_gas_name(version), "uint256"), ("gasPrice", "uint256"),
              ("gasToken", "address"), ("refundReceiver", "address"), ("nonce", "uint256")]
    return {"EIP712Domain": domain, "SafeTx": [{"name": n, "type": t} for n, t in fields]}


def safe_tx_typed_data(tx: SafeTx) -> dict[str, Any]:
    domain: dict[str, Any] = {"verifyingContract": to_checksum(tx.safe)}
    if not uses_legacy_domain(tx.version):
        domain = {"chainId": tx.chain_id, **domain}
    message = {
        "to": to_checksum(tx.to), "value": str(tx.value), "data": "0x" + tx.data.hex(), "operation": int(tx.operation),
        "safeTxGas": str(tx.safe_tx_gas), _gas_name(tx.version): str(tx.base_gas), "gasPrice": str(tx.gas_price),
        "gasToken": to_checksum(tx.gas_token), "refundReceiver": to_checksum(tx.refund_receiver),
        "nonce": str(tx.nonce),
    }
    return {"types": safe_tx_types(tx.version), "primaryType": "SafeTx", "domain": domain, "message": message}


def safe_tx_from_typed_data(typed: Mapping[str, Any], *, safe: str, chain_id: int, version: str) -> SafeTx:
    """The SafeTx in `typed`, which must be exactly what `safe_tx_typed_data` writes for this vault, chain and
    version; the safeTxHash by Custos's code must equal eth-account's hash of the JSON."""
    if set(typed) != {"types", "primaryType", "domain", "message"}:
        raise TypedDataMismatch("The typed data must have exactly types, primaryType, domain and message")
    if typed["primaryType"] != "SafeTx" or typed["types"] != safe_tx_types(version):
        raise TypedDataMismatch(f"The typed data is not a SafeTx of a Safe {version} (its types differ)")
    vault = to_checksum(safe)
    domain = typed["domain"]
    expected_domain: dict[str, Any] = {"verifyingContract": vault}
    if not uses_legacy_domain(version):
        expected_domain["chainId"] = chain_id
    if not isinstance(domain, dict) or set(domain) != set(expected_domain) or \
            _address(domain.get("verifyingContract")) != vault or \
            ("chainId" in expected_domain and _chain(domain.get("chainId")) != chain_id):
        raise TypedDataMismatch(f"The typed data's domain is not the vault {vault} on chain {chain_id}")
    message = typed["message"]
    gas = _gas_name(version)
    keys = {"to", "value", "data", "operation", "safeTxGas", gas, "gasPrice", "gasToken", "refundReceiver", "nonce"}
    if not isinstance(message, dict) or set(message) != keys:
        raise TypedDataMismatch("The SafeTx message must have exactly the ten SafeTx fields")
    numbers = {k: _uint(message[k if k != "baseGas" else gas], k) for k in _NUMBERS}
    operation = message["operation"]
    if operation not in (0, 1) or isinstance(operation, bool):
        raise TypedDataMismatch("operation must be 0 (CALL) or 1 (DELEGATECALL)")
    tx = SafeTx(safe=vault, chain_id=chain_id, version=version, to=_address(message["to"]), value=numbers["value"],
                data=_bytes(message["data"]), operation=Operation(operation), nonce=numbers["nonce"],
                safe_tx_gas=numbers["safeTxGas"], base_gas=numbers["baseGas"], gas_price=numbers["gasPrice"],
                gas_token=_address(message["gasToken"]), refund_receiver=_address(message["refundReceiver"]))
    ours = compute_hashes(tx).safe_tx_hash
    try:
        theirs = bytes(_hash_eip191_message(encode_typed_data(full_message=dict(typed))))
    except Exception as exc:
        raise TypedDataMismatch(f"eth-account cannot hash the typed data: {type(exc).__name__}") from None
    if ours != theirs:
        raise TypedDataMismatch(f"Two implementations hash the typed data differently (0x{ours.hex()} and "
                                f"0x{theirs.hex()}); it is not signed")
    return tx


def _address(value: object) -> str:
    if not isinstance(value, str):
        raise TypedDataMismatch("an address in the typed data is not text")
    return to_checksum(value)


def _chain(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypedDataMismatch("chainId must be a number")
    return _uint(value, "chainId")


def _uint(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypedDataMismatch(f"{name} must be a whole number written in decimal")
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 78 or (len(text) > 1 and text[0] == "0"):
        raise TypedDataMismatch(f"{name} must be a whole number written in decimal")
    number = int(text)
    if number > MAX_UINT256:
        raise TypedDataMismatch(f"{name} is larger than 2**256 - 1")
    return number


def _bytes(value: object) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) % 2:
        raise TypedDataMismatch("data must be 0x followed by an even number of hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise TypedDataMismatch("data must be 0x followed by an even number of hex digits") from None


def safe_message_typed_data(safe: str, chain_id: int, digest: bytes) -> dict[str, Any]:
    """The SafeMessage an owner signs to vouch for a 32-byte `digest` (Safe 1.3.0 or later, through its fallback
    handler): the typed data whose EIP-712 hash is the SafeMessage hash."""
    return {"types": _SAFE_MESSAGE_TYPES, "primaryType": "SafeMessage",
            "domain": {"chainId": chain_id, "verifyingContract": to_checksum(safe)},
            "message": {"message": "0x" + digest.hex()}}


def safe_message_from_typed_data(typed: Mapping[str, Any], *, safe: str, chain_id: int, version: str) -> bytes:
    """The 32-byte message inside `typed`, which must be exactly a SafeMessage of this vault and chain; its hash by
    Custos's code must equal eth-account's."""
    from wallet_app.safe.messages import safe_message_hash

    if set(typed) != {"types", "primaryType", "domain", "message"} or typed["primaryType"] != "SafeMessage" or \
            typed["types"] != _SAFE_MESSAGE_TYPES:
        raise TypedDataMismatch("The typed data is not a SafeMessage")
    vault = to_checksum(safe)
    domain, message = typed["domain"], typed["message"]
    if not isinstance(domain, dict) or set(domain) != {"chainId", "verifyingContract"} or \
            _address(domain["verifyingContract"]) != vault or _chain(domain["chainId"]) != chain_id:
        raise TypedDataMismatch(f"The SafeMessage's domain is not the vault {vault} on chain {chain_id}")
    if not isinstance(message, dict) or set(message) != {"message"}:
        raise TypedDataMismatch("A SafeMessage has exactly one field, message")
    digest = _bytes(message["message"])
    if len(digest) != 32:
        raise TypedDataMismatch("Custos's Safe messages carry a 32-byte digest")
    try:
        ours = safe_message_hash(vault, chain_id, version, digest)
    except ValueError as exc:
        raise TypedDataMismatch(str(exc)) from None
    theirs = bytes(_hash_eip191_message(encode_typed_data(full_message=dict(typed))))
    if ours != theirs:
        raise TypedDataMismatch("Two implementations hash the SafeMessage differently; it is not signed")
    return digest


_SAFE_MESSAGE_TYPES = {"EIP712Domain": [{"name": "chainId", "type": "uint256"},
                                        {"name": "verifyingContract", "type": "address"}],
                       "SafeMessage": [{"name": "message", "type": "bytes"}]}
