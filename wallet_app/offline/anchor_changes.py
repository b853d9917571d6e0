"""A change of an anchored vault's owners or threshold, accepted by an offline signer only as its previous quorum
signed it.

A Safe changes its owners by a Safe transaction to itself (addOwnerWithThreshold, removeOwner, swapOwner,
changeThreshold), which a quorum of its owners signs. The online desktop exports such a transaction, once executed,
with the owners' signatures (`custos offline vault change`): the offline signer rebuilds the SafeTx from its typed
data for the version anchored here, requires at least the anchored threshold of distinct anchored owners to have
signed its safeTxHash, applies the call to the anchored owners, and keeps the nonce so that an old change cannot be
played again. Owner changes batched through MultiSend are not read: export them one transaction at a time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eth_abi.abi import decode

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.domain.strict_json import StrictJsonError, loads_strict
from wallet_app.errors import WalletError
from wallet_app.keys.signature import HALF_N, recover_address
from wallet_app.safe.tx_typed_data import safe_tx_from_typed_data, safe_tx_typed_data
from wallet_app.vaults.anchors import AnchoredVault, AnchorError, AnchorStore, VaultFacts, vault_facts

FORMAT = "custos-vault-change/1"
MAX_BYTES = 256 * 1024
OWNER_CALLS = {
    bytes.fromhex("0d582f13"): ("addOwnerWithThreshold", ["address", "uint256"]),
    bytes.fromhex("f8dc5dd9"): ("removeOwner", ["address", "address", "uint256"]),
    bytes.fromhex("e318b52b"): ("swapOwner", ["address", "address", "address"]),
    bytes.fromhex("694e80c3"): ("changeThreshold", ["uint256"]),
}


def change_bundle(tx: SafeTx, signatures: Mapping[str, bytes]) -> bytes:
    """The file `custos offline vault change` writes: the executed SafeTx as typed data and its owners' signatures."""
    body = {"format": FORMAT, "chain_id": tx.chain_id, "safe": tx.safe, "version": tx.version,
            "typed_data": safe_tx_typed_data(tx),
            "signatures": [{"owner": o, "signature": "0x" + s.hex()} for o, s in sorted(signatures.items())]}
    return (json.dumps(body, indent=2) + "\n").encode("ascii")


def apply_change_file(store: AnchorStore, raw: bytes) -> tuple[AnchoredVault, AnchoredVault]:
    """Apply the owner change in `raw` to the vault it names, anchored in `store`; (before, after)."""
    try:
        body = loads_strict(raw, "the vault change file", limit=MAX_BYTES)
    except StrictJsonError as exc:
        raise AnchorError(exc.user_message) from None
    if not isinstance(body, dict) or not isinstance(body.get("safe"), str):
        raise AnchorError("This is not a vault change file: it names no vault")
    before = store.require(to_checksum(body["safe"]))
    facts, tx = apply_change(raw, before.facts, last_nonce=before.last_change_nonce)
    return before, store.save_change(before, facts, tx.nonce)


def apply_change(raw: bytes, current: VaultFacts, *, last_nonce: int | None) -> tuple[VaultFacts, SafeTx]:
    """The vault's facts after the change in `raw`, or AnchorError in words when the previous quorum did not sign
    it, it is not an owner change of this vault, or it is older than the last one applied."""
    try:
        body = loads_strict(raw, "the vault change file", limit=MAX_BYTES)
    except StrictJsonError as exc:
        raise AnchorError(exc.user_message) from None
    if not isinstance(body, dict) or set(body) != {"format", "chain_id", "safe", "version", "typed_data",
                                                   "signatures"} or body["format"] != FORMAT:
        raise AnchorError(f"This is not a vault change file ({FORMAT})")
    if body["chain_id"] != current.chain_id or str(body["safe"]).lower() != current.address.lower():
        raise AnchorError(f"The change is for another vault or chain than {current.address}")
    typed = body["typed_data"]
    if not isinstance(typed, dict):
        raise AnchorError("The change carries no typed data")
    try:
        tx = safe_tx_from_typed_data(typed, safe=current.address, chain_id=current.chain_id, version=current.version)
    except WalletError as exc:
        raise AnchorError(f"The change's typed data is not a SafeTx of this vault: {exc.user_message}") from None
    if last_nonce is not None and tx.nonce <= last_nonce:
        raise AnchorError(f"The change is at nonce {tx.nonce}; a change at nonce {last_nonce} was applied already")
    _quorum(tx, body["signatures"], current)
    return _applied(tx, current), tx


def _quorum(tx: SafeTx, entries: Any, current: VaultFacts) -> set[str]:
    if not isinstance(entries, list) or len(entries) > 64:
        raise AnchorError("The change's signatures are malformed")
    digest = compute_hashes(tx).safe_tx_hash
    signed: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"owner", "signature"}:
            raise AnchorError("A signature entry of the change is malformed")
        signature = str(entry["signature"])
        try:
            raw = bytes.fromhex(signature.removeprefix("0x"))
        except ValueError:
            raise AnchorError("A signature of the change is not hex") from None
        if len(raw) != 65 or raw[64] not in (27, 28):
            raise AnchorError("A signature of the change is not 65 bytes with v 27 or 28")
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")
        try:
            who = recover_address(digest, r, s, raw[64] - 27) if 0 < s <= HALF_N else None
        except Exception:
            who = None
        if who is None or who != to_checksum(str(entry["owner"])):
            raise AnchorError(f"A signature of the change is not {str(entry['owner'])[:42]}'s signature of its "
                              "safeTxHash")
        if who in current.owners:
            signed.add(who)
    if len(signed) < current.threshold:
        raise AnchorError(f"{len(signed)} of the anchored owners signed the change; the anchored threshold is "
                          f"{current.threshold}: it is not accepted")
    return signed


def _applied(tx: SafeTx, current: VaultFacts) -> VaultFacts:
    if to_checksum(tx.to) != current.address or tx.value != 0 or tx.operation != Operation.CALL:
        raise AnchorError("The change is not a call of the vault to itself")
    call = OWNER_CALLS.get(tx.data[:4])
    if call is None:
        raise AnchorError("The change is not addOwnerWithThreshold, removeOwner, swapOwner or changeThreshold")
    name, types = call
    try:
        args = decode(types, tx.data[4:])
    except Exception:
        raise AnchorError(f"The {name} call's arguments cannot be decoded") from None
    owners, threshold = list(current.owners), current.threshold
    if name == "addOwnerWithThreshold":
        owners, threshold = [to_checksum(args[0]), *owners], int(args[1])
    elif name == "removeOwner":
        owners, threshold = [o for o in owners if o != to_checksum(args[1])], int(args[2])
        if len(owners) == len(current.owners):
            raise AnchorError(f"removeOwner names {to_checksum(args[1])}, not an anchored owner")
    elif name == "swapOwner":
        old, new = to_checksum(args[1]), to_checksum(args[2])
        if old not in owners:
            raise AnchorError(f"swapOwner names {old}, not an anchored owner")
        owners = [new if o == old else o for o in owners]
    else:
        threshold = int(args[0])
    return vault_facts(current.chain_id, current.address, current.version, owners, threshold, current.label)
