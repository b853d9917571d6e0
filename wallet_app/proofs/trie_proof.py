"""Merkle-Patricia trie proofs (EIP-1186 `accountProof` / `storageProof`) checked against a root hash.

A proof is the list of RLP-encoded nodes on the path from the root to a key, in path order, as geth and anvil return
them: the first node hashes to the root, every later node is referenced by hash from the node before it, and nodes
whose encoding is shorter than 32 bytes are embedded in their parent instead of being listed. The walk follows the
nibbles of the key through branch (17 items), extension and leaf (2 items, hex-prefix path) nodes and ends at the
stored value, or at proof that there is none: an empty branch slot, or an extension or leaf whose path leaves the
key's. Everything else is refused: a node out of place, missing or left over, RLP that is malformed or not in its one
canonical form, an embedded node that should have been hashed (or the reverse), a bad hex-prefix.

The walk compares the key as a hex string (one character per nibble) against hex-prefix paths turned into hex
strings, so no per-nibble lists are built, and each node is read by a small strict RLP reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias, cast

from eth_hash.auto import keccak

from wallet_app.proofs.errors import ProofInvalid

EMPTY_TRIE_ROOT = keccak(b"\x80")  # keccak256(rlp(b"")), the root of a trie with nothing in it
EMPTY_CODE_HASH = keccak(b"")

Item: TypeAlias = "bytes | list[Item]"
_NIBBLE = {c: i for i, c in enumerate("0123456789abcdef")}


class _Malformed(Exception):
    """Raised inside the RLP reader; turned into ProofInvalid by the caller, which knows what was being read."""


def _read_list(data: bytes, pos: int, end: int) -> list[Item]:
    """The items of the RLP list payload data[pos:end]: byte strings as bytes, nested lists (embedded nodes) as lists.
    Only the one canonical encoding is accepted (shortest length forms, no single byte below 0x80 wrapped as a
    string), and an embedded node must be shorter than 32 bytes, or it would have been referenced by hash."""
    items: list[Item] = []
    append = items.append
    while pos < end:
        b = data[pos]
        if b < 0x80:
            append(data[pos:pos + 1])
            pos += 1
        elif b < 0xB8:
            start = pos + 1
            pos = start + b - 0x80
            if pos > end:
                raise _Malformed("a string runs past the end of its list")
            if b == 0x81 and data[start] < 0x80:
                raise _Malformed("a single byte below 0x80 is wrapped as a string")
            append(data[start:pos])
        elif b < 0xC0:
            start, pos = _long_length(data, pos, end, b - 0xB7)
            append(data[start:pos])
        elif b < 0xDF:  # an embedded node: its encoding, header included, is under 32 bytes
            start = pos + 1
            pos = start + b - 0xC0
            if pos > end:
                raise _Malformed("an embedded node runs past the end of its list")
            append(_read_list(data, start, pos))
        else:
            raise _Malformed("it embeds a child of 32 bytes or more that should be referenced by hash")
    return items


def _long_length(data: bytes, pos: int, end: int, size: int) -> tuple[int, int]:
    """(start, end) of the payload of the long-form item at data[pos], whose length takes `size` bytes."""
    start = pos + 1 + size
    if start > end:
        raise _Malformed("a length runs past the end of its list")
    if data[pos + 1] == 0:
        raise _Malformed("a length has a leading zero byte")
    length = int.from_bytes(data[pos + 1:start], "big")
    if length < 56:
        raise _Malformed("a short item uses the long length form")
    if start + length > end:
        raise _Malformed("an item runs past the end of its list")
    return start, start + length


def _decode_rlp_list(data: bytes) -> list[Item]:
    """The items of `data`, which must be exactly one canonical RLP list."""
    if not data or data[0] < 0xC0:
        raise _Malformed("it is not an RLP list")
    if data[0] < 0xF8:
        start, end = 1, 1 + data[0] - 0xC0
    else:
        start, end = _long_length(data, 0, len(data), data[0] - 0xF7)
    if end != len(data):
        raise _Malformed("its length prefix does not match its size")
    return _read_list(data, start, end)


def _check_node(items: list[Item]) -> None:
    """Raise _Malformed unless `items` is a branch, extension or leaf whose parts (embedded nodes too) are well formed:
    so no node in a proof is accepted only because the walk did not look at all of it."""
    count = len(items)
    if count == 17:
        for child in items[:16]:
            if isinstance(child, list):
                _check_node(child)
            elif child and len(child) != 32:
                raise _Malformed(f"a branch references a child by a {len(child)}-byte string, not a 32-byte hash")
        if not isinstance(items[16], bytes):
            raise _Malformed("a branch holds a value that is not a byte string")
    elif count == 2:
        prefix, rest = items
        if not isinstance(prefix, bytes) or not prefix:
            raise _Malformed("a leaf or extension has no hex-prefix path")
        flag = prefix[0] >> 4
        if flag > 3 or (not flag & 1 and prefix[0] & 0x0F):
            raise _Malformed(f"bad hex-prefix encoding 0x{prefix.hex()}")
        if flag >= 2:
            if not isinstance(rest, bytes) or not rest:
                raise _Malformed("a leaf holds an empty or non-string value")
        elif prefix == b"\x00":
            raise _Malformed("an extension has an empty path")
        elif isinstance(rest, list):
            _check_node(rest)
        elif len(rest) != 32:
            raise _Malformed("an extension's child is neither a 32-byte hash nor an embedded node")
    else:
        raise _Malformed(f"it has {count} items, not 2 (leaf, extension) or 17 (branch)")


def _node(element: bytes, what: str, index: int) -> list[Item]:
    try:
        items = _decode_rlp_list(element)
        _check_node(items)
    except _Malformed as exc:
        raise ProofInvalid(f"{what} node {index} is not a valid trie node: {exc}") from None
    return items


def verify_proof(root: bytes, key: bytes, proof: Sequence[bytes], *, what: str = "proof") -> bytes:
    """The value stored under `key` (the trie key, already hashed for the state and storage tries) in the trie whose
    root hash is `root`, as `proof` shows it: the raw stored bytes, or b"" when the proof shows the key is absent.
    Raises ProofInvalid when the proof does not show either."""
    if len(root) != 32:
        raise ProofInvalid(f"{what}: the root 0x{root.hex()} is not 32 bytes")
    if not proof:
        if root == EMPTY_TRIE_ROOT:
            return b""  # an empty trie has no nodes to show
        raise ProofInvalid(f"{what} has no nodes, but the root 0x{root.hex()} is not the empty trie's")
    element = bytes(proof[0])  # a bytes subclass (HexBytes) is read as plain bytes
    if keccak(element) != root:
        raise ProofInvalid(f"{what}: the proof's first node does not hash to the root 0x{root.hex()}")
    last = len(proof) - 1
    if element == b"\x80":  # the empty trie's root node, as some nodes list it
        if last:
            raise ProofInvalid(f"{what} has {last} unused extra node(s) after the empty trie's root")
        return b""
    node = _node(element, what, 0)
    path = bytes(key).hex()  # one character per nibble
    end = len(path)
    pos = 0
    index = 0
    value = b""
    while True:  # every node here has passed _check_node
        child: Item
        if len(node) == 17:
            if pos == end:
                found = node[16]
                if isinstance(found, bytes):
                    value = found
                break
            child = node[_NIBBLE[path[pos]]]
            pos += 1
        else:
            prefix = cast(bytes, node[0])
            child = node[1]
            segment = prefix.hex()[2 - (prefix[0] >> 4 & 1):]
            if prefix[0] >= 0x20:  # a leaf: the value is here if the rest of the key is exactly its path
                if path[pos:] == segment and isinstance(child, bytes):
                    value = child
                break
            if not path.startswith(segment, pos):
                break  # the key leaves the extension's path: absent
            pos += len(segment)
        if isinstance(child, list):
            node = child  # embedded in its parent: part of the same proof element
            continue
        if not child:
            break  # an empty branch slot: absent
        index += 1
        if index > last:
            raise ProofInvalid(f"{what}: the proof ends before the key's path does (after {index} node(s))")
        element = bytes(proof[index])
        if keccak(element) != child:
            raise ProofInvalid(f"{what} node {index} is not referenced by its parent")
        if len(element) < 32:
            raise ProofInvalid(f"{what} node {index} is shorter than 32 bytes and should be embedded in its parent")
        node = _node(element, what, index)
    if index != last:
        raise ProofInvalid(f"{what} has {last - index} unused extra node(s) after node {index}")
    return value


@dataclass(frozen=True, slots=True)
class ProvenAccount:
    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes
    exists: bool


def _canonical_int(data: bytes) -> int | None:
    """The big-endian integer in `data`, or None if it has a leading zero byte (zero itself is b"")."""
    if data[:1] == b"\x00":
        return None
    return int.from_bytes(data, "big")


def prove_account(state_root: bytes, address: bytes, proof: Sequence[bytes]) -> ProvenAccount:
    """The account at `address` (20 bytes) in the state trie under `state_root`, as `proof` shows it; an account the
    proof shows absent is all zeros and empty, with exists=False."""
    what = f"account proof of 0x{address.hex()}"
    if len(address) != 20:
        raise ProofInvalid(f"{what}: an address is 20 bytes, not {len(address)}")
    encoded = verify_proof(state_root, keccak(address), proof, what=what)
    if not encoded:
        return ProvenAccount(0, 0, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH, exists=False)
    not_an_account = ProofInvalid(f"{what}: the stored account is not an RLP list [nonce, balance, storage root, "
                                  "code hash]")
    try:
        fields = _decode_rlp_list(encoded)
    except _Malformed:
        raise not_an_account from None
    if len(fields) != 4:
        raise not_an_account
    nonce_bytes, balance_bytes, storage_root, code_hash = fields
    if not (isinstance(nonce_bytes, bytes) and isinstance(balance_bytes, bytes) and isinstance(storage_root, bytes)
            and isinstance(code_hash, bytes)):
        raise not_an_account
    nonce, balance = _canonical_int(nonce_bytes), _canonical_int(balance_bytes)
    if nonce is None or balance is None or len(nonce_bytes) > 8 or len(balance_bytes) > 32:
        raise ProofInvalid(f"{what}: the stored account's nonce or balance is not a canonical integer")
    if len(storage_root) != 32 or len(code_hash) != 32:
        raise ProofInvalid(f"{what}: the stored account's storage root or code hash is not 32 bytes")
    return ProvenAccount(nonce, balance, storage_root, code_hash, exists=True)


def prove_storage(storage_root: bytes, slot: bytes, proof: Sequence[bytes]) -> int:
    """The value of storage slot `slot` (the 32-byte slot key, not hashed) in the storage trie under `storage_root`,
    as `proof` shows it; 0 only when the proof shows the slot absent (a stored zero is not canonical and refused)."""
    what = f"storage proof of slot 0x{slot.hex()}"
    if len(slot) != 32:
        raise ProofInvalid(f"{what}: a storage slot key is 32 bytes, not {len(slot)}")
    encoded = verify_proof(storage_root, keccak(slot), proof, what=what)
    if not encoded:
        return 0
    first = encoded[0]
    if first < 0x80:
        payload = encoded  # a single byte is its own encoding
        valid = len(encoded) == 1 and first != 0
    else:
        payload = encoded[1:]
        valid = 0x81 <= first <= 0xA0 and len(payload) == first - 0x80 and (first > 0x81 or payload[0] >= 0x80)
    value = _canonical_int(payload) if valid else None
    if not value:
        raise ProofInvalid(f"{what}: the stored value 0x{encoded.hex()} is not a canonical non-zero RLP integer")
    return value
