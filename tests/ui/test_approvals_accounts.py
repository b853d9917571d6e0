"""The Approvals page's "Account vaults (cold)" section on a real demo profile (a copy of `custos demo init`, the real
core, wired as the session wires it): a cold transfer from proposal to final through the page. Dana proposes
1,000,000 HKDH from the cold vault to the client vault (the policy's decision shown before anything is queued); Alice
and Ben approve it, each typing their key's password; the section says it is ready; the cold ceremony's request is
shown as an animated QR code whose frames rebuild the request, with the signing hash in the very lines the offline
signer prints, and saved as a file; the demo's real offline signer (`custos cold sign` on the profile demo-signer,
with Alice's and Carmen's shares) signs it; importing its answer makes the transfer signed; Send broadcasts it and
follows it to final while the window keeps running, and the HKDH moved. Refusals are said in words: the proposer
approving, an answer imported twice, a queue row edited in the database (quarantined). Screens are grabbed in a light
and a dark palette (CUSTOS_SHOTS=DIR keeps the PNGs).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import ALICE, BEN, CLIENT_VAULT, DANA, DEMO_PASSWORD, HKDH, Demo, open_demo, sql
from ui.dialogs.account_dialogs import AccountRequestDialog, ApproveAccountDialog
from ui.dialogs.offline_answer import AnswerImport
from ui.dialogs.offline_request_work import request_file_text
from ui.dialogs.propose_account_dialog import ProposeAccountDialog
from ui.main_window import MainWindow
from ui.models.account_rows import AccountColumn
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_wiring import attach_queue
from ui.tasks import TaskRunner
from wallet_app.demo.demo_cold import COLD_VAULT_LABEL, DEMO_SIGNER_PROFILE, SHARE_PASSPHRASES, SHARES_DIR
from wallet_app.offline.transport import RequestReader

WAIT = 60_000
MILLION_HKDH = 1_000_000 * 10**6
pytestmark = pytest.mark.qt_log_ignore(r"^Couldn't (load|resolve) ")  # Qt Multimedia's optional FFmpeg libraries


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("approvals-accounts")) as opened:
        yield opened


@pytest.fixture
def page(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> Iterator[ApprovalsPage]:
    """The Approvals tab of a main window, given the demo's services by the session's wiring (attach_queue)."""
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    window.resize(1280, 860)
    notifier = attach_queue(window, demo.services, runner, interval_ms=60_000)
    assert notifier is not None
    shown: ApprovalsPage = window.approvals_page
    window.pages.setCurrentWidget(shown)
    with qtbot.waitSignal(shown.accounts.sig_accounts_shown, timeout=WAIT):
        window.show()
    settle(qtbot, runner, shown)
    yield shown
    notifier.stop()


def keep(widget: Any, name: str) -> None:
    """CUSTOS_SHOTS=DIR: the widget as it is on screen now, as DIR/light_NAME.png."""
    if os.environ.get("CUSTOS_SHOTS"):
        assert widget.grab().save(str(Path(os.environ["CUSTOS_SHOTS"]) / f"light_{name}.png"))


def settle(qtbot: QtBot, runner: TaskRunner, page: ApprovalsPage) -> None:
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)


def reread(qtbot: QtBot, runner: TaskRunner, page: ApprovalsPage) -> None:
    with qtbot.waitSignal(page.accounts.sig_accounts_shown, timeout=WAIT):
        page.reload()
    settle(qtbot, runner, page)


def open_from(qtbot: QtBot, page: ApprovalsPage, button: Any) -> Any:
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as opened:
        button.click()
    dialog = opened.args[0]
    assert page.dialog is dialog and not page.approve_button.isEnabled()  # one dialog at a time
    return dialog


def close(qtbot: QtBot, runner: TaskRunner, page: ApprovalsPage, dialog: Any) -> None:
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.reject()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    settle(qtbot, runner, page)


def propose(qtbot: QtBot, runner: TaskRunner, page: ApprovalsPage, demo: Demo, *, by: str, amount: str) -> str:
    """Propose `amount` HKDH from the cold vault to the client vault through the dialog; returns its signing hash."""
    panel = page.accounts.panel
    assert panel is not None
    dialog = open_from(qtbot, page, panel.propose_button)
    assert isinstance(dialog, ProposeAccountDialog)
    qtbot.waitUntil(lambda: dialog.vault.count() == 1 and dialog.transfer.asset.count() > 1, timeout=WAIT)
    assert dialog.vault.currentText().startswith(f"{COLD_VAULT_LABEL}  0x") and "2 of 3 approvers, cold" in \
        dialog.vault.currentText()
    dialog.transfer.asset.setCurrentIndex(dialog.transfer.asset.findData(demo[HKDH]))
    dialog.transfer.amount.setText(amount)
    dialog.transfer.recipient.edit.setText(demo[CLIENT_VAULT])
    dialog.proposer.setCurrentIndex(dialog.proposer.findData(demo[by]))
    assert dialog.transfer.amount_verdict.text().startswith("Within what is available")
    assert not dialog.submit_button.isEnabled()  # no password yet
    # The decision before anything is queued: a preview, not recorded.
    with qtbot.waitSignal(dialog.sig_checked, timeout=WAIT) as checked:
        dialog.check_button.click()
    assert checked.args == ["allow"] and dialog.decision.headline.text() == "Allow"
    keep(dialog, "propose_account")
    assert "from owners other than the proposer" in dialog.decision.detail.text()
    assert page.accounts.accounts is not None
    before = len(page.accounts.accounts.queue.load())
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT) as queued:
        dialog.submit_button.click()
        assert dialog.busy and dialog.busy_bar.isVisible()  # proposed on a worker lane
    tx_hash = str(queued.args[0])
    assert len(page.accounts.accounts.queue.load()) == before + 1
    assert dialog.result.text().startswith("Queued at nonce ") and tx_hash in dialog.result.text()
    assert dialog.result.tone == "good" and dialog.cancel_button.text() == "Close"
    close(qtbot, runner, page, dialog)
    return tx_hash


def approve(qtbot: QtBot, runner: TaskRunner, page: ApprovalsPage, demo: Demo, tx_hash: str, by: str) -> Any:
    panel = page.accounts.panel
    assert panel is not None and panel.select(tx_hash)
    assert panel.approve_button.isEnabled()
    dialog = open_from(qtbot, page, panel.approve_button)
    assert isinstance(dialog, ApproveAccountDialog) and dialog.tx_hash == tx_hash
    index = dialog.key_choice.findData(demo[by])
    assert index >= 0
    dialog.key_choice.setCurrentIndex(index)
    dialog.password.setText(DEMO_PASSWORD)
    return dialog


def share_arguments(demo: Demo, work: Path, index: int) -> list[str]:
    """The share file of the index-th holder (0: Alice, 1: Ben, 2: Carmen) and its passphrase file."""
    share = next((demo.home / SHARES_DIR).glob(f"{index + 1}-of-3-*.custos-share"))
    secret = work / f"share-{index}.pass"
    secret.write_text(SHARE_PASSPHRASES[index] + "\n")
    return ["--share", str(share), "--passphrase-file", str(secret)]


def cold_sign(demo: Demo, work: Path, request: Path, answer: Path, tx_hash: str) -> str:
    """The demo's real offline signer signs the request with Alice's and Carmen's shares; returns what it printed."""
    from wallet_app.cli.program import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--home", str(demo.home), "--profile", DEMO_SIGNER_PROFILE, "cold", "sign", str(request),
                     *share_arguments(demo, work, 0), *share_arguments(demo, work, 2), "--out", str(answer),
                     "--confirm", tx_hash])
    assert code == 0, err.getvalue() + out.getvalue()
    return out.getvalue()


