"""Proof of reserves: publish a Merkle-sum tree of entitlements beside a proof of the vault's balance at one block,
and check one investor's inclusion against it.

Published to a folder: `root.json` (the tree's root and total, the asset, the vault, and the balance proof bundle)
and `inclusions/` with one file per investor (their own salt only). Nothing is published when the entitlements
exceed the proven balance.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from wallet_app.chain.client import ChainClient
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import bundle_json, read_bundle
from wallet_app.proofs.checks import Checks, Verdict
from wallet_app.proofs.claims import TOKEN_BALANCE
from wallet_app.proofs.create import Target, create_bundle
from wallet_app.proofs.entitlements import Entitlement
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.reserves_tree import build_tree, inclusion_json, read_root_fields, root_json_fields
from wallet_app.proofs.reserves_tree import verify_inclusion as verify_tree_inclusion
from wallet_app.proofs.verify import verify_bundle

ROOT_FORMAT = "custos.reserves-root"
ROOT_VERSION = 1
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Published:
    block_number: int
    total: int
    proven_balance: int
    investors: int
    root_hash: bytes


def publish_reserves(chain: ChainClient, chain_id: int, *, asset: str, vault: str,
                     entries: list[Entitlement], out: Path, created_at: datetime, op_stack: bool) -> Published:
    tree = build_tree(entries)
    created = create_bundle(chain, chain_id, [Target(vault, asset)], block=None, op_stack=op_stack,
                            created_at=created_at)
    balance = next(int(c["balance"]) for c in created.bundle["claims"] if c["kind"] == TOKEN_BALANCE)
    if tree.root.sum > balance:
        raise ProofInvalid(f"the entitlements ({tree.root.sum} base units) exceed the vault's proven balance "
                           f"({balance}) at block {created.header.number}: nothing was published")
    root = {"format": ROOT_FORMAT, "version": ROOT_VERSION, "chain_id": chain_id, "asset": asset, "vault": vault,
            "block": {"number": created.header.number, "hash": "0x" + created.header.hash.hex()},
            "published_at": created_at.isoformat(), **root_json_fields(tree), "balance_proof": created.bundle}
    partial = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")  # renamed into place when complete
    try:
        (partial / "inclusions").mkdir(parents=True)
        names: set[str] = set()
        for entry in entries:
            name = _file_name(entry.investor_id, names)
            document = {**inclusion_json(tree, entry.investor_id), "asset": asset, "vault": vault,
                        "block": root["block"]}
            (partial / "inclusions" / name).write_bytes(bundle_json(document))
        (partial / "root.json").write_bytes(bundle_json(root))
        partial.rename(out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return Published(created.header.number, tree.root.sum, balance, tree.size, tree.root.hash)


def _file_name(investor_id: str, taken: set[str]) -> str:
    """The investor's id as a file name when it is a plain one, else a hash of it: ids are any text."""
    plain = investor_id if _SAFE_NAME.fullmatch(investor_id) else ""
    name = f"{plain}.json" if plain and plain.lower() not in taken else f"{keccak(text=investor_id).hex()[:24]}.json"
    taken.add(name.lower().removesuffix(".json"))
    return name


def verify_reserves(root: Mapping[str, Any], inclusion: Mapping[str, Any]) -> Verdict:
    """One investor's inclusion, the balance proof, and that the proven balance covers the tree's total (L5)."""
    if root.get("format") != ROOT_FORMAT or root.get("version") != ROOT_VERSION:
        raise UnusableInput(f"not a Custos reserves root, version {ROOT_VERSION} (format "
                            f"{str(root.get('format'))[:60]!r}, version {str(root.get('version'))[:10]})")
    root_node, leaves = read_root_fields(root)
    checks = Checks()
    try:
        result = verify_tree_inclusion(inclusion, root_hash=root_node.hash, root_sum=root_node.sum, leaves=leaves)
        checks.add("inclusion", True, f"investor {result.investor_id!r} with {result.amount} base units is leaf "
                                      f"{result.leaf_index} of {result.leaves}; the path leads to the root "
                                      f"0x{root_node.hash.hex()} with total {root_node.sum}")
    except ProofInvalid as exc:
        checks.add("inclusion", False, exc.user_message)
    balance_verdict = verify_bundle(read_bundle(root.get("balance_proof")), Anchors())
    checks.items.extend(balance_verdict.checks)
    proven = [c for c in balance_verdict.claims if c.get("kind") == TOKEN_BALANCE and c.get("proven")]
    claim = proven[0] if len(proven) == 1 else None
    if claim is None or claim.get("asset") != root.get("asset") or claim.get("account") != root.get("vault"):
        checks.add("coverage", False, "the balance proof is not a proof of the root's asset held by its vault")
    else:
        balance = int(claim["balance"])
        covered = balance >= root_node.sum
        checks.add("coverage", covered, f"the vault's proven balance {balance} " +
                   ("covers" if covered else "does NOT cover") + f" the entitlements' total {root_node.sum}")
    valid = checks.all_ok
    return Verdict(valid, valid and balance_verdict.provisional, tuple(checks.items), balance_verdict.claims)
