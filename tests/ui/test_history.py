"""The History tab (model, page, session hand-off, investor view) and the holding statement export, against fakes
of the core's exact types."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import DEVNET, FakeNetwork, FakeProfile, FakeServices, builder, opener
from tests.ui.history_fakes import (
    EXCHANGE,
    FakeHistory,
    FakeValueHistory,
    make_transfers,
    make_value_points,
    transfer,
)
from tests.ui.holdings_fakes import ACCOUNTS, INVESTOR, OPERATIONS, TREASURY, FakeHoldings, make_snapshot
from ui.main_window import MainWindow
from ui.models.history_model import HistoryColumn, HistoryTableModel, prepare_history
from ui.pages.history_page import HistoryPage
from ui.pages.holdings_page import HoldingsPage
from ui.session import WalletSession
from ui.tasks import TaskRunner
from ui.widgets.value_chart import ValueChart, compute_axis_top, describe_point, format_hkd_short
from wallet_app.errors import RpcError

TIP = Qt.ItemDataRole.ToolTipRole


def texts(model: HistoryTableModel, column: HistoryColumn, role: int = Qt.ItemDataRole.DisplayRole) -> list[object]:
    return [model.data(model.index(r, column), role) for r in range(model.rowCount())]


# -- model -----------------------------------------------------------------------------------------------------
def test_history_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = HistoryTableModel()
    qtmodeltester.check(model)
    model.set_rows(prepare_history(make_transfers()))
    qtmodeltester.check(model)
    model.set_rows(prepare_history(make_transfers()[:2]))
    model.clear()
    qtmodeltester.check(model)


def test_rows_show_exact_amounts_directions_labels_and_hidden_characters() -> None:
    model = HistoryTableModel()
    model.set_rows(prepare_history(make_transfers()))
    assert texts(model, HistoryColumn.DIRECTION) == ["Out", "In", "In", "Self", "In", "Out"]
    assert texts(model, HistoryColumn.AMOUNT) == ["250,000.5", "1,000,000.000001", "5,000", "1", "1,000,000", "1"]
    assert texts(model, HistoryColumn.BLOCK)[0] == "118"
    asset = texts(model, HistoryColumn.ASSET)
    assert asset[3] == "DEED #7" and asset[4] == "(unreviewed) USD<U+202E>TDSU<U+200B>"
    assert "…" in str(asset[5]) and str(2**200 + 42) in str(texts(model, HistoryColumn.ASSET, TIP)[5])
    party = texts(model, HistoryColumn.COUNTERPARTY)
    assert party[0] == "Operations" and party[2] == "minted"
    assert party[1] == f"{EXCHANGE[:6]}…{EXCHANGE[-4:]}"
    assert texts(model, HistoryColumn.COUNTERPARTY, TIP)[1] == EXCHANGE
    assert OPERATIONS in str(texts(model, HistoryColumn.COUNTERPARTY, TIP)[0])
    tx_tip = str(texts(model, HistoryColumn.TX, TIP)[0])
    assert tx_tip.startswith("0x0076" + "ab" * 30)
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


# -- page ------------------------------------------------------------------------------------------------------
def make_page(qtbot: QtBot, runner: TaskRunner, history: FakeHistory) -> HistoryPage:
    page = HistoryPage()
    qtbot.addWidget(page)
    page.attach(history, runner)
    page.set_accounts(ACCOUNTS)
    page.show()
    return page


def test_tab_reads_the_chosen_account_on_the_serial_lane_and_shows_it_exactly(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    history = FakeHistory()
    gate = threading.Event()
    history.gates = [gate]
    page = HistoryPage()
    qtbot.addWidget(page)
    page.attach(history, runner)
    page.set_accounts(ACCOUNTS)
    assert history.calls == []  # not on screen yet: nothing is read
    page.show()
    qtbot.waitUntil(lambda: history.calls == [TREASURY])
    assert page.busy and page.busy_bar.isVisibleTo(page)
    with qtbot.waitSignal(page.sig_history_shown, timeout=3000) as shown:
        gate.set()
    assert shown.args == [TREASURY, 6]
    assert history.threads == ["custos-serial-0"]  # it syncs (writes) the history index
    assert not page.busy and not page.busy_bar.isVisibleTo(page)
    assert texts(page.model, HistoryColumn.DIRECTION)[:3] == ["Out", "In", "In"]
    assert texts(page.model, HistoryColumn.AMOUNT)[:2] == ["250,000.5", "1,000,000.000001"]
    assert page.header_line.text() == "6 transfers, newest in block 118"


def test_choosing_another_account_supersedes_a_read_still_running(qtbot: QtBot, runner: TaskRunner) -> None:
    ops = [transfer(OPERATIONS, "in", TREASURY, "HKDT", 9 * 10**6, 6, 119, label="Treasury")]
    history = FakeHistory({TREASURY: make_transfers(), OPERATIONS: ops})
    first = threading.Event()
    history.gates = [first]
    page = make_page(qtbot, runner, history)
    qtbot.waitUntil(lambda: history.calls == [TREASURY])
    shown: list[tuple[str, int]] = []
    page.sig_history_shown.connect(lambda account, n: shown.append((account, n)))
    page.choose_account(OPERATIONS)
    first.set()  # the Treasury read ends after the choice: its result must be dropped
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert history.calls == [TREASURY, OPERATIONS]
    assert shown == [(OPERATIONS, 1)]
    assert page.shown_account == OPERATIONS
    assert texts(page.model, HistoryColumn.AMOUNT) == ["9"]
    assert texts(page.model, HistoryColumn.COUNTERPARTY) == ["Treasury"]
    assert not page.busy


def test_an_account_without_transfers_says_so(qtbot: QtBot, runner: TaskRunner) -> None:
    page = make_page(qtbot, runner, FakeHistory({}))
    with qtbot.waitSignal(page.sig_history_shown, timeout=3000):
        pass
    assert page.stack.currentWidget() is page.message
    assert page.message.text() == "No token transfers for this account yet."


def test_session_hands_history_to_the_tab_after_holdings(qtbot: QtBot, runner: TaskRunner) -> None:
    history = FakeHistory()
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo", open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(network=FakeNetwork(120), history=history)), status_interval_ms=50,
    )
    assert [window.pages.tabText(i) for i in range(window.pages.count())] == [
        "&Vaults", "&Keys", "&Holdings", "Histor&y", "P&roofs", "Appr&ovals", "&Policy", "&Counterparties", "&Audit",
    ]
    window.show()
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=3000):
        session.start()
    assert window.history_page.attached and history.calls == []  # read only when the tab is shown
    with qtbot.waitSignal(window.history_page.sig_history_shown, timeout=3000):
        window.pages.setCurrentWidget(window.history_page)
    assert history.calls == [TREASURY]
    session.close()


def test_investor_view_has_history_and_statements_but_no_key_action(qtbot: QtBot, runner: TaskRunner) -> None:
    history = FakeHistory({INVESTOR: [transfer(INVESTOR, "in", TREASURY, "HKDT", 77 * 10**6, 6, 115)]})
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    window.enter_investor_view([INVESTOR])
    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo", open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(network=FakeNetwork(120), history=history)), status_interval_ms=50,
    )
    window.show()
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=3000):
        session.start()
    assert [window.pages.tabText(i) for i in range(window.pages.count())] == ["&Holdings", "Histor&y", "P&roofs"]
    with qtbot.waitSignal(window.history_page.sig_history_shown, timeout=3000):
        window.pages.setCurrentWidget(window.history_page)
    choice = window.history_page.account_choice
    assert [choice.itemData(i) for i in range(choice.count())] == [INVESTOR]  # only the investor's account
    assert history.calls == [INVESTOR]
    key_words = ("unlock", "sign", "delete", "export", "lock", "password", "key")
    for page in (window.history_page, window.holdings_page):
        window.pages.setCurrentWidget(page)
        qtbot.wait(10)
        actions = [a.text() for a in window.findChildren(QAction) if a.isVisible() and a.isEnabled()]
        buttons = [b.text() for b in window.findChildren(QAbstractButton) if b.isVisible()]
        buttons = [b for b in buttons if b != "Export statement…"]  # a statement: no key, nothing signed
        for text in actions + buttons:
            assert not any(word in text.lower() for word in key_words), text
    assert window.holdings_page.export_button.isVisible()
    assert not window.keys_page.attached
    session.close()


# -- statement export ------------------------------------------------------------------------------------------
def export_page(qtbot: QtBot, runner: TaskRunner, holdings: FakeHoldings, answer: Path | None) -> HoldingsPage:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.attach(holdings, runner, chain_id=DEVNET.chain_id, network=DEVNET.name)
    page.ask_path = lambda _parent, _suggested: None if answer is None else str(answer)
    page.show_snapshot(make_snapshot(120))
    return page


def test_export_needs_one_account_and_writes_a_csv_on_the_serial_lane(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    holdings = FakeHoldings(make_snapshot(131))
    target = tmp_path / "treasury.csv"
    page = export_page(qtbot, runner, holdings, target)
    assert not page.export_button.isEnabled()  # "All accounts"
    page.account_filter.setCurrentIndex(page.account_filter.findData(TREASURY))
    assert page.export_button.isEnabled()
    with qtbot.waitSignal(page.sig_statement_written, timeout=5000) as written:
        page.export_button.click()
    assert written.args == [str(target)]
    assert holdings.calls == [([TREASURY], None)]
    text = target.read_text(encoding="utf-8")
    assert "# block_number,131\n" in text
    assert f"# account,{TREASURY}\n" in text and f"# chain_id,{DEVNET.chain_id}\n" in text
    assert page.export_line.text() == f"Statement written to {target}"


def test_export_refuses_an_existing_file(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    target = tmp_path / "treasury.csv"
    target.write_text("keep me", encoding="utf-8")
    holdings = FakeHoldings(make_snapshot(131))
    page = export_page(qtbot, runner, holdings, target)
    page.account_filter.setCurrentIndex(page.account_filter.findData(TREASURY))
    page.export_button.click()
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert "already exists" in page.export_line.text() and "never overwritten" in page.export_line.text()
    assert holdings.calls == []


def test_export_writes_a_pdf_by_its_suffix(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    target = tmp_path / "investor.pdf"
    page = export_page(qtbot, runner, FakeHoldings(make_snapshot(131)), target)
    page.account_filter.setCurrentIndex(page.account_filter.findData(INVESTOR))
    with qtbot.waitSignal(page.sig_statement_written, timeout=10000):
        page.export_button.click()
    assert target.read_bytes().startswith(b"%PDF")


def test_export_cancelled_or_with_another_suffix_writes_nothing(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    holdings = FakeHoldings(make_snapshot(131))
    page = export_page(qtbot, runner, holdings, None)
    page.account_filter.setCurrentIndex(page.account_filter.findData(TREASURY))
    page.export_button.click()
    page.ask_path = lambda _parent, _suggested: str(tmp_path / "statement.txt")
    page.export_button.click()
    assert page.export_line.text() == "Choose a file name ending in .csv or .pdf."
    assert holdings.calls == [] and list(tmp_path.iterdir()) == []


# -- value then, and value over time ---------------------------------------------------------------------------
def test_value_then_column_shows_exact_hkd_or_why_there_is_none() -> None:
    model = HistoryTableModel()
    model.set_rows(prepare_history(make_transfers()))
    assert model.headerData(HistoryColumn.VALUE, Qt.Orientation.Horizontal) == "Value then (HKD)"
    values = texts(model, HistoryColumn.VALUE)
    assert values[:4] == ["250,000.50", "1,000,000.000001", "—", "—"]
    tips = [str(t) for t in texts(model, HistoryColumn.VALUE, TIP)]
    assert "Exactly 250,000.50 HKD at block 118" in tips[0] and "fixed 1:1 HKD stablecoin" in tips[0]
    assert "USD/HKD rate is stale" in tips[2] and "Converted at 7.7815 HKD per USD" in tips[2]
    assert "No usable price for this asset at block 110" in tips[3]
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.data(model.index(0, HistoryColumn.VALUE), Qt.ItemDataRole.TextAlignmentRole) == right


def test_short_hkd_labels_and_axis_steps_are_exact_and_readable() -> None:
    assert format_hkd_short(0) == "HK$ 0"
    assert format_hkd_short(950 * 10**6 + 999_999) == "HK$ 950"
    assert format_hkd_short(12_345 * 10**6) == "HK$ 12.3 K"
    assert format_hkd_short(81_899_514_085_000) == "HK$ 81.8 M"  # rounded down, never up
    assert format_hkd_short(40_000_000 * 10**6) == "HK$ 40 M"
    assert format_hkd_short(2_500_000_000 * 10**6) == "HK$ 2.5 B"
    assert compute_axis_top(81_899_514_085_000) == (100_000_000 * 10**6, 25_000_000 * 10**6)  # 25 M steps
    assert compute_axis_top(39_000_000 * 10**6) == (40_000_000 * 10**6, 10_000_000 * 10**6)
    assert compute_axis_top(40_000_001 * 10**6) == (80_000_000 * 10**6, 20_000_000 * 10**6)
    assert compute_axis_top(0) == (4 * 10**6, 10**6)  # never below 1 HKD a step


def chart_page(qtbot: QtBot, runner: TaskRunner, values: FakeValueHistory,
               history: FakeHistory | None = None) -> tuple[HistoryPage, FakeHistory]:
    history = history or FakeHistory()
    page = HistoryPage()
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.attach(history, runner, value_history=values)
    page.set_accounts(ACCOUNTS)
    return page, history


def test_value_over_time_is_read_after_the_history_in_the_background_with_progress(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    values = FakeValueHistory()
    values.gate = threading.Event()
    page, history = chart_page(qtbot, runner, values)
    assert values.calls == []  # not on screen: nothing read
    page.show()
    qtbot.waitUntil(lambda: values.calls != [])
    assert history.calls == [TREASURY]  # the history (which syncs the index) came first
    assert values.calls == [(12, None)] and values.threads[0].startswith("custos-parallel")
    qtbot.waitUntil(lambda: page.chart_status.text() == "Reading value at block 2 of 12…")
    assert page.chart_busy and page.chart_progress.isVisibleTo(page) and not page.chart_button.isEnabled()
    assert page.chart_progress.maximum() == 12 and page.chart_progress.value() == 1
    with qtbot.waitSignal(page.sig_chart_shown, timeout=3000) as shown:
        values.gate.set()
    assert shown.args == [12]
    assert not page.chart_busy and not page.chart_progress.isVisibleTo(page) and page.chart_button.isEnabled()
    assert len(page.chart.points) == 12 and page.chart.message == ""
    assert "11 points from block 1,000 to 48,531; 1 block could not be read" in page.chart_status.text()
    with qtbot.waitSignal(page.sig_chart_shown, timeout=3000):
        page.chart_button.click()  # read again
    assert len(values.calls) == 2


def test_value_over_time_failure_and_empty_states_are_plain(qtbot: QtBot, runner: TaskRunner) -> None:
    values = FakeValueHistory()
    values.error = RpcError("the node went away")
    page, _history = chart_page(qtbot, runner, values)
    page.show()
    qtbot.waitUntil(lambda: "could not be read" in page.chart.message)
    assert "the node went away" in page.chart.message and not page.chart_busy
    empty = FakeValueHistory([])
    other, _ = chart_page(qtbot, runner, empty)
    other.show()
    with qtbot.waitSignal(other.sig_chart_shown, timeout=3000):
        pass
    assert other.chart.message == "No values to chart yet." and other.chart.points == []
    bare = HistoryPage()
    qtbot.addWidget(bare)
    bare.attach(FakeHistory(), runner)  # no value history: said so, and nothing to click
    assert "not available" in bare.chart.message and not bare.chart_button.isEnabled()


def test_investor_view_charts_the_accounts_shown(qtbot: QtBot, runner: TaskRunner) -> None:
    values = FakeValueHistory()
    page = HistoryPage()
    qtbot.addWidget(page)
    page.show_only_accounts([INVESTOR])
    assert page.chart_box.title() == "Value over time: the accounts shown (HKD)"
    page.attach(FakeHistory({INVESTOR: []}), runner, value_history=values)
    page.set_accounts(ACCOUNTS)
    page.show()
    with qtbot.waitSignal(page.sig_chart_shown, timeout=3000):
        pass
    assert values.calls == [(12, [INVESTOR])]


def highlight_pixels(image: QImage, colour: QColor) -> int:
    found = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green()) + \
                    abs(pixel.blue() - colour.blue()) < 30:
                found += 1
    return found


@pytest.mark.parametrize("dark", [False, True])
def test_chart_draws_the_line_in_the_palettes_colours_and_a_tooltip(qtbot: QtBot, dark: bool) -> None:
    chart = ValueChart()
    qtbot.addWidget(chart)
    palette = QPalette(chart.palette())
    if dark:
        palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
        palette.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#3d8ee6"))
    chart.setPalette(palette)
    chart.resize(720, 260)
    image = chart.grab().toImage()
    assert highlight_pixels(image, palette.color(QPalette.ColorRole.Highlight)) == 0  # empty state: no line
    points = make_value_points()
    chart.set_points(points)
    image = chart.grab().toImage()
    assert image.pixelColor(3, 3) == palette.color(QPalette.ColorRole.Base)
    assert highlight_pixels(image, palette.color(QPalette.ColorRole.Highlight)) > 40
    near = chart.point_near(chart._positions[-1][0])  # where the last point was drawn
    assert near is points[-1]
    tip = describe_point(points[-1])
    assert "Block 48,531" in tip and "78,635,795.123456 HKD" in tip and "2 holdings without a usable price" in tip
    assert "Not read: the node keeps no state" in describe_point(points[4])