def import_file(qtbot: QtBot, answer: AnswerImport, path: Path) -> None:
    scan = answer.scan_dialog
    assert scan is not None and scan.isVisible()
    scan.ask_file = lambda _parent: [str(path)]
    scan.file_button.click()


def hkdh_of(demo: Demo, account: str) -> int:
    holdings = demo.services.holdings.fetch_holdings([account]).holdings
    return sum(h.balance for h in holdings if str(h.asset) == demo[HKDH])


def row_texts(page: ApprovalsPage, tx_hash: str) -> tuple[str, ...]:
    row = page.accounts.row(tx_hash)
    assert row is not None
    return row.texts


# -- a cold transfer from proposal to final -------------------------------------------------------------------------

def test_a_cold_transfer_from_proposal_to_final_through_the_page(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                                 page: ApprovalsPage, tmp_path: Path) -> None:
    panel = page.accounts.panel
    assert panel is not None and panel.isVisible() and panel.title() == "Account vaults (cold)"
    assert panel.summary.text().startswith("No transfer from an account vault is queued")
    ModelTester(None).check(panel.model)
    cold = next(v.address for v in demo.services.policy.active().document.vaults if v.is_account)
    cold_before, client_before = hkdh_of(demo, cold), hkdh_of(demo, demo[CLIENT_VAULT])

    tx_hash = propose(qtbot, runner, page, demo, by=DANA, amount="1000000")
    texts = row_texts(page, tx_hash)
    assert texts[AccountColumn.STATE] == "Collecting approvals"
    assert texts[AccountColumn.VAULT] == COLD_VAULT_LABEL
    assert texts[AccountColumn.TRANSFER].startswith(
        f"transfer 1,000,000.00 HKDH from {COLD_VAULT_LABEL} to {CLIENT_VAULT.split(' (')[0]}")
    assert texts[AccountColumn.APPROVALS] == "0 of 2 approvals"
    assert texts[AccountColumn.PROPOSER] == DANA and texts[AccountColumn.HASH] == f"{tx_hash[:8]}…{tx_hash[-4:]}"
    assert panel.select(tx_hash)
    assert "Waiting for 2 more approvals of: Alice Chan (officer), Ben Wong (officer), Carmen Lee" in \
        panel.state.text()
    assert panel.approve_button.isEnabled() and not panel.request_button.isEnabled()
    assert not panel.send_button.isEnabled()

    for who, approvals in ((ALICE, "1 of 2 approvals: Alice Chan (officer)"),
                           (BEN, "2 of 2 approvals: Alice Chan (officer), Ben Wong (officer)")):
        dialog = approve(qtbot, runner, page, demo, tx_hash, who)
        with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT):
            dialog.submit_button.click()
            assert dialog.busy and dialog.busy_row.isVisible()  # scrypt and the policy check off the GUI thread
        qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
        reread(qtbot, runner, page)
        assert row_texts(page, tx_hash)[AccountColumn.APPROVALS] == approvals
    assert row_texts(page, tx_hash)[AccountColumn.STATE] == "Ready for the cold ceremony"
    assert "1 ready for the cold ceremony" in panel.summary.text()
    assert panel.select(tx_hash) and panel.request_button.isEnabled()
    assert panel.approve_button.isEnabled()  # a ready transfer still takes Carmen's approval (the core counts it)

    # The cold ceremony's request: an animated QR code that rebuilds the request, and a file.
    dialog = open_from(qtbot, page, panel.request_button)
    assert isinstance(dialog, AccountRequestDialog)
    if dialog.made is None:
        with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT):
            pass
    made = dialog.made
    assert made.tx_hash == tx_hash and made.decision == "allow"
    assert dialog.checked.text() == f"checked online at block {made.block_number}: allow"
    qr = dialog.qr
    assert qr.cycle_length > 2 and not qr.still
    qr.pause()
    reader = RequestReader()
    for _ in range(6 * qr.cycle_length):
        qtbot.waitUntil(qr.step, timeout=WAIT)
        reader.receive(qr.current_text())
        if reader.is_complete:
            break
    assert reader.is_complete and reader.result().sign_request.request_id == made.sign_request.request_id
    keep(dialog, "cold_request")
    request = tmp_path / "cold.request"
    dialog.ask_path = lambda _parent, suggested: str(request) if suggested.startswith("cold-request-") else None
    with qtbot.waitSignal(dialog.sig_outcome_shown, timeout=WAIT) as saved:
        dialog.save_button.click()
    assert saved.args == [f"Saved the request to {request}"]
    assert request.read_bytes() == request_file_text(made.urs)

    # The offline side: the demo's offline signer and two officers' shares; it prints the very hash lines shown here.
    answer = tmp_path / "cold.answer"
    printed = cold_sign(demo, tmp_path, request, answer, tx_hash).splitlines()
    assert all(line in printed for line in dialog.hash_lines_shown())
    importing = dialog.import_answer()
    assert importing is not None
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT):
        import_file(qtbot, importing, answer)
    assert dialog.outcome.text().startswith("The cold ceremony's signed transaction was imported: the transfer is "
                                            "signed") and dialog.outcome.tone == "good"
    assert not dialog.import_button.isEnabled()  # answered
    close(qtbot, runner, page, dialog)
    assert row_texts(page, tx_hash)[AccountColumn.STATE] == "Signed: ready to send"

    # The same answer again, from the section's own Import button: refused in words, nothing changes.
    assert panel.import_button.isEnabled()
    panel.import_button.click()
    assert page.accounts.answer is not None
    with qtbot.waitSignal(page.accounts.sig_outcome_shown, timeout=WAIT) as refused:
        import_file(qtbot, page.accounts.answer, answer)
    assert refused.args[0].startswith("Not imported: ") and "imported already" in refused.args[0]
    assert panel.result.text() == refused.args[0] and panel.result.tone == "bad"

    # Send: broadcast after one more policy check, followed to final on a worker lane; the window keeps running.
    assert panel.select(tx_hash) and panel.send_button.isEnabled() and panel.send_button.text() == "Send"
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    with qtbot.waitSignal(page.accounts.sig_sent, timeout=WAIT) as sent:
        panel.send_button.click()
        assert page.accounts.sending and panel.busy_bar.isVisible() and not panel.send_button.isEnabled()
    timer.stop()
    entry = sent.args[0]
    assert entry.item.state == "final" and entry.item.outcome == "success", entry
    assert ticks  # the event loop turned while it was sent and followed
    assert panel.result.text().startswith(f"Sent and final: transaction {entry.item.sent_tx_hash}")
    assert not panel.busy_bar.isVisible()
    settle(qtbot, runner, page)
    assert row_texts(page, tx_hash)[AccountColumn.STATE] == "Final"
    assert hkdh_of(demo, cold) == cold_before - MILLION_HKDH
    assert hkdh_of(demo, demo[CLIENT_VAULT]) == client_before + MILLION_HKDH


