"""Safe messages on the Approvals tab, on a real demo profile (a copy of `custos demo init`, the real core): a holding
statement asked of the client vault's owners is listed beside the transactions with "0 of 2 signatures" and its whole
SafeMessage hash; its review shows every field of the typed data in plain words (the account and the block among
them), the hash chunked as the core computes it and the EIP-712 digest, and offers only this profile's keys that own
the vault; approving with Alice's key and the demo password makes it 1 of 2, a wrong password says so in the dialog
and leaves it at 1 of 2 with the key still chosen; a message whose stored typed data was edited is quarantined and
cannot be approved; once the quorum has signed, the statement can be exported (never over an existing file) and the
export is in the audit log. Text from the typed data is shown as plain text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import (
    ALICE,
    BEN,
    CARMEN,
    CLIENT_VAULT,
    DANA,
    DEMO_PASSWORD,
    KOWLOON,
    LION_ROCK,
    TREASURY,
    Demo,
    open_demo,
    sql,
)
from ui.dialogs.review_message_dialog import ReviewMessageDialog
from ui.fonts import fixed_font
from ui.models.message_rows import MessageColumn
from ui.models.queue_model import SignatureColumn
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_sources import sources_from_services
from ui.tasks import TaskRunner
from wallet_app.domain.hex_text import chunk_hex

WAIT = 30_000
INVESTOR = "Victoria Harbour Endowment (investor)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("approvals-messages")) as opened:
        yield opened


def ask_statement(demo: Demo, account: str = INVESTOR) -> Any:
    """Queue a holding statement of `account` for the client vault's owners to sign, as Dana would."""
    from wallet_app.proofs.signed_statement import StatementRequest, request

    services = demo.services
    investor = demo[account]
    context = StatementRequest(services.chain, demo.profile.config.chain_id, demo.profile.preset.name, False)
    return request(context, services.messages, services.holdings.fetch_holdings([investor], None), investor,
                   demo[CLIENT_VAULT], demo.signer(DANA), valid_days=30, issued_at=datetime.now(UTC))



def open_page(qtbot: QtBot, runner: TaskRunner, demo: Demo, *, messages: bool = True) -> ApprovalsPage:
    """The page as the window wires it (ui/queue_wiring.py), with the Safe messages attached too."""
    services = demo.services
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.attach(services.queue, runner, sources_from_services(services))
    if messages:
        page.attach_messages(services.messages, proofs=services.proofs, audit=services.audit)
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    if messages:
        qtbot.waitUntil(lambda: page.message_section.state is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)
    return page


def row_texts(page: ApprovalsPage, message_hash: str) -> tuple[str, ...]:
    row = next(r for r in page.messages_panel.model.rows() if r.message_hash == message_hash)
    return row.texts


