"""Batch splitting, prices, candidate ids, ERC-3643 compliance, accounts and totals: the pure parts of holdings."""

from __future__ import annotations

from datetime import UTC, datetime

from eth_abi.abi import encode

from wallet_app.chain.client import Call, CallResult, LogEntry
from wallet_app.domain.abi import build_call
from wallet_app.holdings.accounts import build_accounts
from wallet_app.holdings.batching import build_batches, compute_call_size
from wallet_app.holdings.model import Account, Compliance, Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.prices import build_fixed_hkd_price, compute_value_hkd, evaluate_feed_price
from wallet_app.holdings.standards import (
    TRANSFER_BATCH_TOPIC,
    TRANSFER_SINGLE_TOPIC,
    TRANSFER_TOPIC,
    PermissionedToken,
    compute_erc721_candidates,
    compute_erc1155_candidates,
    evaluate_compliance,
)
from wallet_app.holdings.totals import compute_account_totals, compute_institution_total
from wallet_app.holdings.views import make_visible
from wallet_app.keys.registry import KeyRecord
from wallet_app.keys.signer import KeyKind
from wallet_app.storage.labels import AddressLabel
from wallet_app.vaults.registry import VaultEntry

A = "0x" + "11" * 20
B = "0x" + "22" * 20
C = "0x" + "33" * 20
TOKEN = "0x" + "44" * 20
NOW = 1_800_000_000


def word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=value < 0)


def balance_call() -> Call:
    return Call(TOKEN, build_call("balanceOf(address)", A))


def test_batches_respect_call_and_size_limits() -> None:
    calls = [balance_call()] * 5000
    batches = list(build_batches(calls))
    assert [end - start for start, end in batches] == [4000, 1000]
    sized = list(build_batches(calls, max_calls=10**9, max_body_bytes=1024 * 1024))
    assert all((end - start) * compute_call_size(calls[0]) < 1024 * 1024 for start, end in sized)
    assert sized[-1][1] == 5000 and len(sized) == 3  # 448 hex bytes a call: 2339 a megabyte
    big = Call(TOKEN, b"\0" * 1_000_000)  # alone bigger than the limit: sent alone rather than never
    assert list(build_batches([balance_call(), big, balance_call()])) == [(0, 1), (1, 2), (2, 3)]
    assert list(build_batches([])) == []


def feed_round(answer: int, updated_at: int) -> CallResult:
    return CallResult(True, word(7) + word(answer) + word(updated_at) + word(updated_at) + word(7))


def test_feed_price_fresh_stale_and_absent() -> None:
    decimals = CallResult(True, word(8))
    fresh = evaluate_feed_price(TOKEN, decimals, feed_round(10_0234_0000, NOW - 3600), block_timestamp=NOW)
    assert fresh is not None and not fresh.stale and fresh.value == 10_0234_0000 and fresh.decimals == 8
    assert fresh.updated_at == datetime.fromtimestamp(NOW - 3600, UTC)
    stale = evaluate_feed_price(TOKEN, decimals, feed_round(10_0234_0000, NOW - 27 * 3600), block_timestamp=NOW)
    assert stale is not None and stale.stale
    assert compute_value_hkd(10**6, 6, stale) is None  # a stale price values nothing
    short = evaluate_feed_price(TOKEN, decimals, feed_round(1, NOW - 120), block_timestamp=NOW, max_age_seconds=60)
    assert short is not None and short.stale
    assert evaluate_feed_price(TOKEN, decimals, feed_round(0, NOW), block_timestamp=NOW) is None
    assert evaluate_feed_price(TOKEN, decimals, feed_round(-5, NOW), block_timestamp=NOW) is None
    assert evaluate_feed_price(TOKEN, decimals, feed_round(5, 0), block_timestamp=NOW) is None
    assert evaluate_feed_price(TOKEN, CallResult(False, b""), feed_round(5, NOW), block_timestamp=NOW) is None
    assert evaluate_feed_price(TOKEN, CallResult(True, word(99)), feed_round(5, NOW), block_timestamp=NOW) is None
    assert evaluate_feed_price(TOKEN, decimals, CallResult(True, b"\0" * 40), block_timestamp=NOW) is None


def test_value_in_hkd_is_exact_integer_micro_hkd() -> None:
    nav = evaluate_feed_price(TOKEN, CallResult(True, word(8)), feed_round(10_0234_0000, NOW), block_timestamp=NOW)
    assert compute_value_hkd(42_500 * 10**6, 6, nav) == 425_994_500_000  # 42,500 units at 10.0234 HKD
    assert compute_value_hkd(123, 6, build_fixed_hkd_price()) == 123
    assert compute_value_hkd(5, 0, None) is None


