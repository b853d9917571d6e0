"""The EIP-712 typed data a vault's owners sign for a holding statement, built from the bundle's own fields.

    EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
      name "Custos Holding Statement", version "1", chainId = the bundle's chain, verifyingContract = the vault
    Holding(string standard,address asset,uint256 tokenId,uint256 balance,uint256 frozen,bool proven)
    HoldingStatement(bytes32 statementId,address account,uint256 blockNumber,bytes32 blockHash,Holding[] holdings,
                     uint256 issuedAt,uint256 validUntil)

`statementId` is keccak256 of the statement's id text (UTF-8); the native coin's `asset` is the zero address;
`tokenId` is 0 for a fungible token; `proven` says whether the bundle proves that holding (a statement may list a
holding it cannot prove, with the reason). `issuedAt` and `validUntil` are seconds since the epoch, UTC. Integers are
written as decimal strings, so the JSON reads the same in every tool (ethers, viem, eth-account).

The bundle carries the typed data in full so that any EIP-712 tool can hash it; Custos never trusts that copy: it
builds the typed data again from the bundle's statement, block and chain and requires the copy to equal it, naming
the first field that differs (L3: another chain, another vault, another application or version, an expired one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.proofs.errors import UnusableInput
from wallet_app.safe.messages import typed_data_digest

DOMAIN_NAME = "Custos Holding Statement"
DOMAIN_VERSION = "1"
ZERO_ADDRESS = "0x" + "00" * 20

TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Holding": [
        {"name": "standard", "type": "string"},
        {"name": "asset", "type": "address"},
        {"name": "tokenId", "type": "uint256"},
        {"name": "balance", "type": "uint256"},
        {"name": "frozen", "type": "uint256"},
        {"name": "proven", "type": "bool"},
    ],
    "HoldingStatement": [
        {"name": "statementId", "type": "bytes32"},
        {"name": "account", "type": "address"},
        {"name": "blockNumber", "type": "uint256"},
        {"name": "blockHash", "type": "bytes32"},
        {"name": "holdings", "type": "Holding[]"},
        {"name": "issuedAt", "type": "uint256"},
        {"name": "validUntil", "type": "uint256"},
    ],
}
PRIMARY_TYPE = "HoldingStatement"


def statement_typed_data(bundle: Mapping[str, Any], vault: str, valid_until: int) -> dict[str, Any]:
    """The typed data of the statement in `bundle` (a bundle's JSON object), vouched for by `vault`."""
    statement = _statement(bundle)
    block = bundle.get("block")
    if not isinstance(block, Mapping):
        raise UnusableInput("the bundle has no block")
    try:
        chain_id = int(str(bundle.get("chain_id")))
        number = int(str(block.get("number")))
        issued_at = int(datetime.fromisoformat(str(statement.get("issued_at"))).timestamp())
    except ValueError:
        raise UnusableInput("the bundle's chain id, block number or the statement's issued_at is not readable") \
            from None
    block_hash = str(block.get("hash", "")).lower()
    unproven = {(str(u.get("asset")), str(u.get("token_id", ""))) for u in statement.get("unproven", [])
                if isinstance(u, Mapping)}
    holdings = [_holding(item, unproven, index) for index, item in enumerate(statement.get("holdings", []))]
    return {
        "types": TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": str(chain_id),
                   "verifyingContract": to_checksum(vault)},
        "message": {
            "statementId": "0x" + keccak(str(statement.get("id", "")).encode("utf-8")).hex(),
            "account": _address(statement.get("account")),
            "blockNumber": str(number),
            "blockHash": block_hash,
            "holdings": holdings,
            "issuedAt": str(issued_at),
            "validUntil": str(valid_until),
        },
    }


def statement_digest(typed: Mapping[str, Any]) -> bytes:
    try:
        return typed_data_digest(typed)
    except ValueError as exc:
        raise UnusableInput(str(exc)) from None


def typed_data_differences(given: Any, expected: Mapping[str, Any]) -> list[str]:
    """What differs between the typed data a bundle carries and the one built from its fields, in plain words."""
    if not isinstance(given, Mapping):
        return ["the signature carries no typed data object"]
    found: list[str] = []
    if given.get("types") != expected["types"] or given.get("primaryType") != expected["primaryType"]:
        found.append(f"its types are not Custos's {PRIMARY_TYPE} version {DOMAIN_VERSION}")
    domain, want = given.get("domain"), expected["domain"]
    if not isinstance(domain, Mapping):
        return [*found, "it has no domain"]
    names = {"name": "application name", "version": "version", "chainId": "chainId",
             "verifyingContract": "verifyingContract (vault)"}
    for key, words in names.items():
        if str(domain.get(key, "")).lower() != str(want[key]).lower():
            found.append(f"its {words} is {str(domain.get(key, ''))[:80]!r}, not {want[key]!r}")
    message, want_message = given.get("message"), expected["message"]
    if not isinstance(message, Mapping):
        return [*found, "it has no message"]
    for key, value in want_message.items():
        if message.get(key) != value:
            found.append(f"its message's {key} differs from the bundle's")
    return found


def _statement(bundle: Mapping[str, Any]) -> Mapping[str, Any]:
    statement = bundle.get("statement")
    if not isinstance(statement, Mapping):
        raise UnusableInput("only a holding statement can be signed by a vault; this bundle has no statement")
    return statement


def _holding(item: Any, unproven: set[tuple[str, str]], index: int) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise UnusableInput(f"statement holding {index + 1} is not an object")
    asset, token_id = str(item.get("asset")), str(item.get("token_id", ""))
    try:
        return {
            "standard": str(item.get("standard", ""))[:16],
            "asset": ZERO_ADDRESS if asset == "native" else to_checksum(asset),
            "tokenId": str(int(token_id or "0")),
            "balance": str(int(str(item.get("balance")))),
            "frozen": str(int(str(item.get("frozen", "0")))),
            "proven": (asset, token_id) not in unproven,
        }
    except ValueError:
        raise UnusableInput(f"statement holding {index + 1} has an asset, token id or amount that is not "
                            "readable") from None


def _address(value: object) -> str:
    try:
        return to_checksum(str(value or ""))
    except ValueError:
        raise UnusableInput("the statement's account is not an address") from None
