"""The Holdings page, its model and its filter proxy, against demo-like fake snapshots of the core's exact types."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import FakeNetwork, FakeProfile, FakeServices, builder, opener
from tests.ui.holdings_fakes import (
    BOND,
    DEEDS,
    INVESTOR,
    OPERATIONS,
    TREASURY,
    VOUCHERS,
    FakeHoldings,
    make_big_snapshot,
    make_snapshot,
)
from ui.main_window import MainWindow
from ui.models.holdings_filter import HoldingsFilterProxy
from ui.models.holdings_model import HOLDING_ROLE, SORT_ROLE, HoldingsTableModel
from ui.models.holdings_rows import HoldingColumn, prepare_holdings
from ui.pages.holdings_page import HoldingsPage
from ui.session import WalletSession
from ui.tasks import TaskRunner
from wallet_app.holdings.model import Standard

STATEMENT_EXPORT = "Export statement…"
DISPLAY = Qt.ItemDataRole.DisplayRole
TIP = Qt.ItemDataRole.ToolTipRole


def cell(
    model: HoldingsTableModel | HoldingsFilterProxy, row: int, column: HoldingColumn, role: int = DISPLAY
) -> object:
    return model.data(model.index(row, column), role)


def column(model: HoldingsTableModel | HoldingsFilterProxy, col: HoldingColumn) -> list[object]:
    return [cell(model, r, col) for r in range(model.rowCount())]


def find(model: HoldingsTableModel, account: str, asset: str, token_id: int | None = None) -> int:
    row = model.row_of((account.lower(), asset.lower(), token_id))
    assert row is not None
    return row


# -- model -----------------------------------------------------------------------------------------------------
def test_model_and_proxy_pass_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = HoldingsTableModel()
    model.set_snapshot(make_snapshot())
    qtmodeltester.check(model)
    model.set_snapshot(make_snapshot(121, treasury_hkdt=7))  # a new block: same rows, updated in place
    model.sort(HoldingColumn.VALUE, Qt.SortOrder.DescendingOrder)
    model.set_snapshot(make_big_snapshot(40))  # other rows: reset
    model.clear()
    qtmodeltester.check(model)
    proxy = HoldingsFilterProxy(HoldingsTableModel())
    proxy.sourceModel().set_snapshot(make_snapshot())  # type: ignore[attr-defined]
    qtmodeltester.check(proxy)
    proxy.set_search("gb26")
    proxy.sort(HoldingColumn.BALANCE, Qt.SortOrder.DescendingOrder)
    proxy.set_issues_only(True)
    qtmodeltester.check(proxy)


def test_cells_show_exact_amounts_prices_and_compliance() -> None:
    model = HoldingsTableModel()
    model.set_snapshot(make_snapshot())
    hsk = find(model, TREASURY, "native")
    assert cell(model, hsk, HoldingColumn.BALANCE) == "1,250.5"
    assert cell(model, hsk, HoldingColumn.PRICE) == "41.25 HKD"
    assert cell(model, hsk, HoldingColumn.VALUE) == "51,583.125"  # 1250.5 x 41.25, exact
    tip = str(cell(model, hsk, HoldingColumn.PRICE, TIP))
    assert "Source: exchange feed (demo)" in tip and "3 min old" in tip
    bond = find(model, TREASURY, BOND)
    assert [cell(model, bond, c) for c in (HoldingColumn.BALANCE, HoldingColumn.FREE, HoldingColumn.FROZEN)] == [
        "5,000",
        "3,800",
        "1,200",
    ]
    frozen = find(model, INVESTOR, BOND)
    assert cell(model, frozen, HoldingColumn.COMPLIANCE) == "Account frozen"
    assert "court order 2025-HK-118" in str(cell(model, frozen, HoldingColumn.COMPLIANCE, TIP))
    assert cell(model, find(model, OPERATIONS, BOND), HoldingColumn.COMPLIANCE) == "Paused"
    assert (
        cell(model, find(model, INVESTOR, "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"), HoldingColumn.COMPLIANCE)
        == "Holder not verified"
    )
    deed = find(model, TREASURY, DEEDS, 7)
    assert cell(model, deed, HoldingColumn.ASSET) == "DEED #7"
    assert cell(model, deed, HoldingColumn.PRICE) == "no price"
    assert cell(model, deed, HoldingColumn.VALUE) == "—"
    assert "not counted" in str(cell(model, deed, HoldingColumn.PRICE, TIP))
    big = find(model, TREASURY, DEEDS, 2**200 + 42)
    assert "…" in str(cell(model, big, HoldingColumn.ASSET))
    assert str(2**200 + 42) in str(cell(model, big, HoldingColumn.ASSET, TIP))
    assert cell(model, find(model, TREASURY, VOUCHERS, 2), HoldingColumn.ASSET) == "VCH #2"
    assert cell(model, find(model, TREASURY, VOUCHERS, 1), HoldingColumn.PRICE) == "25 HKD (stale)"


def test_E4_hostile_symbol_is_shown_with_its_hidden_characters_and_marked_unreviewed() -> None:
    model = HoldingsTableModel()
    model.set_snapshot(make_snapshot())
    row = find(model, OPERATIONS, "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853")
    asset = str(cell(model, row, HoldingColumn.ASSET))
    assert asset == "(unreviewed) USD<U+202E>TDSU<U+200B>"
    assert "\u202e" not in asset and "\u200b" not in asset
    assert cell(model, row, HoldingColumn.NAME) == "Tether<U+200B> USD"
    tip = str(cell(model, row, HoldingColumn.ASSET, TIP))
    assert "\u202e" not in tip and "not approved in this profile's token registry" in tip
    assert cell(model, row, HoldingColumn.ASSET, Qt.ItemDataRole.FontRole).italic()


def test_sorting_by_value_is_numeric_and_exact() -> None:
    model = HoldingsTableModel()
    model.set_snapshot(make_snapshot())
    proxy = HoldingsFilterProxy(model)
    proxy.sort(HoldingColumn.VALUE, Qt.SortOrder.DescendingOrder)
    values = [proxy.data(proxy.index(r, 0), HOLDING_ROLE).value_hkd for r in range(proxy.rowCount())]
    priced = [v for v in values if v is not None]
    assert priced == sorted(priced, reverse=True)
    assert column(proxy, HoldingColumn.VALUE)[:3] == ["1,250,000.00", "511,875.00", "81,900.00"]  # not "9.00" first
    assert values[-1] is None  # unpriced last when descending
    ranks = [proxy.data(proxy.index(r, HoldingColumn.BALANCE), SORT_ROLE) for r in range(proxy.rowCount())]
    assert all(isinstance(r, int) for r in ranks)
    proxy.sort(HoldingColumn.BALANCE)
    balances = [model.sort_value(r, HoldingColumn.BALANCE) for r in range(model.rowCount())]
    assert balances == sorted(balances)  # uint256 values compared as Python ints, 10**18-scaled included
    proxy.sort(-1)
    assert [model.row_at(r).uid for r in range(model.rowCount())] == list(range(model.rowCount()))


def test_filters_search_account_standard_and_issues() -> None:
    model = HoldingsTableModel()
    model.set_snapshot(make_snapshot())
    proxy = HoldingsFilterProxy(model)
    proxy.set_search("green BOND")
    assert set(column(proxy, HoldingColumn.ASSET)) == {"GB26"} and proxy.rowCount() == 3
    proxy.set_search("investor 0417")
    assert set(column(proxy, HoldingColumn.ACCOUNT)) == {"Investor 0417 (watch-only)"}
    proxy.set_search(DEEDS.lower()[:12])  # by contract address
    assert proxy.rowCount() == 2
    proxy.set_search("")
    proxy.set_account(OPERATIONS)
    assert set(column(proxy, HoldingColumn.ACCOUNT)) == {"Operations"}
    proxy.set_account(None)
    proxy.set_standard(Standard.ERC1155)
    assert column(proxy, HoldingColumn.ASSET) == ["VCH #1", "VCH #2"]
    proxy.set_standard(None)
    proxy.set_issues_only(True)
    assert sorted(column(proxy, HoldingColumn.COMPLIANCE)) == [
        "Account frozen",
        "Holder not verified",
        "Partly frozen",
        "Paused",
    ]


def test_totals_are_exact_and_keep_watched_accounts_apart() -> None:
    prepared = prepare_holdings(make_snapshot())
    by_label = {t.account.label: t for t in prepared.totals}
    # 1,250.5 HSK x 41.25 + 1,250,000 HKDT + 5,000 GB26 x 102.375 + 40 VCH x 25
    assert by_label["Treasury"].value_hkd == 51_583_125_000 + 1_250_000_000_000 + 511_875_000_000 + 1_000_000_000
    assert by_label["Treasury"].unpriced == 3  # two deeds and voucher #2
    assert by_label["Operations"].value_hkd == 17_325_000 + 9_000_000 + 25_593_750_000
    assert prepared.institution_hkd == by_label["Treasury"].value_hkd + by_label["Operations"].value_hkd
    assert prepared.watched_hkd == 81_900_000_000 + 77_000_000
    assert prepared.institution_unpriced == 4


def test_twenty_thousand_rows_load_filter_and_sort(qtbot: QtBot) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.show_snapshot(make_big_snapshot(20_000))
    assert page.model.rowCount() == 20_000
    page.search.setText("gb26")
    page.apply_search_now()
    assert page.proxy.rowCount() == 5_000
    page.issues_only.setChecked(True)
    shown = page.proxy.rowCount()
    assert 0 < shown < 5_000
    page.table.sortByColumn(HoldingColumn.BALANCE, Qt.SortOrder.DescendingOrder)
    first = page.proxy.data(page.proxy.index(0, 0), HOLDING_ROLE)
    second = page.proxy.data(page.proxy.index(1, 0), HOLDING_ROLE)
    assert first.balance >= second.balance
    assert page.count_line.text() == f"{shown:,} of 20,000 holdings shown"


# -- page ------------------------------------------------------------------------------------------------------
def test_page_shows_header_totals_and_account_filter(qtbot: QtBot) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.show_snapshot(make_snapshot())
    assert page.header_line.text().startswith("Block 120 (hash 0x1234…abcd) read at ")
    assert page.totals.rowCount() == 3
    assert page.totals.item(0, 3).text() == "1,814,458.125 (+3 unpriced)"
    # 1,814,458.125 (Treasury) + 25,620.075 (Operations), exact
    assert (
        page.institution_total.text() == "Institution total: 1,840,078.20 HKD; 4 holdings without a price not counted"
    )
    assert "81,977.00 HKD" in page.watched_total.text()
    page.account_filter.setCurrentIndex(page.account_filter.findData(INVESTOR))
    assert set(column(page.proxy, HoldingColumn.ACCOUNT)) == {"Investor 0417 (watch-only)"}


def test_F2_the_page_says_when_providers_disagree_and_clears_it_when_they_agree(qtbot: QtBot) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.show()
    notes = ("0xTreasury HKDT (0xToken): provider B says 1 where provider A says 5 base units; the lower balance is "
             "shown", "another disagreement")
    page.show_snapshot(replace(make_snapshot(), inconsistencies=notes))
    assert page.inconsistent.isVisible()
    assert page.inconsistent.text().startswith("Inconsistent data: the providers disagree at this block; the lower")
    assert "(and 1 more)" in page.inconsistent.text() and "another disagreement" in page.inconsistent.toolTip()
    page.show_snapshot(make_snapshot())
    assert not page.inconsistent.isVisible()


def test_page_fetches_on_a_worker_and_the_event_loop_keeps_turning(qtbot: QtBot, runner: TaskRunner) -> None:
    holdings = FakeHoldings(make_big_snapshot(5_000), delay=1.0)
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.attach(holdings, runner)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=8000):
        page.follow_block(120)
        assert page.busy and page.busy_bar.isVisibleTo(page)
    timer.stop()
    assert holdings.threads and holdings.threads[0] != threading.get_ident()
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert len(ticks) > 50
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
    assert not page.busy and not page.busy_bar.isVisibleTo(page)
    assert page.model.rowCount() == 5_000


def test_a_newer_refresh_supersedes_an_older_one(qtbot: QtBot, runner: TaskRunner) -> None:
    holdings = FakeHoldings(make_snapshot(120))
    first, second = threading.Event(), threading.Event()
    holdings.gates = [first, second]
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.attach(holdings, runner)
    shown: list[int] = []
    page.sig_holdings_shown.connect(shown.append)
    page.refresh()
    qtbot.waitUntil(lambda: len(holdings.calls) == 1)
    holdings.snapshot = make_snapshot(121)
    page.refresh()
    qtbot.waitUntil(lambda: len(holdings.calls) == 2)
    second.set()
    qtbot.waitUntil(lambda: shown == [121])
    first.set()  # the older read ends last: its result must not replace the newer one
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert shown == [121] and page.shown_block == 121


def test_new_blocks_are_coalesced_to_one_fetch_at_a_time(qtbot: QtBot, runner: TaskRunner) -> None:
    holdings = FakeHoldings(make_snapshot(120))
    gate = threading.Event()
    holdings.gates = [gate]
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.attach(holdings, runner)
    page.follow_block(120)
    qtbot.waitUntil(lambda: len(holdings.calls) == 1)
    holdings.snapshot = make_snapshot(123, treasury_hkdt=5 * 10**6)
    for block in (121, 122, 123):
        page.follow_block(block)
    assert len(holdings.calls) == 1 and holdings.max_running == 1
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=3000, check_params_cb=lambda b: b == 123):
        gate.set()
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert len(holdings.calls) == 2 and holdings.max_running == 1
    assert (
        cell(
            page.model, find(page.model, TREASURY, "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"), HoldingColumn.BALANCE
        )
        == "5"
    )
    page.follow_block(123)  # nothing new
    assert len(holdings.calls) == 2


def test_session_hands_holdings_to_the_page_and_refreshes_on_a_new_block(qtbot: QtBot, runner: TaskRunner) -> None:
    holdings = FakeHoldings(make_snapshot(120))
    network = FakeNetwork(120)
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(
        window=window,
        runner=runner,
        home=None,
        profile_name="demo",
        open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(network=network, holdings=holdings)),
        status_interval_ms=50,
    )
    assert window.pages.tabText(2) == "&Holdings"
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=3000):
        session.start()
    holdings.snapshot = make_snapshot(125)
    network.block = 125
    qtbot.waitUntil(lambda: window.holdings_page.shown_block == 125, timeout=3000)
    assert all(call == (None, None) for call in holdings.calls)
    session.close()


def test_the_page_has_no_key_actions(qtbot: QtBot) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.show_snapshot(make_snapshot())
    texts = [b.text() for b in page.findChildren(QAbstractButton)] + [a.text() for a in page.findChildren(QAction)]
    texts.remove(STATEMENT_EXPORT)  # a holding statement: no key, nothing signed
    for text in texts:
        lowered = text.lower()
        assert not any(word in lowered for word in ("unlock", "sign", "delete", "export", "key")), text
    assert page.model.index(0, 0).flags() & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags
    assert not page.model.setData(page.model.index(0, 0), "x")
    assert not page.model.index(0, 0, QModelIndex()).parent().isValid()


def test_investor_view_shows_only_the_chosen_holdings_and_no_key_actions(qtbot: QtBot, runner: TaskRunner) -> None:
    from PySide6.QtWidgets import QWidget

    holdings = FakeHoldings(make_snapshot(120))
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    window.enter_investor_view(["0x000000000000000000000000000000000000dEaD"])
    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo", open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(network=FakeNetwork(120), holdings=holdings)), status_interval_ms=50,
    )
    window.show()
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=3000):
        session.start()
    assert [window.pages.tabText(i) for i in range(window.pages.count())] == ["&Holdings", "Histor&y", "P&roofs"]
    assert holdings.calls[0][0] == ["0x000000000000000000000000000000000000dEaD"]
    key_words = ("unlock", "sign", "delete", "export", "lock", "password", "key")
    visible_actions = [a.text() for a in window.findChildren(QAction) if a.isVisible() and a.isEnabled()]
    visible_buttons = [b.text() for b in window.findChildren(QAbstractButton) if b.isVisible()]
    assert STATEMENT_EXPORT in visible_buttons  # the statement export stays: it needs no key
    visible_buttons.remove(STATEMENT_EXPORT)
    for text in visible_actions + visible_buttons:
        assert not any(word in text.lower() for word in key_words), text
    assert not window.keys_page.isVisible() and not window.keys_page.attached
    assert all(not w.isVisible() for w in window.keys_page.findChildren(QWidget))
    session.close()


def test_a_usd_price_shows_its_fx_rate_and_why_a_value_is_missing() -> None:
    from datetime import timedelta

    from tests.ui.holdings_fakes import READ_AT, TREASURY
    from wallet_app.holdings.model import Account, Compliance, FxRate, Holding, HoldingsSnapshot, Price
    from wallet_app.holdings.valuation import compute_value_hkd

    fx = FxRate(7_78150000, 8, "USD", "FX feed 0xFX", READ_AT - timedelta(minutes=5), False)
    fresh = Price(102_45180000, 8, "USD", "NAV feed 0xNAV", READ_AT - timedelta(hours=2), False, fx=fx)
    stale_fx = replace(fresh, fx=replace(fx, stale=True), note="the USD/HKD rate is stale")
    live = Price(1_00000000, 8, "USD", "NAV feed 0xLIVE", READ_AT, False, reports_now=True, fx=fx)
    fund = "0x" + "a1" * 20
    holdings = tuple(
        Holding(TREASURY, fund, Standard.ERC20, None, "HUST", "US Treasury fund", 6, 50_000 * 10**6, 0, price,
                compute_value_hkd(50_000 * 10**6, 6, price), Compliance(), True)
        for price in (fresh, stale_fx, live)
    )
    snapshot = HoldingsSnapshot(9, b"\1" * 32, READ_AT, (Account(TREASURY, "Treasury", "vault"),), holdings,
                                block_time=READ_AT)
    model = HoldingsTableModel()
    model.set_prepared(prepare_holdings(snapshot))
    assert column(model, HoldingColumn.PRICE) == ["102.4518 USD", "102.4518 USD (FX stale)", "1 USD (age unknown)"]
    assert column(model, HoldingColumn.VALUE) == ["39,861,434.085", "—", "389,075.00"]
    tip = str(cell(model, 0, HoldingColumn.PRICE, Qt.ItemDataRole.ToolTipRole))
    assert "Converted at 7.7815 HKD per USD" in tip and "FX source: FX feed 0xFX" in tip
    value_tip = str(cell(model, 0, HoldingColumn.VALUE, Qt.ItemDataRole.ToolTipRole))
    assert "= 5,122,590 USD at 7.7815 HKD per USD" in value_tip
    assert "the USD/HKD rate is stale: not counted" in str(cell(model, 1, HoldingColumn.VALUE,
                                                                 Qt.ItemDataRole.ToolTipRole))
    assert "Age unknown: the feed reports every answer as current" in str(
        cell(model, 2, HoldingColumn.PRICE, Qt.ItemDataRole.ToolTipRole))
