"""Which standard a contract follows, decided from one Multicall3 round trip, and hostile metadata (E6)."""

from __future__ import annotations

import pytest

from tests.unit.token_fakes import (
    FakeTokenChain,
    const,
    erc20,
    erc721,
    erc1155,
    erc3643,
    interfaces,
    text,
    word,
)
from wallet_app.chain.client import CallResult
from wallet_app.domain.abi import build_call, selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import InvalidAddress
from wallet_app.holdings.model import Standard
from wallet_app.holdings.token_detect import (
    ERC721_ID,
    ERC1155_ID,
    NO_DECIMALS,
    PROBE_COUNT,
    TokenRefused,
    build_detection_plan,
    fetch_detected_token,
    fetch_detected_tokens,
)

A = "0x" + "a1" * 20
B = "0x" + "b2" * 20
C = "0x" + "c3" * 20
D = "0x" + "d4" * 20
EOA = "0x" + "e5" * 20


def detect(table: dict[bytes, object]) -> tuple[object, FakeTokenChain]:
    chain = FakeTokenChain(contracts={A: table})  # type: ignore[dict-item]
    try:
        return fetch_detected_token(chain, A), chain  # type: ignore[arg-type]
    except TokenRefused as exc:
        return exc, chain


@pytest.mark.parametrize(("table", "standard"), [
    (erc20("HKDH", "Harbour HKD", 6), Standard.ERC20),
    (erc3643("HGB29"), Standard.ERC3643),
    (erc721("HDEED"), Standard.ERC721),
    (erc1155(), Standard.ERC1155),
])
def test_each_standard_is_told_apart_in_one_round_trip(table: dict[bytes, object], standard: Standard) -> None:
    found, chain = detect(table)
    assert not isinstance(found, TokenRefused), found
    assert found.standard is standard  # type: ignore[attr-defined]
    assert chain.multicalls == [PROBE_COUNT] and chain.code_asked == []


def test_metadata_of_a_fungible_token() -> None:
    found, _chain = detect(erc20("HKDH", "Harbour HKD", 6))
    assert (found.symbol, found.name, found.decimals, found.notes) == ("HKDH", "Harbour HKD", 6, ())  # type: ignore[attr-defined]


def test_nfts_have_no_decimals_and_may_lack_names() -> None:
    found, _chain = detect(erc1155())
    assert (found.symbol, found.name, found.decimals) == ("", "", 0)  # type: ignore[attr-defined]
    assert "symbol() gave no text" in found.notes  # type: ignore[attr-defined]


def test_an_address_without_code_is_refused_after_one_code_read() -> None:
    chain = FakeTokenChain()
    with pytest.raises(TokenRefused, match="no contract at this address"):
        fetch_detected_token(chain, EOA)  # type: ignore[arg-type]
    assert chain.multicalls == [PROBE_COUNT] and chain.code_asked == [to_checksum(EOA)]


def test_a_contract_that_answers_nothing_is_not_a_token() -> None:
    silent = {call.data[:4]: const(b"") for call in build_detection_plan([A]).calls}  # a bare fallback
    chain = FakeTokenChain(contracts={A: silent})  # type: ignore[dict-item]
    with pytest.raises(TokenRefused, match="not a token standard Custos reads"):
        fetch_detected_token(chain, A)  # type: ignore[arg-type]
    assert len(chain.code_asked) == 1


@pytest.mark.parametrize("table", [
    {selector("decimals()"): const(word(8)), selector("latestRoundData()"): const(word(1) * 5)},  # a price feed
    {selector("identityRegistry()"): const(b"\0" * 12 + b"\x0e" * 20)},  # a compliance module, no compliance()
    {selector("totalSupply()"): const(word(5))},  # no balanceOf
])
def test_contracts_that_are_not_tokens_are_refused(table: dict[bytes, object]) -> None:
    found, _chain = detect(table)
    assert isinstance(found, TokenRefused) and "not a token standard Custos reads" in found.user_message


