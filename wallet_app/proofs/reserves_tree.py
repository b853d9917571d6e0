"""Proof of reserves: a Merkle-sum tree of investors' entitlements, one inclusion proof per investor, and its check.

Scheme "custos.merkle-sum-keccak256/1" (keccak256 is Ethereum's Keccak-256, ‖ concatenation, u256(x) 32 bytes
big-endian; the same rules are written into both files as "rules", so a third party can re-implement the check):

- leaf = keccak256(salt ‖ keccak256(utf8(investor_id)) ‖ u256(amount)), sum = amount. The salt is 32 bytes from
  `secrets`, one per investor, written in their own inclusion file only; investor_id is the id as written in the
  CSV stripped of surrounding spaces, nothing else normalised (entitlements.py has the CSV rules).
- node = keccak256(left.hash ‖ u256(left.sum) ‖ right.hash ‖ u256(right.sum)), sum = left.sum + right.sum: both
  child sums are hashed, so no sum on a path changes without changing the hash above it. A leaf hashes 96 bytes, a
  node 128, so neither passes for the other. Every amount and sum is in 0..2**256-1 (a larger total is refused).
- odd levels: a level with an odd number of nodes (more than one) is completed on the right by the empty node, hash
  32 zero bytes and sum 0. A tree of n leaves has depth ceil(log2 n) (0 for one leaf, which is the root).
- order: the leaves are shuffled with the OS CSPRNG, so positions, and whose the sums beside a leaf are, tell nothing.

Inclusion file (format "custos.reserves-inclusion", version 1; amounts are decimal strings, bytes "0x" + hex):
investor_id, amount, salt, leaf_index, leaves (leaf count), root {"hash", "sum"} and path: from the leaf up, one
sibling per level, {"side": where the sibling sits, "left"|"right"; "hash"; "sum"}. To check it: recompute the
leaf, fold the path in (side "left": node(sibling, running), else node(running, sibling)), refuse a sum outside
0..2**256-1, compare with the published root. Bit k of leaf_index is 1 exactly when step k's side is "left",
leaf_index < leaves, and the path has ceil(log2 leaves) steps. Unknown fields are ignored (the CLI may add some). A
field that cannot be read is UnusableInput; a file that reads but does not lead to the root is ProofInvalid.

A path shows its siblings' sums: an investor sees one other, unnamed leaf's exact amount and the totals of ever
larger groups. No proof shows an investor left out of the tree: each investor checks their own.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import eth_hash.auto

from wallet_app.proofs.entitlements import (
    UINT256_MAX,
    Entitlement,
    check_entitlements,
    investor_id_problem,
    parse_uint256,
)
from wallet_app.proofs.errors import ProofInvalid, UnusableInput

SCHEME = "custos.merkle-sum-keccak256/1"
FORMAT = "custos.reserves-inclusion"
VERSION = 1
RULES: dict[str, str] = {  # written into both files, so a third party can re-implement the check from one file
    "leaf": "keccak256(salt ‖ keccak256(utf8(investor_id)) ‖ u256(amount)), sum = amount",
    "node": "keccak256(left.hash ‖ u256(left.sum) ‖ right.hash ‖ u256(right.sum)), sum = left.sum + right.sum",
    "u256": "32 bytes big-endian; every amount and sum must be in 0..2**256-1",
    "odd_level": "a level with an odd number of nodes gets, on the right, an empty node: hash 32 zero bytes, sum 0",
    "path": "from the leaf up; side is where the sibling sits; bit k of leaf_index is 1 iff step k's side is left; "
            "the path has ceil(log2(leaves)) steps",
    "keccak256": "Ethereum Keccak-256 (original padding, not NIST SHA3-256)",
}
EMPTY_HASH = bytes(32)
MAX_DEPTH = 64
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")
_KECCAK_OF_NOTHING = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def _pysha3() -> Callable[[bytes], Any] | None:
    """safe-pysha3's keccak_256 (installed with safe-eth-py) when it is there and right: on 96- and 128-byte inputs
    it is about ten times faster than the pycryptodome backend eth_hash picks by itself."""
    try:
        from sha3 import keccak_256
    except ImportError:  # pragma: no cover - safe-eth-py depends on it
        return None
    return keccak_256 if keccak_256(b"").digest() == _KECCAK_OF_NOTHING else None


_PYSHA3 = _pysha3()


def keccak256(data: bytes) -> bytes:
    return bytes(_PYSHA3(data).digest()) if _PYSHA3 is not None else eth_hash.auto.keccak(data)


def _keccak_all(preimages: Iterable[bytes]) -> list[bytes]:
    """keccak256 of each, without a Python call per hash when pysha3 is there (the build's hot loop)."""
    if _PYSHA3 is None:
        return list(map(eth_hash.auto.keccak, preimages))
    new = _PYSHA3
    return [new(preimage).digest() for preimage in preimages]


@dataclass(frozen=True, slots=True)
class SumNode:
    hash: bytes
    sum: int


@dataclass(frozen=True, slots=True)
class InclusionResult:
    """An inclusion that holds: this investor's amount is counted in the root's total."""

    investor_id: str
    amount: int
    leaf_index: int
    leaves: int
    root: SumNode


def leaf_hash(salt: bytes, investor_id: str, amount: int) -> bytes:
    return keccak256(salt + keccak256(investor_id.encode("utf-8")) + amount.to_bytes(32, "big"))


def node_hash(left: SumNode, right: SumNode) -> bytes:
    return keccak256(left.hash + left.sum.to_bytes(32, "big") + right.hash + right.sum.to_bytes(32, "big"))


def tree_depth(leaves: int) -> int:
    """Steps in every inclusion path of a tree of `leaves` leaves: ceil(log2 leaves)."""
    return (leaves - 1).bit_length()


class ReservesTree:
    """A built tree. It holds every investor's salt: publish its root and one inclusion per investor, never it."""

    __slots__ = ("_amounts", "_hashes", "_position", "_salts", "_sums", "root", "size")

    def __init__(self, ids: list[str], amounts: list[int], salts: list[bytes], hashes: list[list[bytes]],
                 sums: list[list[int]]) -> None:
        self._amounts, self._salts = amounts, salts  # in leaf order
        self._hashes, self._sums = hashes, sums  # level 0 = the leaves; odd levels completed by the empty node
        self._position = {investor_id: index for index, investor_id in enumerate(ids)}
        self.root = SumNode(hashes[-1][0], sums[-1][0])
        self.size = len(ids)

    def __repr__(self) -> str:
        return f"ReservesTree(size={self.size}, root=0x{self.root.hash.hex()}, total={self.root.sum})"


def build_tree(entries: Sequence[Entitlement], *, salts: Sequence[bytes] | None = None,
               order_seed: int | None = None) -> ReservesTree:
    """The tree of `entries`. Salts are drawn with `secrets` unless given (one per entry, in entry order: tests).
    The leaves are shuffled with the OS CSPRNG; `order_seed` makes the shuffle reproducible (tests, benchmarks, never
    a published tree). UnusableInput for no entries, a bad or duplicate id, an amount or total outside 0..2**256-1."""
    count = len(entries)
    if count == 0:
        raise UnusableInput("no entitlements: a reserves tree needs at least one investor")
    if salts is not None and (len(salts) != count or any(len(salt) != 32 for salt in salts)):
        raise ValueError("salts must be one 32-byte value per entry")
    check_entitlements(entries)
    # A uniform shuffle: sort by independent random 64-bit keys (a tie, about n**2 / 2**65, keeps entry order).
    random_bytes = secrets.token_bytes if order_seed is None else random.Random(order_seed).randbytes  # noqa: S311
    keys = memoryview(random_bytes(8 * count)).cast("Q")
    order = sorted(range(count), key=keys.__getitem__)
    ids = [entries[i].investor_id for i in order]
    amounts = [entries[i].amount for i in order]
    if salts is None:
        blob = secrets.token_bytes(32 * count)
        leaf_salts = [blob[i:i + 32] for i in range(0, 32 * count, 32)]
    else:
        leaf_salts = [bytes(salts[i]) for i in order]
    id_hashes = _keccak_all(investor_id.encode("utf-8") for investor_id in ids)
    level = _keccak_all(salt + id_hash + amount.to_bytes(32, "big")
                        for salt, id_hash, amount in zip(leaf_salts, id_hashes, amounts, strict=True))
    level_sums = list(amounts)
    hashes, sums = [level], [level_sums]
    while len(level) > 1:
        if len(level) % 2:
            level.append(EMPTY_HASH)
            level_sums.append(0)
        words = [s.to_bytes(32, "big") for s in level_sums]
        level = _keccak_all(level[i] + words[i] + level[i + 1] + words[i + 1] for i in range(0, len(level), 2))
        level_sums = [level_sums[i] + level_sums[i + 1] for i in range(0, len(level_sums), 2)]
        hashes.append(level)
        sums.append(level_sums)
    return ReservesTree(ids, amounts, leaf_salts, hashes, sums)


def inclusion_json(tree: ReservesTree, investor_id: str) -> dict[str, object]:
    """The content of one investor's inclusion file: their own id, amount and salt, and sibling hashes and sums only.
    KeyError for an id that is not in the tree."""
    position = tree._position[investor_id]
    path: list[dict[str, str]] = []
    index = position
    for hashes, sums in zip(tree._hashes[:-1], tree._sums[:-1], strict=True):
        sibling = index ^ 1
        path.append({"side": "left" if index & 1 else "right", "hash": "0x" + hashes[sibling].hex(),
                     "sum": str(sums[sibling])})
        index >>= 1
    return {
        "format": FORMAT, "version": VERSION, "scheme": SCHEME, "rules": dict(RULES),
        "investor_id": investor_id, "amount": str(tree._amounts[position]), "salt": "0x" + tree._salts[position].hex(),
        "leaf_index": position, "leaves": tree.size, "path": path,
        "root": {"hash": "0x" + tree.root.hash.hex(), "sum": str(tree.root.sum)},
    }


def root_json_fields(tree: ReservesTree) -> dict[str, object]:
    """The tree part of the root file."""
    return {"tree": {"scheme": SCHEME, "rules": dict(RULES), "root_hash": "0x" + tree.root.hash.hex(),
                     "total": str(tree.root.sum), "leaves": tree.size}}


def read_root_fields(document: Mapping[str, object]) -> tuple[SumNode, int]:
    """The root (hash, total) and leaf count from a root file's "tree" part, as written by `root_json_fields`."""
    tree = _mapping(document.get("tree") if isinstance(document, Mapping) else None, "root file: tree")
    if tree.get("scheme") != SCHEME:
        raise UnusableInput(f"root file: tree.scheme is {tree.get('scheme')!r}, expected {SCHEME!r}")
    root = SumNode(_hex32(tree.get("root_hash"), "root file: tree.root_hash"),
                   _decimal(tree.get("total"), "root file: tree.total"))
    return root, _count(tree.get("leaves"), "root file: tree.leaves", minimum=1)


def verify_inclusion(inclusion: Mapping[str, object], *, root_hash: bytes, root_sum: int,
                     leaves: int | None = None) -> InclusionResult:
    """Check that `inclusion` leads to the published root (hash and total; and leaf count when given).
    UnusableInput when a field is missing or malformed, ProofInvalid when it reads but does not hold."""
    if not isinstance(inclusion, Mapping):
        raise UnusableInput("inclusion: not a JSON object")
    found = inclusion.get("format"), inclusion.get("version"), inclusion.get("scheme")
    if found != (FORMAT, VERSION, SCHEME) or type(found[1]) is not int:
        raise UnusableInput(f"inclusion: format, version, scheme are {found!r}, expected {(FORMAT, VERSION, SCHEME)!r}")
    investor_id = inclusion.get("investor_id")
    if not isinstance(investor_id, str):
        raise UnusableInput("inclusion: investor_id is missing or not a string")
    problem = investor_id_problem(investor_id)
    if problem or investor_id != investor_id.strip():
        raise UnusableInput(f"inclusion: investor_id: {problem or 'it has surrounding spaces'}")
    amount = _decimal(inclusion.get("amount"), "inclusion: amount")
    salt = _hex32(inclusion.get("salt"), "inclusion: salt")
    index = _count(inclusion.get("leaf_index"), "inclusion: leaf_index", minimum=0)
    size = _count(inclusion.get("leaves"), "inclusion: leaves", minimum=1)
    steps = inclusion.get("path")
    if not isinstance(steps, list) or len(steps) > MAX_DEPTH:
        raise UnusableInput(f"inclusion: path is missing, not a list or longer than {MAX_DEPTH} steps")
    path = [_step(step, f"inclusion: path[{k}]") for k, step in enumerate(steps)]
    claimed = _mapping(inclusion.get("root"), "inclusion: root")
    claimed_root = SumNode(_hex32(claimed.get("hash"), "inclusion: root.hash"),
                           _decimal(claimed.get("sum"), "inclusion: root.sum"))

    if leaves is not None and size != leaves:
        raise ProofInvalid(f"inclusion: the tree has {size} leaves here and {leaves} in the root file")
    if index >= size:
        raise ProofInvalid(f"inclusion: leaf_index {index} is outside a tree of {size} leaves")
    if len(path) != tree_depth(size):
        raise ProofInvalid(f"inclusion: the path has {len(path)} steps where a tree of {size} leaves has "
                           f"{tree_depth(size)}")
    running = SumNode(leaf_hash(salt, investor_id, amount), amount)
    for k, (side, sibling) in enumerate(path):
        if (side == "left") != bool(index >> k & 1):
            raise ProofInvalid(f"inclusion: path[{k}].side is {side!r}, which leaf_index {index} contradicts")
        left, right = (sibling, running) if side == "left" else (running, sibling)
        if left.sum + right.sum > UINT256_MAX:
            raise ProofInvalid(f"inclusion: path[{k}]: the sums add up to 2**256 or more")
        running = SumNode(node_hash(left, right), left.sum + right.sum)
    if running.hash != root_hash:
        raise ProofInvalid(f"inclusion: the leaf and path lead to root 0x{running.hash.hex()}, not the published "
                           f"root 0x{root_hash.hex()}")
    if running.sum != root_sum:
        raise ProofInvalid(f"inclusion: the path adds up to {running.sum}, not the published total {root_sum}")
    if claimed_root != running:
        raise ProofInvalid("inclusion: root (hash or sum) differs from the root the path leads to")
    return InclusionResult(investor_id, amount, index, size, running)


def _step(step: object, where: str) -> tuple[str, SumNode]:
    fields = _mapping(step, where)
    side = fields.get("side")
    if side not in ("left", "right"):
        raise UnusableInput(f"{where}.side is {side!r}, expected 'left' or 'right'")
    return str(side), SumNode(_hex32(fields.get("hash"), f"{where}.hash"), _decimal(fields.get("sum"), f"{where}.sum"))


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise UnusableInput(f"{where} is missing or not a JSON object")
    return value


def _hex32(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX32.fullmatch(value):
        raise UnusableInput(f"{where} is missing or not 0x and 64 hex digits")
    return bytes.fromhex(value[2:])


def _decimal(value: object, where: str) -> int:
    if not isinstance(value, str):
        raise UnusableInput(f"{where} is missing or not a decimal string")
    return parse_uint256(value, where)


def _count(value: object, where: str, *, minimum: int) -> int:
    if type(value) is not int or not minimum <= value < 2**MAX_DEPTH:
        raise UnusableInput(f"{where} is missing or not an integer in {minimum}..2**{MAX_DEPTH}-1")
    return value
