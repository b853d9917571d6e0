"""The selector table is computed from signatures; these published values catch a typo in a signature."""

from __future__ import annotations

import pytest

from wallet_app.policy import selectors as s


@pytest.mark.parametrize(("fn", "hex_selector"), [
    (s.TRANSFER, "a9059cbb"),
    (s.TRANSFER_FROM, "23b872dd"),
    (s.APPROVE, "095ea7b3"),
    (s.INCREASE_ALLOWANCE, "39509351"),
    (s.SET_APPROVAL_FOR_ALL, "a22cb465"),
    (s.ERC721_SAFE_TRANSFER, "42842e0e"),
    (s.ERC721_SAFE_TRANSFER_DATA, "b88d4fde"),
    (s.ERC1155_SAFE_TRANSFER, "f242432a"),
    (s.ERC1155_BATCH_TRANSFER, "2eb2c2d6"),
    (s.EIP2612_PERMIT, "d505accf"),
    (s.DAI_PERMIT, "8fcbaf0c"),
    (s.PERMIT2_APPROVE, "87517c45"),
    (s.PERMIT2_PERMIT, "2b67b570"),
    (s.PERMIT2_PERMIT_BATCH, "2a2d80d1"),
    (s.PERMIT2_TRANSFER_FROM, "36c78516"),
    (s.MULTI_SEND, "8d80ff0a"),
    (s.ADD_OWNER, "0d582f13"),
    (s.REMOVE_OWNER, "f8dc5dd9"),
    (s.SWAP_OWNER, "e318b52b"),
    (s.CHANGE_THRESHOLD, "694e80c3"),
    (s.ENABLE_MODULE, "610b5925"),
    (s.DISABLE_MODULE, "e009cfde"),
    (s.SET_GUARD, "e19a9dd9"),
    (s.SET_FALLBACK_HANDLER, "f08a0323"),
    (s.CHANGE_MASTER_COPY, "7de7edef"),
    (s.EXEC_TRANSACTION, "6a761202"),
    (s.SETUP, "b63e800d"),
    (s.EXEC_FROM_MODULE, "468721a7"),
])
def test_selectors_match_published_values(fn: s.Fn, hex_selector: str) -> None:
    assert fn.selector.hex() == hex_selector


@pytest.mark.parametrize(("signature", "hex_selector"), [
    ("transferOwnership(address)", "f2fde38b"),
    ("upgradeTo(address)", "3659cfe6"),
    ("upgradeToAndCall(address,bytes)", "4f1ef286"),
    ("changeAdmin(address)", "8f283970"),
    ("renounceOwnership()", "715018a6"),
])
def test_ownership_selectors(signature: str, hex_selector: str) -> None:
    assert s.OWNERSHIP_FUNCTIONS[bytes.fromhex(hex_selector)].signature == signature


def test_signatures_must_be_canonical_and_named() -> None:
    with pytest.raises(ValueError, match="canonical"):
        s.fn("transfer(address,uint)", "to", "amount")
    with pytest.raises(ValueError, match="canonical"):
        s.fn("transfer(address,uint256)", "to")
    with pytest.raises(ValueError, match="clash"):
        s.table(s.TRANSFER, s.fn("transfer(address,uint256)", "a", "b"))


def test_safe_functions_are_not_decoded_for_other_targets() -> None:
    assert not set(s.SAFE_FUNCTIONS) & set(s.EXTERNAL_FUNCTIONS)
