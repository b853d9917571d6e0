"""The proof bundle: versioned JSON that carries a block header, the node's `eth_getProof` replies as it sent them,
claims in plain words and integers, and any signatures. `resources/schemas/proof-bundle-v1.schema.json` publishes
the format; `read_bundle` reads it back strictly, so a malformed bundle is `UnusableInput` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallet_app.chain.client import AccountProof, StorageProof
from wallet_app.domain.addresses import to_checksum
from wallet_app.proofs.errors import UnusableInput

FORMAT = "custos.proof-bundle"
VERSION = 1
MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # a statement of a few hundred holdings is a few MB; larger is refused unread
MAX_PROOF_NODES = 64
MAX_NODE_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Bundle:
    chain_id: int
    block_number: int
    block_hash: bytes
    header_rlp: bytes
    proofs: tuple[AccountProof, ...]  # the node's eth_getProof replies, read strictly from their raw JSON
    claims: tuple[Mapping[str, Any], ...]
    signatures: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]


def read_limited(path: Path, what: str, limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """A file's bytes, read no further than `limit` (a larger file is refused unread)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnusableInput(f"the {what} {path} could not be read ({exc.strerror or exc.__class__.__name__})") from None
    if len(data) > limit:
        raise UnusableInput(f"the {what} {path.name} is more than {limit:,} bytes; Custos reads at most {limit:,}")
    return data


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """A bundle as the file Custos writes: UTF-8 JSON, indented, ending in a line break."""
    return (json.dumps(bundle, indent=2) + "\n").encode("utf-8")


def load_json(data: bytes, what: str, limit: int = MAX_BUNDLE_BYTES) -> Any:
    if len(data) > limit:
        raise UnusableInput(f"{what} is {len(data):,} bytes; Custos reads at most {limit:,}")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UnusableInput(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UnusableInput(f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise UnusableInput(f"{what} nests too deeply to be a proof") from None


def read_bundle(raw: Any) -> Bundle:
    if not isinstance(raw, Mapping):
        raise UnusableInput("the bundle is not a JSON object")
    if raw.get("format") != FORMAT:
        raise UnusableInput(f"not a Custos proof bundle (format is {str(raw.get('format'))[:60]!r}, "
                            f"expected {FORMAT!r})")
    version = raw.get("version")
    if version != VERSION:
        raise UnusableInput(f"bundle version {str(version)[:20]} is not one this Custos reads (it reads {VERSION})")
    block = _mapping(raw.get("block"), "block")
    proofs = _list(raw.get("proofs"), "proofs")
    claims = _list(raw.get("claims"), "claims")
    signatures = _list(raw.get("signatures", []), "signatures")
    if not claims:
        raise UnusableInput("the bundle makes no claim")
    for index, claim in enumerate(claims):
        _mapping(claim, f"claims[{index}]")
    for index, signature in enumerate(signatures):
        _mapping(signature, f"signatures[{index}]")
    return Bundle(
        chain_id=_int(raw.get("chain_id"), "chain_id"),
        block_number=_int(block.get("number"), "block.number"),
        block_hash=hex_bytes(block.get("hash"), "block.hash", size=32),
        header_rlp=hex_bytes(block.get("header_rlp"), "block.header_rlp", limit=4096),
        proofs=tuple(read_proof_reply(p, f"proofs[{i}]") for i, p in enumerate(proofs)),
        claims=tuple(claims),
        signatures=tuple(signatures),
        raw=raw,
    )


def read_proof_reply(raw: Any, where: str = "the proof") -> AccountProof:
    reply = _mapping(raw, where)
    storage = _list(reply.get("storageProof"), f"{where}.storageProof")
    return AccountProof(
        address=address(reply.get("address"), f"{where}.address"),
        balance=quantity(reply.get("balance"), f"{where}.balance"),
        nonce=quantity(reply.get("nonce"), f"{where}.nonce"),
        code_hash=hex_bytes(reply.get("codeHash"), f"{where}.codeHash", size=32),
        storage_hash=hex_bytes(reply.get("storageHash"), f"{where}.storageHash", size=32),
        account_proof=_nodes(reply.get("accountProof"), f"{where}.accountProof"),
        storage_proofs=tuple(_storage_entry(item, f"{where}.storageProof[{i}]") for i, item in enumerate(storage)),
    )


def _storage_entry(raw: Any, where: str) -> StorageProof:
    item = _mapping(raw, where)
    key = hex_bytes(item.get("key"), f"{where}.key", limit=32, even=False)
    return StorageProof(int.from_bytes(key, "big"), quantity(item.get("value"), f"{where}.value"),
                        _nodes(item.get("proof"), f"{where}.proof"))


def _nodes(raw: Any, where: str) -> tuple[bytes, ...]:
    items = _list(raw, where)
    if len(items) > MAX_PROOF_NODES:
        raise UnusableInput(f"{where} has {len(items)} nodes; a trie proof has far fewer")
    return tuple(hex_bytes(node, f"{where}[{i}]", limit=MAX_NODE_BYTES) for i, node in enumerate(items))


def hex_bytes(raw: Any, what: str, *, size: int | None = None, limit: int | None = None, even: bool = True) -> bytes:
    if not isinstance(raw, str) or not raw.startswith(("0x", "0X")):
        raise UnusableInput(f"{what}: expected hex data starting with 0x, got {_show(raw)}")
    digits = raw[2:]
    if not even and len(digits) % 2:
        digits = "0" + digits
    try:
        value = bytes.fromhex(digits)
    except ValueError:
        raise UnusableInput(f"{what}: {_show(raw)} is not even-length hex") from None
    if size is not None and len(value) != size:
        raise UnusableInput(f"{what}: {len(value)} bytes, expected {size}")
    if limit is not None and len(value) > limit:
        raise UnusableInput(f"{what}: {len(value)} bytes, more than the {limit} it can be")
    return value


def quantity(raw: Any, what: str) -> int:
    """A JSON-RPC quantity ("0x1a"); leading zeros are accepted here, as some nodes send them in proofs."""
    if not isinstance(raw, str) or not raw.startswith("0x") or not 3 <= len(raw) <= 66:
        raise UnusableInput(f"{what}: expected a hex quantity such as 0x1a, got {_show(raw)}")
    try:
        return int(raw[2:], 16)
    except ValueError:
        raise UnusableInput(f"{what}: {_show(raw)} is not hex") from None


def address(raw: Any, what: str) -> str:
    if not isinstance(raw, str):
        raise UnusableInput(f"{what}: expected an address, got {_show(raw)}")
    try:
        return to_checksum(raw)
    except ValueError:
        raise UnusableInput(f"{what}: {_show(raw)} is not a 20-byte address") from None


def decimal(raw: Any, what: str) -> int:
    """Amounts in claims are decimal strings: JSON numbers lose precision past 2**53 in most tools."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 78:
        raise UnusableInput(f"{what}: expected a whole number written in decimal digits, got {_show(raw)}")
    if len(raw) > 1 and raw[0] == "0":
        raise UnusableInput(f"{what}: {_show(raw)} has leading zeros")
    return int(raw)


def _int(raw: Any, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise UnusableInput(f"{what}: expected a non-negative integer, got {_show(raw)}")
    return raw


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise UnusableInput(f"{what}: expected an object, got {_show(raw)}")
    return raw


def _list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise UnusableInput(f"{what}: expected a list, got {_show(raw)}")
    return raw


def _show(raw: Any) -> str:
    text = json.dumps(raw) if isinstance(raw, str | int | float | bool | type(None)) else type(raw).__name__
    return text if len(text) <= 60 else text[:57] + "..."