# -- refusals -------------------------------------------------------------------------------------------------------

def test_the_proposer_approving_is_refused_in_words(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                    page: ApprovalsPage) -> None:
    tx_hash = propose(qtbot, runner, page, demo, by=ALICE, amount="25000")
    dialog = approve(qtbot, runner, page, demo, tx_hash, ALICE)
    assert dialog.key_choice.currentText().endswith("proposed it: the proposer does not approve")
    assert dialog.key_choice.itemText(0).endswith("approver of this vault")  # the eligible ones first
    dialog.submit_button.click()
    assert dialog.busy
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "The proposer of a transfer does not approve it (segregation of duties)" in dialog.error.text()
    assert not dialog.password.text()  # wiped; a retry types it again
    assert page.accounts.accounts is not None
    assert page.accounts.accounts.queue.entry(tx_hash).approvers == ()  # nothing stored
    close(qtbot, runner, page, dialog)


def test_an_edited_row_is_quarantined_and_takes_no_action(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                          page: ApprovalsPage) -> None:
    tx_hash = propose(qtbot, runner, page, demo, by=DANA, amount="30000")
    assert sql(demo, "UPDATE account_queue_items SET unsigned_tx = substr(unsigned_tx, 1, length(unsigned_tx) - 8) "
              "|| 'deadbeef' WHERE tx_hash = :h", h=tx_hash) == 1  # its stored bytes edited
    reread(qtbot, runner, page)
    panel = page.accounts.panel
    assert panel is not None and panel.select(tx_hash)
    texts = row_texts(page, tx_hash)
    assert texts[AccountColumn.STATE] == "QUARANTINED" and texts[AccountColumn.APPROVALS] == "none counted " \
        "(quarantined)"
    warning = panel.warning_labels[0].text()  # the core's reason, in words
    assert warning.startswith("Quarantined: its stored transaction does not ") and warning.endswith(
        "It is shown, never approved, signed or sent.")
    assert panel.warning_labels[0].tone == "bad"
    assert not panel.approve_button.isEnabled() and not panel.request_button.isEnabled()
    assert not panel.send_button.isEnabled()
    assert "QUARANTINED" in panel.summary.text()


