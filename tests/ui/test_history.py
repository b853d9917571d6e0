"""The History tab (model, page, session hand-off, investor view) and the holding statement export, against fakes
of the core's exact types."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import DEVNET, FakeNetwork, FakeProfile, FakeServices, builder, opener
from tests.ui.history_fakes import EXCHANGE, FakeHistory, make_transfers, transfer
from tests.ui.holdings_fakes import ACCOUNTS, INVESTOR, OPERATIONS, TREASURY, FakeHoldings, make_snapshot
from ui.main_window import MainWindow
from ui.models.history_model import HistoryColumn, HistoryTableModel, prepare_history
from ui.pages.history_page import HistoryPage
from ui.pages.holdings_page import HoldingsPage
from ui.session import WalletSession
from ui.tasks import TaskRunner

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
        "&Vaults", "&Keys", "&Holdings", "Histor&y",
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
    assert [window.pages.tabText(i) for i in range(window.pages.count())] == ["&Holdings", "Histor&y"]
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