def test_erc721_candidates_come_from_transfer_logs_to_our_accounts() -> None:
    def log(to: str, token_id: int, topics: int = 4) -> LogEntry:
        all_topics = (TRANSFER_TOPIC, b"\0" * 32, bytes.fromhex(to[2:]).rjust(32, b"\0"), word(token_id))
        return LogEntry(TOKEN, all_topics[:topics], b"", 1, b"\0" * 32, 0)

    logs = [log(A, 1), log(B, 2), log(C, 3), log(A, 9, topics=3)]  # the last is an ERC-20-shaped Transfer
    assert compute_erc721_candidates(logs, {A, B}) == [1, 2]


def test_erc1155_candidates_from_single_and_batch_logs() -> None:
    def log(topic: bytes, to: str, data: bytes) -> LogEntry:
        topics = (topic, b"\0" * 32, b"\0" * 32, bytes.fromhex(to[2:]).rjust(32, b"\0"))
        return LogEntry(TOKEN, topics, data, 1, b"\0" * 32, 0)

    logs = [
        log(TRANSFER_SINGLE_TOPIC, A, encode(["uint256", "uint256"], [1, 5])),
        log(TRANSFER_BATCH_TOPIC, B, encode(["uint256[]", "uint256[]"], [[2, 3], [1, 1]])),
        log(TRANSFER_BATCH_TOPIC, A, b"garbage"),
        log(TRANSFER_SINGLE_TOPIC, C, encode(["uint256", "uint256"], [4, 5])),
    ]
    assert compute_erc1155_candidates(logs, {A, B}) == [(A, 1), (B, 2), (B, 3)]


def test_erc3643_compliance_states() -> None:
    token = PermissionedToken(paused=False, identity_registry=C, compliance=B)
    yes, no = CallResult(True, word(1)), CallResult(True, word(0))
    frozen, facts = evaluate_compliance(token, 30, no, CallResult(True, word(10)), yes)
    assert (frozen, facts.account_frozen, facts.verified, facts.paused) == (10, False, True, False)
    assert facts.notes == ("10 base units frozen by the issuer's agent",)
    frozen, facts = evaluate_compliance(token, 20, yes, CallResult(True, word(0)), yes)
    assert frozen == 20 and facts.account_frozen  # address frozen: nothing is free
    _, facts = evaluate_compliance(token, 0, no, CallResult(True, word(0)), no)
    assert facts.verified is False and "not verified" in facts.notes[0]
    paused = PermissionedToken(paused=True, identity_registry=None, compliance=None)
    _, facts = evaluate_compliance(paused, 5, CallResult(False, b""), CallResult(False, b""), yes)
    assert facts.paused and facts.verified is None and len(facts.notes) == 5


def test_accounts_from_vaults_keys_and_investor_labels() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    accounts = build_accounts(
        [VaultEntry(A, "Client vault")],
        [KeyRecord(B, KeyKind.KEYSTORE, "Alice", at), KeyRecord(C, KeyKind.WATCH, "Watched", at),
         KeyRecord(A, KeyKind.WATCH, "dup", at)],
        {TOKEN: AddressLabel(TOKEN, "Investor X", "investor"), B: AddressLabel(B, "Alice C", "officer")},
    )
    assert [(a.label, a.kind) for a in accounts] == [
        ("Client vault", "vault"), ("Alice", "officer"), ("Watched", "watch"), ("Investor X", "investor")
    ]


def test_totals_skip_unpriced_and_count_them() -> None:
    def holding(account: str, value: int | None, balance: int = 1) -> Holding:
        return Holding(account, TOKEN, Standard.ERC20, None, "T", "T", 0, balance, 0, None, value, Compliance(), True)

    snapshot = HoldingsSnapshot(1, b"\0" * 32, datetime.now(UTC), (Account(A, "a", "vault"), Account(B, "b", "watch")),
                                (holding(A, 5), holding(A, None), holding(B, 7), holding(B, None, balance=0)))
    totals = compute_account_totals(snapshot)
    assert (totals[A].value_hkd, totals[A].unpriced, totals[B].value_hkd, totals[B].unpriced) == (5, 1, 7, 0)
    assert compute_institution_total(snapshot).value_hkd == 12


def test_untrusted_text_is_made_visible_for_terminals() -> None:
    assert make_visible("HKD\u202eHSU\x1b[2J\u200b") == "HKD\\u202eHSU\\u001b[2J\\u200b"
    assert make_visible("港元 Fund") == "港元 Fund"
