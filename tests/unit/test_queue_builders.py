"""The transactions officers propose, built from what they type: transfers of every standard, batches and owner
changes, checked against the policy's own decoder (an independent reading of the same bytes) and refused with a clear
message when they cannot be built."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from eth_abi.abi import decode
from hypothesis import given
from hypothesis import strategies as st

from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.units import MAX_UINT256, format_units
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import InvalidAmount, WalletError
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy import selectors as s
from wallet_app.policy.check_request import CheckInputError, CheckRequest, check_request
from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.multisend import parse_packed
from wallet_app.queue.builders import (
    SENTINEL_OWNERS,
    BatchCall,
    OwnerChange,
    ProposalInputError,
    build_batch,
    build_owner_change,
    build_transfer,
    check_amount_within_balance,
    parse_amount,
    previous_owner,
)


def address(n: int) -> str:
    return from_bytes(n.to_bytes(20, "big"))


SAFE = address(0x5AFE)
TO = address(0xB0B)
HKDH = address(0x1001)
SHARE = address(0x1002)  # ERC-3643
DEED = address(0x1003)  # ERC-721
BOND = address(0x1004)  # ERC-1155
MULTISEND = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
TOKENS = {
    HKDH: TokenEntry(HKDH, Standard.ERC20, "HKDH", "Harbour HKD", 6),
    SHARE: TokenEntry(SHARE, Standard.ERC3643, "HMMF", "Harbour MMF", 6),
    DEED: TokenEntry(DEED, Standard.ERC721, "HDEED", "Harbour deed", 0),
    BOND: TokenEntry(BOND, Standard.ERC1155, "HGB", "Harbour bonds", 0),
}
STANDARDS = {a: t.standard for a, t in TOKENS.items()}
OWNERS = (address(0xA1), address(0xB2), address(0xC3))


def transfer(asset: str, amount: str, *, token_id: int | None = None, to: str = TO, nonce: int | None = None,
             ) -> CheckRequest:
    return build_transfer(safe=SAFE, asset=asset, amount=amount, to=to, token_id=token_id, tokens=TOKENS,
                          native_decimals=18, nonce=nonce)


def decoded(request: CheckRequest) -> Intent:
    checked = check_request(request)  # what the builders return is what the policy accepts
    return decode_safe_tx(checked.to, checked.value, checked.data, checked.operation, safe_address=checked.safe,
                          known_multisend=(MULTISEND,), standard_of=STANDARDS.get)


def vault(owners: tuple[str, ...] = OWNERS, threshold: int = 2) -> VaultInfo:
    return VaultInfo(address=SAFE, label="Harbour client vault", version="1.4.1", owners=owners,
                     threshold=threshold, nonce=7, balance=0, block_number=1)


# -- transfers -------------------------------------------------------------------------------------------------------

def test_native_transfer_sends_the_value_to_the_recipient() -> None:
    request = transfer("native", "1.5")
    assert (request.safe, request.to, request.value, request.data, request.operation) == (SAFE, TO, 15 * 10**17, b"",
                                                                                          0)
    assert request.nonce is None and request.proposer is None
    intent = decoded(request)
    assert intent.kind is Kind.NATIVE_TRANSFER and intent.amount == 15 * 10**17 and intent.recipient == TO
    assert transfer(" NATIVE ", "2", nonce=9).nonce == 9


@pytest.mark.parametrize("token", [HKDH, SHARE])
def test_fungible_transfer_is_transfer_to_amount(token: str) -> None:
    request = transfer(token.lower(), "10000.25")
    assert request.to == token and request.value == 0 and request.operation == 0
    assert request.data == build_call("transfer(address,uint256)", TO, 10_000_250_000)
    intent = decoded(request)
    assert intent.kind is Kind.TOKEN_TRANSFER and intent.clean
    assert (intent.asset, intent.amount, intent.recipient, intent.sender) == (token, 10_000_250_000, TO, SAFE)


def test_erc721_transfer_is_safe_transfer_from_the_vault_of_one_token_id() -> None:
    request = transfer(DEED, "1", token_id=42)
    assert request.to == DEED and request.data[:4] == s.ERC721_SAFE_TRANSFER.selector
    assert decode(["address", "address", "uint256"], request.data[4:]) == (SAFE.lower(), TO.lower(), 42)
    intent = decoded(request)
    assert intent.kind is Kind.NFT_TRANSFER and intent.token_ids == (42,) and intent.recipient == TO
    assert intent.sender == SAFE and intent.clean


def test_erc1155_transfer_carries_id_amount_and_empty_data() -> None:
    request = transfer(BOND, "250", token_id=7)
    assert request.data[:4] == s.ERC1155_SAFE_TRANSFER.selector
    assert decode(["address", "address", "uint256", "uint256", "bytes"], request.data[4:]) == (
        SAFE.lower(), TO.lower(), 7, 250, b"")
    intent = decoded(request)
    assert intent.kind is Kind.NFT_TRANSFER and intent.token_ids == (7,) and intent.amounts == (250,)


@pytest.mark.parametrize(("asset", "amount", "token_id", "message"), [
    (DEED, "1", None, "give the token id"),
    (BOND, "3", None, "give the token id"),
    (DEED, "2", 1, "the amount must be 1"),
    (DEED, "1.0", 1, "has 1 decimal place; this asset HDEED has no decimal places"),
    (HKDH, "1", 5, "only for ERC-721 and ERC-1155"),
    ("native", "1", 5, "not for the native coin"),
    (address(0xDEAD), "1", None, "is not a token of this profile's registry"),
    ("HKDH", "1", None, "not an address"),
    ("0x" + "a" * 39, "1", None, "not an address"),
])
def test_a_transfer_that_cannot_be_built_is_refused_with_the_reason(asset: str, amount: str, token_id: int | None,
                                                                    message: str) -> None:
    with pytest.raises(WalletError, match=message) as raised:
        transfer(asset, amount, token_id=token_id)
    assert isinstance(raised.value, ValueError)  # and a ValueError, as bad input


@pytest.mark.parametrize(("to", "message"), [
    ("0x0000000000000000000000000000000000000000", "zero address"),
    (SAFE, "the vault itself"),
    (HKDH, "token's own contract"),
    (TO.lower()[:-1] + "\u0430", "not plain ASCII"),  # a Cyrillic a at the end (B4)
    (MULTISEND.replace("B", "b"), "checksum"),  # mixed case, one letter in the wrong case (B3)
])
def test_bad_recipients_are_refused(to: str, message: str) -> None:
    with pytest.raises(WalletError, match=message):
        transfer(HKDH, "1", to=to)


def test_the_vault_and_the_numbers_are_checked_too() -> None:
    with pytest.raises(CheckInputError, match="vault"):
        build_transfer(safe="0x1234", asset="native", amount="1", to=TO, token_id=None, tokens=TOKENS,
                       native_decimals=18)
    with pytest.raises(CheckInputError, match="negative"):
        transfer("native", "1", nonce=-1)
    with pytest.raises(CheckInputError, match="token id"):
        transfer(DEED, "1", token_id=2**256)


# -- amounts ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "decimals", "units"), [
    ("1", 6, 10**6), ("0.000001", 6, 1), ("  12.5\t", 6, 12_500_000), ("007", 0, 7), ("1.10", 2, 110),
    ("1.000000", 6, 10**6), (str(MAX_UINT256), 0, MAX_UINT256),
])
def test_amounts_parse_exactly(text: str, decimals: int, units: int) -> None:
    assert parse_amount(text, decimals) == units


@pytest.mark.parametrize(("text", "decimals", "message"), [
    ("1.0000001", 6, "has 7 decimal places; this asset HKDH has 6 decimal places"),
    ("0.5", 0, "has no decimal places"),
    ("-1", 6, "must not be negative"),
    ("+1", 6, "takes no sign"),
    ("0", 6, "zero"),
    ("0.000000", 6, "zero"),
    ("1e6", 6, "exponent form"),
    ("1.5E+3", 6, "exponent form"),
    ("\uff11\uff10", 6, "not plain ASCII"),  # full-width 10
    ("\u0661\u0662", 6, "not plain ASCII"),  # Arabic-Indic 12: Python's int() would take it
    ("1\u200b0", 6, "not plain ASCII"),  # a zero-width space
    ("1,000", 6, "separator"),
    ("1_000", 6, "separator"),
    ("1 000", 6, "separator"),
    (".5", 6, "not a plain decimal"),
    ("5.", 6, "not a plain decimal"),
    ("0x10", 6, "not a plain decimal"),
    ("1.2.3", 6, "not a plain decimal"),
    ("", 6, "empty"),
    ("   ", 6, "empty"),
    ("nan", 6, "not a plain decimal"),
    ("inf", 6, "not a plain decimal"),
    (str(MAX_UINT256 + 1), 0, "larger than any token"),
])
def test_bad_amounts_are_refused_with_a_clear_message(text: str, decimals: int, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        parse_amount(text, decimals, symbol="HKDH")


@given(units=st.integers(min_value=1, max_value=10**40), decimals=st.integers(min_value=0, max_value=30))
def test_formatting_then_parsing_gives_the_same_base_units(units: int, decimals: int) -> None:
    assert parse_amount(format_units(units, decimals, group=False), decimals) == units


@given(whole=st.integers(min_value=0, max_value=10**30), fraction=st.text("0123456789", min_size=1, max_size=40),
       decimals=st.integers(min_value=0, max_value=30))
def test_parsing_is_exact_or_refused_never_rounded(whole: int, fraction: str, decimals: int) -> None:
    text = f"{whole}.{fraction}"
    with localcontext(prec=200):  # exact: Decimal's default 28 digits would round
        exact = Decimal(text) * 10**decimals
    try:
        units = parse_amount(text, decimals)
    except InvalidAmount as exc:
        assert len(fraction) > decimals or exact == 0, exc.user_message
        return
    assert len(fraction) <= decimals and units == exact and units > 0


@given(st.text(max_size=12))
def test_anything_typed_parses_to_a_positive_uint_or_is_refused_cleanly(text: str) -> None:
    try:
        units = parse_amount(text, 6)
    except InvalidAmount as exc:
        assert exc.user_message and "\n" not in exc.user_message
        return
    assert text.strip(" \t\r\n").isascii() and 0 < units <= MAX_UINT256
    with localcontext(prec=200):
        assert Decimal(text.strip()) * 10**6 == units


def test_amount_within_balance() -> None:
    ok = check_amount_within_balance(5 * 10**6, 5 * 10**6, decimals=6, symbol="HKDH")
    assert ok.within and ok.shortfall == 0 and ok.message == ""
    short = check_amount_within_balance(10_000_500_000, 10_000 * 10**6, decimals=6, symbol="HKDH")
    assert not short.within and short.shortfall == 500_000
    assert short.message == "The amount 10,000.5 HKDH is more than the 10,000 HKDH available (0.5 HKDH short)"
    with pytest.raises(CheckInputError):
        check_amount_within_balance(-1, 0, decimals=6)


# -- batches ---------------------------------------------------------------------------------------------------------

def test_a_batch_is_a_delegatecall_to_multisend_call_only_with_the_calls_in_order() -> None:
    pay = transfer(HKDH, "100")
    share = transfer(SHARE, "1").data
    calls = [BatchCall(pay.to, 0, pay.data), BatchCall(TO, 3, b""), BatchCall(SHARE.lower(), 0, share)]
    request = build_batch(safe=SAFE, calls=calls, multisend=MULTISEND, nonce=3)
    assert (request.to, request.operation, request.value, request.nonce) == (MULTISEND, 1, 0, 3)
    assert request.data[:4] == s.MULTI_SEND.selector
    (packed,) = decode(["bytes"], request.data[4:])
    batch = parse_packed(packed)
    assert batch.problem is None
    assert [(c.operation, c.to, c.value, c.data) for c in batch.calls] == [
        (0, HKDH, 0, pay.data), (0, TO, 3, b""), (0, SHARE, 0, share)]
    intent = decoded(request)
    assert intent.kind is Kind.BATCH and intent.clean
    assert [c.kind for c in intent.children] == [Kind.TOKEN_TRANSFER, Kind.NATIVE_TRANSFER, Kind.TOKEN_TRANSFER]


@pytest.mark.parametrize(("calls", "multisend", "message"), [
    ([], MULTISEND, "at least one call"),
    ([BatchCall(TO)] * 257, MULTISEND, "at most 256"),
    ([BatchCall(MULTISEND)], MULTISEND, "MultiSendCallOnly contract itself"),
    ([BatchCall("0x12")], MULTISEND, "target of call 1"),
    ([BatchCall(TO, -1)], MULTISEND, "value of call 1"),
    ([BatchCall(TO)], SAFE, "cannot be the MultiSendCallOnly"),
])
def test_bad_batches_are_refused(calls: list[BatchCall], multisend: str, message: str) -> None:
    with pytest.raises(WalletError, match=message):
        build_batch(safe=SAFE, calls=calls, multisend=multisend)


# -- owner changes ---------------------------------------------------------------------------------------------------

def test_previous_owner_follows_the_safe_linked_list() -> None:
    assert previous_owner(OWNERS, OWNERS[0]) == SENTINEL_OWNERS
    assert previous_owner(OWNERS, OWNERS[1].lower()) == OWNERS[0]
    assert previous_owner(OWNERS, OWNERS[2]) == OWNERS[1]
    with pytest.raises(ProposalInputError, match="not an owner"):
        previous_owner(OWNERS, TO)


def governance(request: CheckRequest) -> Intent:
    assert (request.safe, request.to, request.value, request.operation) == (SAFE, SAFE, 0, 0)
    intent = decoded(request)
    assert intent.kind is Kind.SAFE_GOVERNANCE and intent.clean
    return intent


def test_add_owner_with_threshold() -> None:
    request = build_owner_change(vault=vault(), change=OwnerChange.add(TO, 3), nonce=8)
    assert request.nonce == 8 and request.data == build_call(s.ADD_OWNER.signature, TO, 3)
    intent = governance(request)
    assert (intent.action, intent.subject, intent.threshold) == ("addOwnerWithThreshold", TO, 3)


@pytest.mark.parametrize(("index", "prev"), [(0, SENTINEL_OWNERS), (1, OWNERS[0]), (2, OWNERS[1])])
def test_remove_owner_names_its_previous_owner(index: int, prev: str) -> None:
    request = build_owner_change(vault=vault(), change=OwnerChange.remove(OWNERS[index], 2))
    assert request.data == build_call(s.REMOVE_OWNER.signature, prev, OWNERS[index], 2)
    assert governance(request).subject == OWNERS[index]


@pytest.mark.parametrize(("index", "prev"), [(0, SENTINEL_OWNERS), (2, OWNERS[1])])
def test_swap_owner_names_its_previous_owner(index: int, prev: str) -> None:
    request = build_owner_change(vault=vault(), change=OwnerChange.swap(OWNERS[index], TO))
    assert request.data == build_call(s.SWAP_OWNER.signature, prev, OWNERS[index], TO)
    assert governance(request).action == "swapOwner"


def test_change_threshold() -> None:
    request = build_owner_change(vault=vault(), change=OwnerChange.set_threshold(3))
    assert request.data == build_call(s.CHANGE_THRESHOLD.signature, 3)
    assert governance(request).threshold == 3


@pytest.mark.parametrize(("change", "message"), [
    (OwnerChange.set_threshold(0), "from 1 to the 3 owners"),
    (OwnerChange.set_threshold(4), "from 1 to the 3 owners"),
    (OwnerChange.set_threshold(2), "already 2: nothing would change"),
    (OwnerChange.add(TO, 5), "from 1 to the 4 owners"),
    (OwnerChange.add(TO, 0), "from 1 to the 4 owners"),
    (OwnerChange.add(OWNERS[1], 2), "already an owner"),
    (OwnerChange.add(SAFE, 2), "its own owner"),
    (OwnerChange.add(SENTINEL_OWNERS, 2), "reserves"),
    (OwnerChange.add("0x0000000000000000000000000000000000000000", 2), "reserves"),
    (OwnerChange.remove(TO, 1), "not an owner"),
    (OwnerChange.remove(OWNERS[0], 3), "from 1 to the 2 owners"),
    (OwnerChange.remove(OWNERS[0], 0), "from 1 to the 2 owners"),
    (OwnerChange.swap(TO, address(0xEE)), "not an owner"),
    (OwnerChange.swap(OWNERS[0], OWNERS[2]), "already an owner"),
    (OwnerChange.swap(OWNERS[0], "0x00000000000000000000000000000000000000zz"), "not an address"),
])
def test_impossible_owner_changes_are_refused(change: OwnerChange, message: str) -> None:
    with pytest.raises(WalletError, match=message):
        build_owner_change(vault=vault(), change=change)


def test_the_last_owner_cannot_be_removed() -> None:
    with pytest.raises(ProposalInputError, match="only owner"):
        build_owner_change(vault=vault(owners=(OWNERS[0],), threshold=1), change=OwnerChange.remove(OWNERS[0], 1))