# -- how it looks ---------------------------------------------------------------------------------------------------

def cold_scene(demo: Demo, work: Path) -> str:
    """Through the core, as the officers would have: a transfer sent and final, one ready for the ceremony, one with
    Alice's approval; returns the ready one's signing hash."""
    from wallet_app.ur.eth_requests import EthSignature

    accounts, ceremony = demo.services.account_vaults, demo.services.account_ceremony
    cold = next(v.address for v in demo.services.policy.active().document.vaults if v.is_account)
    hkdh, client = demo[HKDH], demo[CLIENT_VAULT]

    def queued(units: int, *approvers: str) -> str:
        from wallet_app.domain.abi import build_call

        data = build_call("transfer(address,uint256)", client, units * 10**6)
        entry = accounts.propose_with(cold, hkdh, 0, data, demo.signer(DANA)).entry
        assert entry is not None
        for who in approvers:
            accounts.approve_with(entry.tx_hash, demo.signer(who))
        return str(entry.tx_hash)

    sent = queued(1_000_000, ALICE, BEN)
    request, answer = work / "scene.request", work / "scene.answer"
    request.write_bytes(request_file_text(ceremony.request(sent).urs))
    cold_sign(demo, work, request, answer, sent)
    from wallet_app.offline.transport import read_signature_lines

    signature: EthSignature = read_signature_lines(answer.read_text().splitlines())
    ceremony.import_answer(signature, transport="file")
    assert ceremony.send(sent, wait_seconds=30).item.state == "final"
    ready = queued(500_000, ALICE, BEN)
    queued(250_000, ALICE)
    return ready


