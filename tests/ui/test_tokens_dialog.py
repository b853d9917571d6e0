"""The Tokens dialog (Holdings page, Tokens…): list, add by address, discover, approve, remove, against a fake
TokenService of the core's shape; hostile token text stays plain (E1, E2, E4)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from tests.ui.fakes import FakeNetwork, FakeProfile, FakeServices, RecordingPresenter, builder, opener
from tests.ui.holdings_fakes import FakeHoldings, make_snapshot
from tests.ui.tokens_fakes import ALICE, HKDH, HOSTILE, HOSTILE_NAME, SPAM, FakeTokens
from ui.dialogs.tokens_dialog import ApproveTokenDialog, TokensDialog
from ui.main_window import MainWindow
from ui.models.tokens_model import TokenColumn
from ui.session import WalletSession
from ui.tasks import TaskRunner


def open_dialog(qtbot: QtBot, runner: TaskRunner, tokens: FakeTokens) -> TokensDialog:
    dialog = TokensDialog(runner=runner, tokens=tokens)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.sig_tokens_shown, timeout=3000):
        dialog.reload()
    return dialog


def column(dialog: TokensDialog, col: TokenColumn) -> list[str]:
    model = dialog.model
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def run(qtbot: QtBot, dialog: TokensDialog, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.text()
    with qtbot.waitSignal(dialog.sig_tokens_shown, timeout=3000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=3000)


def test_the_registry_is_listed_with_review_state(qtbot: QtBot, runner: TaskRunner) -> None:
    tokens = FakeTokens()
    dialog = open_dialog(qtbot, runner, tokens)
    assert sorted(column(dialog, TokenColumn.SYMBOL)) == ["HDEED", "HFSC", "HGB29", "HKDH", "HMMF"]
    assert set(column(dialog, TokenColumn.REVIEW)) == {"Reviewed"}
    assert set(column(dialog, TokenColumn.SOURCE)) == {"Registry"}
    assert set(column(dialog, TokenColumn.STANDARD)) == {"ERC-20", "ERC-721", "ERC-1155", "ERC-3643"}
    assert tokens.threads and threading.get_ident() not in tokens.threads  # never on the GUI thread
    dialog.select_address(HKDH)
    assert not dialog.approve_button.isEnabled() and not dialog.remove_button.isEnabled()  # reviewed
    assert not dialog.add_button.isEnabled()  # no address typed yet


def test_E1_E4_adding_a_hostile_token_shows_its_text_literally(qtbot: QtBot, runner: TaskRunner) -> None:
    dialog = open_dialog(qtbot, runner, FakeTokens())
    dialog.address.setText(HOSTILE)
    with qtbot.waitSignal(dialog.sig_tokens_changed, timeout=3000):
        run(qtbot, dialog, dialog.add_button)
    row = dialog.model.row_of(HOSTILE)
    assert row is not None and dialog.selected_token() is not None
    assert dialog.selected_token().address == HOSTILE  # type: ignore[union-attr]
    index = dialog.model.index(row, TokenColumn.NAME)
    shown = dialog.model.data(index)
    assert shown.startswith('<U+202E><a href="http://127.0.0.1/claim">Claim</a>')  # literal, bidi made visible
    assert "\u202e" not in shown
    tooltip = dialog.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip and "&lt;img src=" in tooltip  # escaped: no rich text, no fetch
    assert dialog.model.data(dialog.model.index(row, TokenColumn.REVIEW)) == "Unreviewed"
    assert dialog.model.data(dialog.model.index(row, TokenColumn.SOURCE)) == "Added by address"
    assert dialog.model.data(dialog.model.index(row, TokenColumn.SPAM)).startswith("⚠ its symbol reads like HKDH")
    assert "unreviewed" in dialog.status.text() and "Flagged" in dialog.status.text()
    assert dialog.address.text() == ""
    labels = dialog.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)  # E2
    assert HOSTILE_NAME[1:20] in dialog.details.text() and "\u202e" not in dialog.details.text()
    assert dialog.approve_button.isEnabled() and dialog.remove_button.isEnabled()


def test_a_refused_address_is_said_in_the_dialog(qtbot: QtBot, runner: TaskRunner,
                                                 presenter: RecordingPresenter) -> None:
    tokens = FakeTokens()
    dialog = open_dialog(qtbot, runner, tokens)
    dialog.address.setText("0x123")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=3000)
    assert "is not an address" in dialog.error.text()
    dialog.address.setText(HKDH)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already in the token registry" in dialog.error.text(), timeout=3000)
    assert presenter.calls == []  # a WalletError is said in the dialog, not in a message box
    assert dialog.isVisible() and dialog.address.text() == HKDH  # kept, to correct it


def test_discover_then_approve_then_the_token_is_reviewed(qtbot: QtBot, runner: TaskRunner) -> None:
    tokens = FakeTokens()
    dialog = open_dialog(qtbot, runner, tokens)
    run(qtbot, dialog, dialog.discover_button)
    assert "new tokens added, unreviewed: 1 (flagged as likely spam: 1)" in dialog.status.text()
    assert dialog.selected_token().address == SPAM  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.sig_approve_opened, timeout=3000) as opened:
        qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    approve = opened.args[0]
    assert isinstance(approve, ApproveTokenDialog) and approve.isVisible()
    assert approve.key_choice.currentData() == ALICE
    assert "Flagged as likely spam" in approve.flags.text()
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in approve.findChildren(QLabel))  # E2
    assert not dialog.discover_button.isEnabled()  # one thing at a time
    approve.password.setText("not the password")
    qtbot.mouseClick(approve.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: approve.error.isVisible(), timeout=3000)
    assert "password is wrong" in approve.error.text() and approve.password.text() == ""
    approve.password.setText("custos-demo")
    with qtbot.waitSignal(dialog.sig_tokens_changed, timeout=3000):
        qtbot.mouseClick(approve.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.approve_dialog is None, timeout=3000)
    qtbot.waitUntil(lambda: dialog.model.data(dialog.model.index(dialog.model.row_of(SPAM) or 0,
                                                                  TokenColumn.REVIEW)) == f"Approved by {ALICE}")
    assert f"signed by {ALICE}" in dialog.status.text()
    assert not dialog.remove_button.isEnabled()  # reviewed now


def test_remove_an_unreviewed_token(qtbot: QtBot, runner: TaskRunner) -> None:
    tokens = FakeTokens()
    dialog = open_dialog(qtbot, runner, tokens)
    run(qtbot, dialog, dialog.discover_button)
    assert dialog.select_address(SPAM)
    with qtbot.waitSignal(dialog.sig_tokens_changed, timeout=3000):
        run(qtbot, dialog, dialog.remove_button)
    assert dialog.model.row_of(SPAM) is None and "Removed the unreviewed token" in dialog.status.text()


def test_busy_while_a_slow_discovery_runs(qtbot: QtBot, runner: TaskRunner) -> None:
    tokens = FakeTokens(delay=0.3)
    dialog = open_dialog(qtbot, runner, tokens)
    qtbot.mouseClick(dialog.discover_button, Qt.MouseButton.LeftButton)
    assert dialog.busy and not dialog.busy_bar.isHidden() and not dialog.discover_button.isEnabled()
    dialog.reject()
    assert dialog.isVisible()  # not closed under a running write
    qtbot.waitUntil(lambda: not dialog.busy, timeout=3000)
    dialog.reject()
    assert not dialog.isVisible()


def start_window(qtbot: QtBot, runner: TaskRunner, *, investor: bool) -> tuple[MainWindow, WalletSession,
                                                                             FakeHoldings]:
    holdings = FakeHoldings(make_snapshot(120))
    services = FakeServices(network=FakeNetwork(120), holdings=holdings)
    services.tokens = FakeTokens()  # type: ignore[attr-defined]
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    if investor:
        window.enter_investor_view(["0x000000000000000000000000000000000000dEaD"])
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()), build_services=builder(services),
                            status_interval_ms=50)
    window.show()
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=3000):
        session.start()
    return window, session, holdings


def test_the_holdings_page_opens_it_and_reads_again_after_a_change(qtbot: QtBot, runner: TaskRunner) -> None:
    window, session, holdings = start_window(qtbot, runner, investor=False)
    page = window.holdings_page
    window.pages.setCurrentWidget(page)
    assert page.tokens_button.isVisible()
    qtbot.mouseClick(page.tokens_button, Qt.MouseButton.LeftButton)
    dialog = page.tokens_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 5, timeout=3000)
    reads = len(holdings.calls)
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=3000):  # unreviewed tokens show in the holdings
        run(qtbot, dialog, dialog.discover_button)
    assert len(holdings.calls) > reads
    dialog.reject()
    qtbot.waitUntil(lambda: page.tokens_dialog is None, timeout=3000)
    session.close()


def test_the_investor_view_has_no_tokens_button(qtbot: QtBot, runner: TaskRunner) -> None:
    window, session, _holdings = start_window(qtbot, runner, investor=True)
    assert window.holdings_page.tokens_button.isHidden()
    session.close()