def test_erc165_is_believed_only_the_eip165_way() -> None:
    yes_to_all = {selector("supportsInterface(bytes4)"): const(word(1))}  # true even for 0xffffffff
    found, _chain = detect(yes_to_all)
    assert isinstance(found, TokenRefused)
    found, _chain = detect({**erc20(), selector("supportsInterface(bytes4)"): interfaces(ERC721_ID, ERC1155_ID)})
    assert found.standard is Standard.ERC721  # type: ignore[attr-defined]  # first match wins


def test_a_catch_all_contract_is_not_believed() -> None:
    """A fallback that answers a word to anything would pass for every standard."""
    catch_all = {call.data[:4]: const(word(1)) for call in build_detection_plan([A]).calls}
    found, _chain = detect(catch_all)
    assert isinstance(found, TokenRefused) and "not a token standard" in found.user_message


def test_E6_hostile_metadata_never_crashes_and_never_invents_decimals() -> None:
    hostile = {**erc20(), selector("decimals()"): const(word(255)),
               selector("symbol()"): const(b"MKR".ljust(32, b"\0")),  # bytes32, as old tokens answer
               selector("name()"): const(b"", success=False)}
    found, _chain = detect(hostile)
    assert (found.symbol, found.name, found.decimals) == ("MKR", "", 0)  # type: ignore[attr-defined]
    assert NO_DECIMALS in found.notes and "name() gave no text" in found.notes  # type: ignore[attr-defined]
    for bad in (const(b"\x01" * 7), const(word(78)), const(b"", success=False)):
        found, _chain = detect({**erc20(), selector("decimals()"): bad})
        assert found.decimals == 0 and NO_DECIMALS in found.notes  # type: ignore[attr-defined]


def test_E5_a_huge_name_is_bounded() -> None:
    found, _chain = detect({**erc20(), selector("name()"): text("USDC\n✓ Verified" * 10_000)})
    assert len(found.name) <= 128  # type: ignore[attr-defined]


def test_many_addresses_are_detected_in_one_round_trip() -> None:
    chain = FakeTokenChain(contracts={A: erc20(), B: erc721(), C: erc1155(), D: erc3643()})  # type: ignore[dict-item]
    found = fetch_detected_tokens(chain, [A, B, C, D, EOA, A.upper().replace("0X", "0x")])  # type: ignore[arg-type]
    assert chain.multicalls == [5 * PROBE_COUNT]  # duplicates asked once
    kinds = {a: (f.standard if not isinstance(f, TokenRefused) else None) for a, f in found.items()}
    assert list(kinds.values()) == [Standard.ERC20, Standard.ERC721, Standard.ERC1155, Standard.ERC3643, None]


def test_the_probes_are_laid_out_like_the_abi_encoder() -> None:
    plan = build_detection_plan([A])
    by_probe = {key[1]: call.data for key, call in zip(plan.keys, plan.calls, strict=True)}  # type: ignore[index]
    assert by_probe["erc721"] == build_call("supportsInterface(bytes4)", ERC721_ID)
    assert by_probe["erc1155"] == build_call("supportsInterface(bytes4)", ERC1155_ID)
    assert by_probe["balanceOf"][:4] == selector("balanceOf(address)") and len(by_probe["balanceOf"]) == 36


def test_a_bad_address_is_refused_before_any_call() -> None:
    chain = FakeTokenChain()
    with pytest.raises(InvalidAddress):
        fetch_detected_token(chain, "0x123")  # type: ignore[arg-type]
    assert chain.multicalls == []


def test_results_answered_with_failure_are_not_taken_for_no_code() -> None:
    chain = FakeTokenChain(contracts={A: {selector("name()"): lambda _a: CallResult(False, b"")}})
    with pytest.raises(TokenRefused, match="not a token standard"):
        fetch_detected_token(chain, A)  # type: ignore[arg-type]
    assert chain.code_asked == []