def test_the_section_in_a_light_and_a_dark_palette(qtbot: QtBot, runner: TaskRunner,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    """The Approvals tab at a normal window size, wired by the session, with the demo's queue and three cold
    transfers (final, ready for the ceremony, one approval of two): the tones legible on either palette, nothing cut
    that matters. CUSTOS_SHOTS=DIR keeps the PNGs."""
    from tests.ui.make_shots import dark_palette
    from ui.session import WalletSession
    from ui.tones import tone_color

    work = tmp_path_factory.mktemp("accounts-shots")
    out = Path(os.environ.get("CUSTOS_SHOTS", work))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = QPalette(app.palette())
    with open_demo(work) as demo:
        ready = cold_scene(demo, work)
        window = MainWindow(profile_name="demo")
        qtbot.addWidget(window)
        session = WalletSession(window=window, runner=runner, home=demo.home, profile_name="demo",
                                open_profile=lambda _home, _name: demo.profile,
                                build_services=lambda _profile: demo.services)
        window.resize(1280, 860)
        window.show()
        with qtbot.waitSignal(session.sig_live_data_shown, timeout=WAIT):
            session.start()
        page: ApprovalsPage = window.approvals_page
        with qtbot.waitSignal(page.accounts.sig_accounts_shown, timeout=WAIT):
            window.pages.setCurrentWidget(page)
        settle(qtbot, runner, page)
        panel = page.accounts.panel
        assert panel is not None and len(panel.rows) == 3 and panel.select(ready)
        assert [r.state for r in panel.rows] == ["ready", "proposed", "final"]  # the moving ones first, by nonce
        assert panel.request_button.isEnabled() and panel.approve_button.isEnabled()
        # Every row is in view, and the transfer column has room for its words.
        assert panel.table.viewport().height() >= 3 * panel.table.rowHeight(0)
        assert panel.table.columnWidth(AccountColumn.TRANSFER) >= 300
        try:
            for name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
                app.setPalette(palette)
                qtbot.wait(80)
                assert window.grab().save(str(out / f"{name}_approvals_account_vaults.png"))
                base = palette.color(QPalette.ColorRole.Base)
                for tone in ("good", "warn", "bad"):
                    colour = tone_color(tone, palette)
                    assert colour is not None and abs(colour.lightness() - base.lightness()) > 90
        finally:
            app.setPalette(original)
            session.close()
            qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
