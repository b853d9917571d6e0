"""An anchored vault changes its owners or threshold on an offline signer only as its previous quorum signed it
(issue 14): the executed owner change with its signatures, verified against the anchored owners and applied; and the
set-up UR the online desktop shows for anchoring by QR code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from wallet_app.config import ProfileConfig
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.offline.anchor_changes import apply_change, apply_change_file, change_bundle
from wallet_app.profiles import create_profile
from wallet_app.ur.errors import URError
from wallet_app.ur.ur import UR, decode_ur, encode_ur
from wallet_app.vaults.anchor_setup import facts_from_setup, setup_ur
from wallet_app.vaults.anchors import HOW_TYPED, AnchorError, AnchorStore, vault_facts

KEYS = [Account.from_key(bytes([i]) * 32) for i in (1, 2, 3, 4)]
OWNERS = [k.address for k in KEYS[:3]]
NEWCOMER = KEYS[3].address
VAULT = "0x62cffD175226D795307E97Aa45e53c4B45027802"
FACTS = vault_facts(133, VAULT, "1.4.1", OWNERS, 2, "client")


def change(data: bytes, nonce: int = 5, **fields: object) -> SafeTx:
    values: dict[str, object] = dict(safe=VAULT, chain_id=133, version="1.4.1", to=VAULT, value=0, data=data,
                                     operation=Operation.CALL, nonce=nonce)
    values.update(fields)
    return SafeTx(**values)  # type: ignore[arg-type]


def signed(tx: SafeTx, *signers: int) -> bytes:
    digest = compute_hashes(tx).safe_tx_hash
    return change_bundle(tx, {KEYS[i].address: bytes(KEYS[i].unsafe_sign_hash(digest).signature) for i in signers})


SWAP = build_call("swapOwner(address,address,address)", OWNERS[0], OWNERS[1], NEWCOMER)


def test_a_swap_signed_by_the_quorum_applies() -> None:
    new, tx = apply_change(signed(change(SWAP), 0, 2), FACTS, last_nonce=None)
    assert set(new.owners) == {OWNERS[0], OWNERS[2], NEWCOMER} and new.threshold == 2 and tx.nonce == 5
    assert new.fingerprint != FACTS.fingerprint


@pytest.mark.parametrize("data, owners, threshold", [
    (build_call("addOwnerWithThreshold(address,uint256)", NEWCOMER, 3), {*OWNERS, NEWCOMER}, 3),
    (build_call("removeOwner(address,address,uint256)", OWNERS[0], OWNERS[1], 1), {OWNERS[0], OWNERS[2]}, 1),
    (build_call("changeThreshold(uint256)", 3), set(OWNERS), 3),
])
def test_every_owner_call(data: bytes, owners: set[str], threshold: int) -> None:
    new, _tx = apply_change(signed(change(data), 1, 2), FACTS, last_nonce=None)
    assert set(new.owners) == owners and new.threshold == threshold


@pytest.mark.parametrize("bundle, message", [
    (lambda: signed(change(SWAP), 0), "1 of the anchored owners signed"),
    (lambda: signed(change(SWAP), 0, 3), "1 of the anchored owners signed"),  # a stranger does not count
    (lambda: signed(change(SWAP), 0, 0), "1 of the anchored owners signed"),
    (lambda: signed(change(SWAP, to=NEWCOMER), 0, 1), "not a call of the vault to itself"),
    (lambda: signed(change(b"\x12\x34\x56\x78"), 0, 1), "not addOwnerWithThreshold"),
    (lambda: signed(change(build_call("removeOwner(address,address,uint256)", OWNERS[0], NEWCOMER, 1)), 0, 1),
     "not an anchored owner"),
    (lambda: signed(change(SWAP, nonce=3), 0, 1), "nonce 4 was applied already"),
    (lambda: signed(change(SWAP, safe=OWNERS[2], to=OWNERS[2]), 0, 1), "another vault"),
    (lambda: b"[]", "not a vault change file"),
    (lambda: b"[" * 100_000, "nested"),
])
def test_refusals(bundle: object, message: str) -> None:
    with pytest.raises(AnchorError, match=message):
        apply_change(bundle(), FACTS, last_nonce=4)  # type: ignore[operator]


def test_a_signature_moved_to_other_fields_is_refused() -> None:
    body = json.loads(signed(change(SWAP), 0, 1))
    body["typed_data"]["message"]["nonce"] = "9"
    with pytest.raises(AnchorError, match=r"not .*'s signature of its safeTxHash"):
        apply_change(json.dumps(body).encode(), FACTS, last_nonce=None)


def test_the_store_applies_once_and_logs(tmp_path: Path) -> None:
    profile = create_profile(tmp_path, ProfileConfig(name="signer", network="hashkey-testnet", chain_id=133,
                                                     offline=True))
    store = AnchorStore(engine=profile.engine, chain_id=133)
    store.anchor(FACTS, how=HOW_TYPED)
    raw = signed(change(SWAP), 0, 1)
    before, after = apply_change_file(store, raw)
    assert before.facts == FACTS and after.last_change_nonce == 5
    assert store.require(VAULT).facts == after.facts
    with pytest.raises(AnchorError, match="applied already"):
        apply_change_file(store, raw)  # replay
    profile.close()


def test_the_set_up_ur_round_trips_and_refuses_other_types() -> None:
    text = encode_ur(setup_ur(FACTS)).upper()
    assert facts_from_setup(decode_ur(text)) == FACTS
    with pytest.raises(URError, match="not a vault set-up"):
        facts_from_setup(UR("bytes", b"\x41\x00"))
    with pytest.raises(URError):
        facts_from_setup(UR("custos-vault", b"\xa0"))