def open_review(qtbot: QtBot, page: ApprovalsPage, message_hash: str) -> ReviewMessageDialog:
    assert page.messages_panel.select(message_hash)
    assert page.messages_panel.approve_button.isEnabled()
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as opened:
        qtbot.mouseClick(page.messages_panel.approve_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert isinstance(dialog, ReviewMessageDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    return dialog


def approve(qtbot: QtBot, dialog: ReviewMessageDialog, key: str, password: str, *, succeeds: bool) -> None:
    index = dialog.key_choice.findData(key)
    assert index >= 0
    dialog.key_choice.setCurrentIndex(index)
    dialog.password.setText(password)
    assert dialog.submit_button.isEnabled()
    signal = dialog.sig_queue_changed if succeeds else dialog.sig_action_failed
    with qtbot.waitSignal(signal, timeout=WAIT):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)


def test_a_statement_is_listed_reviewed_and_approved(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    entry = ask_statement(demo)
    assert entry.valid_signatures == 0 and entry.threshold == 2  # Dana proposes; she owns no vault
    page = open_page(qtbot, runner, demo)
    ModelTester(qtbot).check(page.messages_panel.model)
    assert page.messages_panel.isVisible()
    assert page.messages_panel.title() == "Safe messages"

    texts = row_texts(page, entry.message_hash)
    assert texts[MessageColumn.STATE] == "Proposed"
    assert texts[MessageColumn.VAULT] == CLIENT_VAULT
    assert texts[MessageColumn.KIND] == "Holding statement"
    assert texts[MessageColumn.SIGNATURES] == "0 of 2 signatures"
    assert texts[MessageColumn.PROPOSER] == DANA
    assert texts[MessageColumn.HASH] == entry.message_hash  # in full
    model = page.messages_panel.model
    hash_index = model.index(model.index_of(entry.message_hash).row(), MessageColumn.HASH)
    assert hash_index.data(Qt.ItemDataRole.FontRole).family() == fixed_font().family()  # monospace
    assert "need" in page.messages_panel.summary.text()

    # Nothing is picked for the officer; once chosen, the whole hash is under the list, selectable, with Copy.
    assert page.messages_panel.selected() is None
    assert not page.messages_panel.approve_button.isEnabled()
    assert page.messages_panel.select(entry.message_hash)
    assert page.messages_panel.hash_view.value() == entry.message_hash
    assert page.messages_panel.hash_view.label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    detail = page.messages_panel.state.text()
    assert detail.startswith("Proposed — 0 of 2 signatures; asked for by Dana Ho (operations)")
    assert "Waiting for 2 more of: Alice Chan (officer), Ben Wong (officer), Carmen Lee" in detail
    assert not page.messages_panel.hint.isVisible()  # nothing to write yet
    assert not page.messages_panel.export_button.isEnabled()

    dialog = open_review(qtbot, page, entry.message_hash)
    view = dialog.view
    assert view is not None
    assert dialog.title.text() == f"Holding statement for {CLIENT_VAULT}"
    assert dialog.state.text() == "Proposed — 0 of 2 signatures"
    assert demo[CLIENT_VAULT] in dialog.about.vault.text() and "2 of 3 owners" in dialog.about.vault.text()
    assert dialog.about.proposer.text().startswith("Dana Ho (operations)")
    assert "the proposal record is signed by this key" in dialog.about.proposer.text()
    # No blind signing: the hash approve() gets is the one on screen, chunked as the core chunks it; the digest too.
    assert dialog.displayed_hash == entry.message_hash
    assert dialog.hashes.message_hash.label.text() == chunk_hex(entry.message_hash, per_line=8)
    assert dialog.hashes.digest.value() == entry.digest
    # Every field of the typed data, one line each, as plain text.
    assert isinstance(dialog.words.text, QPlainTextEdit)
    lines = dialog.words.lines()
    assert lines == list(entry.words)
    assert f"account: {demo[INVESTOR]}" in lines
    assert any(line.startswith("blockNumber: ") and line.split(": ")[1].isdigit() for line in lines)
    assert any(line.startswith("holdings: ") for line in lines)
    # Only this profile's keys that own the vault (Dana and the issuer agent own none of it).
    offered = [dialog.key_choice.itemData(i) for i in range(dialog.key_choice.count())]
    assert offered == [demo[ALICE], demo[BEN], demo[CARMEN]]
    assert dialog.signatures.none.isVisible() and not dialog.signatures.table.isVisible()
    assert dialog.signatures.waiting.text().startswith("Waiting for 2 more of:")
    assert not dialog.submit_button.isEnabled()  # no password yet

    approve(qtbot, dialog, demo[ALICE], DEMO_PASSWORD, succeeds=True)
    assert dialog.outcome.isVisible()
    assert dialog.outcome.text().startswith("Approved by Alice Chan (officer)")
    assert dialog.outcome.text().endswith("1 of 2 signatures.")
    assert dialog.state.text() == "Approving — 1 of 2 signatures"
    assert dialog.password.text() == ""
    assert demo[ALICE] not in [dialog.key_choice.itemData(i) for i in range(dialog.key_choice.count())]
    signature_rows = dialog.signatures.model.rows()
    assert [r.texts[SignatureColumn.COUNTS] for r in signature_rows] == ["counts"]
    assert signature_rows[0].texts[SignatureColumn.SIGNER].startswith("Alice Chan (officer)")
    core = demo.services.messages.entry(entry.message_hash)
    assert core.valid_signatures == 1 and core.signers == (demo[ALICE],)

    # A wrong password: said in the dialog, the key stays chosen, nothing else changes.
    approve(qtbot, dialog, demo[BEN], "not the password", succeeds=False)
    assert dialog.error.isVisible() and dialog.error.text().startswith("Not approved: ")
    assert "password" in dialog.error.text().lower()
    assert dialog.key_choice.currentData() == demo[BEN]
    assert dialog.password.text() == ""
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    assert dialog.state.text().endswith("1 of 2 signatures")
    assert demo.services.messages.entry(entry.message_hash).valid_signatures == 1

    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.reject()
    qtbot.waitUntil(lambda: row_texts(page, entry.message_hash)[MessageColumn.SIGNATURES] == "1 of 2 signatures",
                    timeout=WAIT)
    assert row_texts(page, entry.message_hash)[MessageColumn.STATE] == "Approving"

    # The vault filter applies to the messages too.
    page.set_vaults(demo.services.vaults.fetch_vaults())  # as the window tells it
    page.vault_filter.setCurrentIndex(page.vault_filter.findData(demo[TREASURY]))
    assert page.messages_panel.model.rowCount() == 0
    assert page.messages_panel.message.text() == "No Safe message is queued for this vault."
    page.vault_filter.setCurrentIndex(0)
    assert page.messages_panel.model.index_of(entry.message_hash).isValid()


def test_an_edited_message_is_quarantined_and_cannot_be_approved(qtbot: QtBot, runner: TaskRunner,
                                                                 demo: Demo) -> None:
    entry = ask_statement(demo, KOWLOON)
    typed = json.loads(entry.item.typed_data)
    typed["message"]["blockNumber"] = int(typed["message"]["blockNumber"]) + 1  # another block, the key kept
    assert sql(demo, "UPDATE queue_messages SET typed_data = :t WHERE message_hash = :h",
               t=json.dumps(typed, sort_keys=True, separators=(",", ":")), h=entry.message_hash) == 1
    page = open_page(qtbot, runner, demo)
    texts = row_texts(page, entry.message_hash)
    assert texts[MessageColumn.STATE] == "QUARANTINED"
    assert texts[MessageColumn.SIGNATURES].startswith("none counted (quarantined")
    model = page.messages_panel.model
    index = model.index(model.index_of(entry.message_hash).row(), MessageColumn.STATE)
    assert index.data(Qt.ItemDataRole.FontRole).bold()
    assert "quarantined" in page.messages_panel.summary.text()

    assert page.messages_panel.select(entry.message_hash)
    assert not page.messages_panel.approve_button.isEnabled()
    assert "Quarantined" in page.messages_panel.approve_button.toolTip()
    warnings = [label.text() for label in page.messages_panel.warning_labels]
    assert any(w.startswith("Quarantined: its typed data hashes to") for w in warnings)
    assert all(label.tone == "bad" for label in page.messages_panel.warning_labels)

    # Review… still shows it, with the reason instead of a key.
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as opened:
        qtbot.mouseClick(page.messages_panel.review_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    assert dialog.state.text().startswith("QUARANTINED")
    assert dialog.action_note.isVisible() and dialog.action_note.text().startswith("It is quarantined")
    assert not dialog.key_row.isVisible() and dialog.key_choice.count() == 0
    assert not dialog.submit_button.isEnabled()
    assert any(label.text().startswith("Quarantined:") for label in dialog.warning_labels)
    dialog.reject()


def test_a_signed_statement_is_exported_once_and_logged(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                          tmp_path: Path) -> None:
    entry = ask_statement(demo, LION_ROCK)
    for owner in (ALICE, CARMEN):
        demo.services.messages.approve_with(entry.message_hash, demo.signer(owner))
    page = open_page(qtbot, runner, demo)
    texts = row_texts(page, entry.message_hash)
    assert texts[MessageColumn.STATE] == "Signed by the quorum"
    assert texts[MessageColumn.SIGNATURES] == "2 of 2 signatures"
    assert page.messages_panel.select(entry.message_hash)
    hint = page.messages_panel.hint
    assert hint.isVisible()
    assert hint.text() == f"Write it with: custos statement --signed {entry.message_hash} --out FILE.json"
    assert not page.messages_panel.approve_button.isEnabled()  # it takes no more signatures
    assert page.messages_panel.export_button.isEnabled()

    target = tmp_path / "signed.json"
    page.message_section.ask_save_json = lambda _parent, _suggested: str(target)
    with qtbot.waitSignal(page.message_section.sig_exported, timeout=WAIT) as written:
        qtbot.mouseClick(page.messages_panel.export_button, Qt.MouseButton.LeftButton)
    assert written.args == [str(target)]
    bundle = json.loads(target.read_text(encoding="utf-8"))
    signed = bundle["signatures"][0]  # the core's bundle, with the vault's signatures
    assert signed["safe_message_hash"] == entry.message_hash and signed["vault"] == demo[CLIENT_VAULT]
    assert sorted(s["owner"] for s in signed["signatures"]) == sorted([demo[ALICE], demo[CARMEN]])
    assert page.messages_panel.result.text() == f"Signed statement written to {target}."
    logged = demo.services.audit.load_entries(action="export", limit=5)
    assert any('"signed holding statement"' in e.detail and entry.message_hash in e.detail for e in logged)
    from datetime import timedelta

    from wallet_app.compliance.issued import IssuedDocuments

    now = datetime.now(UTC)
    kept = IssuedDocuments(demo.services.audit.engine, demo.services.profile.config.chain_id).between(
        now - timedelta(hours=1), now + timedelta(hours=1))
    assert [d.content for d in kept if entry.message_hash in d.subject] == [target.read_bytes()]  # kept as issued

    # Never over an existing file.
    before = target.read_bytes()
    page.messages_panel.export_button.click()
    assert page.messages_panel.result.text().startswith(f"Not written: {target} already exists")
    assert target.read_bytes() == before


def test_typed_data_text_is_shown_as_plain_text(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    typed = {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                  "Note": [{"name": "text", "type": "string"}]},
        "primaryType": "Note",
        "domain": {"name": "<i>Custos</i>", "chainId": demo.profile.config.chain_id},
        "message": {"text": "<b>Pay</b> \u202eevil"},
    }
    entry = demo.services.messages.propose_with(demo[CLIENT_VAULT], "note", typed, "", demo.signer(DANA))
    page = open_page(qtbot, runner, demo)
    assert row_texts(page, entry.message_hash)[MessageColumn.KIND] == "note"
    dialog = open_review(qtbot, page, entry.message_hash)
    assert "text: <b>Pay</b> <U+202E>evil" in dialog.words.lines()
    assert dialog.words.lines()[0].startswith("Note for name <i>Custos</i>")
    labels = page.findChildren(QLabel) + dialog.findChildren(QLabel)  # E2: never rich text, never a link
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert dialog.hint.text() == ""  # only a holding statement is written with `custos statement`
    dialog.reject()


def test_without_the_message_queue_the_section_stays_hidden(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    page = open_page(qtbot, runner, demo, messages=False)
    assert not page.messages_panel.isVisible()
    assert page.open_message_review("0x" + "00" * 32) is None



# -- Sign offline… ------------------------------------------------------------------------------------------------
# Qt Multimedia's FFmpeg backend warns about optional acceleration libraries it cannot load on this machine; this
# marker takes the place of the offscreen plugin's one (tests/ui/conftest.py), so it repeats that too.
OFFLINE_LOG = pytest.mark.qt_log_ignore(r"^Couldn't (load|resolve) ",
                                        r"^This plugin does not support (propagateSizeHints|raise)\(\)$")


def offline_page(qtbot: QtBot, runner: TaskRunner, demo: Demo, message_hash: str) -> ApprovalsPage:
    """The page as the window wires it with the core's offline requests too (ui/queue_wiring.py), the message
    selected."""
    from ui.dialogs.offline_answer import offline_sources

    services = demo.services
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.offline.attach(offline_sources(services))
    page.attach(services.queue, runner, sources_from_services(services))
    page.attach_messages(services.messages, proofs=services.proofs, audit=services.audit)
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: page.message_section.state is not None and not page.loading, timeout=WAIT)
    assert page.messages_panel.select(message_hash)
    return page


def read_request_frames(qtbot: QtBot, qr: Any, folder: Path) -> Any:
    """The frames the dialog's AnimatedQr plays, stepped one by one into a RequestReader until the request is
    complete; the first one is also read back from the image drawn (zxing-cpp)."""
    from ui.widgets.proof_qr import read_qr_texts
    from wallet_app.offline.transport import RequestReader

    qr.pause()
    reader = RequestReader()
    for number in range(20 * max(qr.cycle_length, 1)):
        qtbot.waitUntil(qr.step, timeout=WAIT)
        if number == 0:
            path = folder / "frame-0.png"
            assert qr.current_image().save(str(path))
            assert read_qr_texts(path) == [qr.current_text()]
        reader.receive(qr.current_text())
        if reader.is_complete:
            return reader.result()
    raise AssertionError(f"{reader.progress:.0%} after {reader.frames_read} frames")


@OFFLINE_LOG
def test_sign_offline_makes_a_request_of_the_safe_message_and_imports_its_answer(qtbot: QtBot, runner: TaskRunner,
                                                                                 demo: Demo, tmp_path: Path) -> None:
    """Sign offline… of a holding statement's Safe message: the owners who have not signed, the statement in words,
    the SafeMessage hash lines the offline signer prints (K6) and no chain-facts line; the animated request decodes
    into a MessageCheck of that hash, and Carmen's signature of it imports as the message's next signature."""
    import os

    from tests.ui.test_offline_request_ui import answer_file, eip712_digest, import_from_file, signed_answer
    from ui.dialogs.offline_request_dialog import MESSAGE_INTRO, OfflineRequestDialog
    from ui.models.queue_rows import plain
    from wallet_app.offline.online_check import MessageCheck
    from wallet_app.offline.rendering import MESSAGE_NAMES, compare_instruction, hash_lines

    messages = demo.services.messages
    entry = ask_statement(demo)
    message_hash = entry.message_hash
    before = messages.entry(message_hash).valid_signatures
    page = offline_page(qtbot, runner, demo, message_hash)
    button = page.messages_panel.offline_button
    assert button.isVisible() and button.isEnabled() and button.text() == "Sign offline…"
    if os.environ.get("CUSTOS_SHOTS"):
        qtbot.wait(50)  # the selection's details laid out
        assert page.grab().save(str(Path(os.environ["CUSTOS_SHOTS"]) / "light_approvals_message_offline.png"))
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as opened:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert isinstance(dialog, OfflineRequestDialog) and page.dialog is dialog
    assert dialog.for_message and dialog.subject_hash == message_hash
    assert not button.isEnabled() and not page.messages_panel.approve_button.isEnabled()  # one dialog at a time
    qtbot.waitUntil(lambda: dialog.owner.count() > 0 and not dialog.busy, timeout=WAIT)
    assert {dialog.owner.itemData(i) for i in range(dialog.owner.count())} == set(entry.owners) - set(entry.signers)
    assert dialog.heading.text().startswith(f"Holding statement for {CLIENT_VAULT}")
    assert f"{before} of {entry.threshold} signatures" in dialog.heading.text() and "nonce" not in dialog.heading.text()
    assert dialog.statement_lines() == [plain(line) for line in entry.words] and len(entry.words) > 2
    assert dialog.intro.text() == MESSAGE_INTRO

    dialog.owner.setCurrentIndex(dialog.owner.findData(demo[CARMEN]))
    with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT) as shown:
        dialog.make_button.click()
    sent = shown.args[0]
    assert dialog.made is not None and dialog.made.sent is sent
    assert sent.block_number is None and sent.subject_hash == message_hash
    assert "0x" + sent.hashes.safe_tx_hash.hex() == message_hash.lower()
    # K6: the domain hash, struct hash and SafeMessage hash in the offline signer's lines, and its instruction.
    assert dialog.hash_lines_shown() == hash_lines(sent.hashes, MESSAGE_NAMES)
    assert dialog.hash_lines_shown()[4].startswith("SafeMessage ")
    assert dialog.instruction.text() == compare_instruction("SafeMessage hash")
    assert dialog.checked.isHidden() and "checked online" not in dialog.checked.text()
    assert str(sent.sign_request.request_id) in dialog.request_id.text()

    read = read_request_frames(qtbot, dialog.qr, tmp_path)
    assert read.sign_request.request_id == sent.sign_request.request_id
    assert isinstance(read.check, MessageCheck)
    assert "0x" + read.check.message_hash.hex() == message_hash.lower()
    assert read.check.safe == entry.item.safe and read.check.statement == entry.item.typed()
    typed = json.loads(read.sign_request.sign_data)
    assert "0x" + eip712_digest(typed).hex() == message_hash.lower()  # the typed data is the SafeMessage's
    assert "0x" + read.sign_request.address.hex() == demo[CARMEN].lower()

    good = signed_answer(demo, CARMEN, sent.sign_request.request_id, message_hash)
    answer = dialog.import_answer()
    assert answer is not None
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT) as changed:
        outcome, _words = import_from_file(qtbot, answer, answer_file(tmp_path / "answer.txt", good))
    assert outcome == "imported" and changed.args == [message_hash]
    assert dialog.outcome.text().startswith(f"The offline signature was imported: {before + 1} of "
                                            f"{entry.threshold} signatures (")
    assert dialog.outcome.tone == "good" and not dialog.import_button.isEnabled()
    now = messages.entry(message_hash)
    assert now.valid_signatures == before + 1 and demo[CARMEN] in now.signers
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.reject()
    qtbot.waitUntil(lambda: page.dialog is None and not page.loading and not runner.in_flight, timeout=WAIT)
    assert row_texts(page, message_hash)[MessageColumn.SIGNATURES] == f"{before + 1} of {entry.threshold} signatures"
    assert page.messages_panel.select(message_hash) and button.isEnabled() == (now.state == "proposed")


def test_sign_offline_is_offered_for_a_message_only_with_offline_requests(qtbot: QtBot, runner: TaskRunner,
                                                                          demo: Demo) -> None:
    entry = ask_statement(demo)
    page = open_page(qtbot, runner, demo)  # no offline requests attached
    assert page.messages_panel.select(entry.message_hash)
    assert page.messages_panel.offline_button.isHidden()
    assert page.message_section.open_offline(entry.message_hash) is None and page.dialog is None

    other = offline_page(qtbot, runner, demo, entry.message_hash)
    panel = other.messages_panel
    assert panel.offline_button.isEnabled()
    panel.table.clearSelection()
    assert not panel.offline_button.isEnabled()  # nothing selected
    other.detach()
    assert panel.offline_button.isHidden()


@OFFLINE_LOG
def test_the_message_request_in_a_light_and_a_dark_palette(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                           tmp_path: Path) -> None:
    """The message's request dialog at its normal size: the code grabbed from the screen still reads and no hash line
    is cut, in either palette. CUSTOS_SHOTS=DIR keeps the PNGs."""
    import os

    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from tests.ui.make_shots import dark_palette
    from ui.dialogs.offline_answer import offline_sources
    from ui.dialogs.offline_request_dialog import OfflineRequestDialog
    from ui.widgets.proof_qr import read_qr_texts

    out = Path(os.environ.get("CUSTOS_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = QPalette(app.palette())
    entry = ask_statement(demo)
    try:
        for name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
            app.setPalette(palette)
            dialog = OfflineRequestDialog(runner=runner, sources=sources_from_services(demo.services),
                                          offline=offline_sources(demo.services), messages=demo.services.messages,
                                          message_hash=entry.message_hash)
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitUntil(lambda d=dialog: d.owner.count() > 0 and not d.busy, timeout=WAIT)
            dialog.owner.setCurrentIndex(dialog.owner.findData(demo[CARMEN]))
            assert dialog.grab().save(str(out / f"{name}_offline_message_owner.png"))
            with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT):
                dialog.make_button.click()
            dialog.qr.pause()
            qtbot.waitUntil(dialog.qr.step, timeout=WAIT)
            qtbot.wait(50)
            shot = out / f"{name}_offline_message_request.png"
            assert dialog.grab().save(str(shot))
            assert read_qr_texts(shot) == [dialog.qr.current_text()]
            metrics = dialog.hash_text.fontMetrics()
            widths = [metrics.horizontalAdvance(line) for line in dialog.hash_lines_shown()]
            assert max(widths) <= dialog.hash_text.width()  # no hash line is cut
            assert dialog.statement_box.isVisible() and dialog.checked.isHidden()
            dialog.hide()
    finally:
        app.setPalette(original)
