"""The offline signer's Cold vaults tab and its key ceremony dialog, on a real offline signer profile: a ceremony
driven as officers would (label, K of N, the holders and how each takes their share), with share files written off
the GUI thread, with one holder's words at a time shown full size after they step up and hidden before the next,
and a ceremony cancelled midway that keeps nothing. Share files at scrypt n=2^14 (the production 2^18 is covered by
tests/integration/test_cold_cli.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui import cold_fixtures
from tests.ui.cold_fixtures import LEFT, WAIT_MS
from ui.offline import work
from ui.offline.cold_ceremony_dialog import ColdCeremonyDialog
from ui.offline.cold_delivery import FILE, WORDS, WordsTurn
from ui.offline.cold_page import ColdColumn
from ui.offline.window import OfflineSignerWindow
from ui.tasks import TaskRunner
from wallet_app.audit.actions import COLD_CREATE
from wallet_app.cold.ceremony import ShareFileWriter, create_cold_vault
from wallet_app.cold.opening import EncryptedShare, ShareWords, open_cold_key
from wallet_app.cold.shares import share_info
from wallet_app.cold.signer_setup import cold_store
from wallet_app.config import ProfileConfig
from wallet_app.profiles import create_profile

CHAIN_ID = 1770177
HOLDERS = ("Alice Chan", "Ben Wong", "Carol Ho")
PASSPHRASES = ("alice-passphrase", "ben-passphrase", "carol-passphrase")


fast_scrypt = cold_fixtures.fast_scrypt


@pytest.fixture
def home(tmp_path: Path) -> Path:
    create_profile(tmp_path / "home", ProfileConfig(name="signer", network="devnet", chain_id=CHAIN_ID,
                                                    offline=True)).close()
    return tmp_path / "home"


@pytest.fixture
def context(home: Path) -> Iterator[work.SignerContext]:
    opened = work.open_signer(home, "signer")
    yield opened
    opened.close()


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, context: work.SignerContext) -> Iterator[OfflineSignerWindow]:
    yield from cold_fixtures.attached_window(qtbot, runner, context)


def open_dialog(qtbot: QtBot, window: OfflineSignerWindow) -> ColdCeremonyDialog:
    window.pages.setCurrentWidget(window.cold_page)
    with qtbot.waitSignal(window.cold_page.sig_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(window.cold_page.new_button, LEFT)
    dialog = opened.args[0]
    assert isinstance(dialog, ColdCeremonyDialog) and dialog.isVisible()
    return dialog


def fill(qtbot: QtBot, dialog: ColdCeremonyDialog, ways: tuple[str, ...], folder: Path | None, *,
         label: str = "Client cold", threshold: int = 2) -> None:
    """The vault step, then the holders step, as an officer types them."""
    qtbot.keyClicks(dialog.label, label)
    dialog.share_count.setValue(len(ways))
    dialog.threshold.setValue(threshold)
    assert f"Any {threshold} of the {len(ways)} officers" in dialog.quorum_text.text()
    qtbot.mouseClick(dialog.next_button, LEFT)
    assert dialog.pages.currentWidget() is dialog.holders and len(dialog.holders.rows) == len(ways)
    assert not dialog.next_button.isEnabled()  # nobody named yet
    for row, name, way, passphrase in zip(dialog.holders.rows, HOLDERS, ways, PASSPHRASES, strict=False):
        qtbot.keyClicks(row.name, name)
        row.delivery.setCurrentIndex(row.delivery.findData(way))
        if way == FILE:
            assert row.passphrase.isEnabled()
            qtbot.keyClicks(row.passphrase, passphrase)
            qtbot.keyClicks(row.confirm, passphrase)
        else:
            assert not row.passphrase.isEnabled()
    assert dialog.holders.folder_row.isVisibleTo(dialog) == (FILE in ways)
    if folder is not None:
        dialog.holders.folder.setText(str(folder))
    assert dialog.holders.problem() == "", dialog.holders.problem()
    assert dialog.next_button.isEnabled() and "Start the ceremony" in dialog.next_button.text()


def test_the_ceremony_writes_encrypted_share_files_and_the_tab_lists_the_vault(
        qtbot: QtBot, window: OfflineSignerWindow, context: work.SignerContext, tmp_path: Path) -> None:
    assert window.cold_page.stack.currentWidget() is window.cold_page.message  # no cold vault yet
    folder = tmp_path / "usb"
    folder.mkdir()
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, (FILE, FILE, FILE), folder)
    # A passphrase typed differently the second time keeps the ceremony from starting.
    qtbot.keyClicks(dialog.holders.rows[1].confirm, "x")
    assert "Ben Wong's passphrase and its repetition differ" in dialog.holders.problem()
    assert not dialog.next_button.isEnabled()
    dialog.holders.rows[1].confirm.setText(PASSPHRASES[1])
    with qtbot.waitSignal(dialog.sig_finished_ceremony, timeout=WAIT_MS) as finished, \
            qtbot.waitSignal(window.cold_page.sig_vaults_shown, timeout=WAIT_MS) as listed:
        qtbot.mouseClick(dialog.next_button, LEFT)
        assert dialog.pages.currentIndex() == 2  # the ceremony step at once; the files are written off this thread
    assert finished.args == ["created"] and listed.args == [1]
    result = dialog.result_value
    assert result is not None and dialog.pages.currentIndex() == 3
    vault = result.vault
    assert dialog.done_address.text() == vault.address
    assert f"Share set {vault.active.identifier}: any 2 of the 3 shares sign" in dialog.done_text.text()
    assert "Share 2 · Ben Wong: encrypted share file → " in dialog.done_text.text()
    assert dialog.progress.value() == 3
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["1-of-3-alice-chan.custos-share", "2-of-3-ben-wong.custos-share", "3-of-3-carol-ho.custos-share"]
    assert all(not row.passphrase.text() for row in dialog.holders.rows)  # wiped
    # The shares written open the vault: any two of them rebuild its key.
    shares = [EncryptedShare((folder / files[i]).read_bytes(), PASSPHRASES[i], files[i]) for i in (0, 2)]
    with open_cold_key(vault, shares) as key:
        assert key.address == vault.address
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: window.cold_page.dialog is None, timeout=WAIT_MS)
    # The tab lists it with its share set and holders.
    page = window.cold_page
    assert page.stack.currentWidget() is page.table and page.model.rowCount() == 1
    texts = [page.model.index(0, c).data() for c in ColdColumn]
    assert texts[ColdColumn.LABEL] == "Client cold" and texts[ColdColumn.ADDRESS] == vault.address
    assert texts[ColdColumn.SHARE_SET] == str(vault.active.identifier) and texts[ColdColumn.QUORUM] == "2 of 3"
    assert texts[ColdColumn.HOLDERS] == "1. Alice Chan (file), 2. Ben Wong (file), 3. Carol Ho (file)"
    assert "2. Ben Wong (encrypted share file)" in page.model.index(0, ColdColumn.HOLDERS).data(
        Qt.ItemDataRole.ToolTipRole)
    assert texts[ColdColumn.PENDING] == "—"
    assert f"Share set {vault.active.identifier} · in use · 2 of 3 needed" in page.details.text()
    assert vault.address in page.status.text()
    assert [e.action for e in context.signer.audit.load_entries()].count(COLD_CREATE) == 1


def test_words_are_shown_to_one_holder_at_a_time_after_they_step_up(
        qtbot: QtBot, window: OfflineSignerWindow, context: work.SignerContext, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, (WORDS, FILE, WORDS), folder)
    view = dialog.words
    read: dict[str, str] = {}
    turns: list[WordsTurn] = []
    ended: list[str] = []
    dialog.sig_words_shown.connect(turns.append)
    dialog.sig_finished_ceremony.connect(ended.append)
    qtbot.mouseClick(dialog.next_button, LEFT)
    for number, expected in enumerate(("Alice Chan", "Carol Ho"), start=1):
        qtbot.waitUntil(lambda n=number: len(turns) == n, timeout=WAIT_MS)
        assert turns[-1].holder == expected and turns[-1].number == (1 if number == 1 else 3)
        # The holder is named; the words stay hidden until they step up.
        assert view.currentWidget() is view.ready_page and view.shown_words() == []
        assert f"Only {expected} should see this screen now" in view.ready_text.text()
        qtbot.mouseClick(view.show_button, LEFT)
        assert view.currentWidget() is view.words_page
        words = view.shown_words()
        assert len(words) == 33 and share_info(" ".join(words)).threshold == 2
        assert all(not label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
                   for label in view.word_labels)
        read[expected] = " ".join(words)
        qtbot.mouseClick(view.written_button, LEFT)
        assert view.shown_words() == [] and not view.isVisible()  # hidden before the next holder steps up
    qtbot.waitUntil(lambda: ended == ["created"], timeout=WAIT_MS)
    result = dialog.result_value
    assert result is not None
    assert [h.delivery for h in result.share_set.holders] == ["words", "file", "words"]
    assert sorted(p.name for p in folder.iterdir()) == ["2-of-3-ben-wong.custos-share"]
    assert "Share 1 · Alice Chan: shown once as words" in dialog.done_text.text()
    # The words shown were the shares: Alice's and Carol's rebuild the vault's key.
    with open_cold_key(result.vault, [ShareWords(read["Alice Chan"]), ShareWords(read["Carol Ho"])]) as key:
        assert key.address == result.vault.address


def test_a_ceremony_cancelled_midway_keeps_nothing(
        qtbot: QtBot, window: OfflineSignerWindow, context: work.SignerContext, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, (FILE, WORDS, FILE), folder)
    with qtbot.waitSignal(dialog.sig_words_shown, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.next_button, LEFT)
    assert [p.name for p in folder.iterdir()] == ["1-of-3-alice-chan.custos-share"]  # Alice's file came first
    qtbot.mouseClick(dialog.words.show_button, LEFT)
    assert len(dialog.words.shown_words()) == 33
    with qtbot.waitSignal(dialog.sig_finished_ceremony, timeout=WAIT_MS) as finished, \
            qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        assert dialog.cancel_button.text() == "Cancel the ceremony"
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        assert dialog.words.shown_words() == []  # hidden at once
    assert finished.args == ["cancelled"]
    assert list(folder.iterdir()) == []  # the file written is removed
    assert cold_store(context.profile).load_all() == []
    assert COLD_CREATE not in [e.action for e in context.signer.audit.load_entries()]
    qtbot.waitUntil(lambda: window.cold_page.dialog is None, timeout=WAIT_MS)


def test_a_ceremony_that_fails_says_why_and_lets_the_officers_fix_it(
        qtbot: QtBot, window: OfflineSignerWindow, context: work.SignerContext, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "2-of-2-ben-wong.custos-share").write_text("{}")  # in the way: never overwritten
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, (FILE, FILE), folder)
    with qtbot.waitSignal(dialog.sig_finished_ceremony, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(dialog.next_button, LEFT)
    assert finished.args == ["failed"]
    assert dialog.pages.currentWidget() is dialog.holders and dialog.holders.isEnabled()
    assert "2-of-2-ben-wong.custos-share exists" in dialog.error.text()
    assert sorted(p.name for p in folder.iterdir()) == ["2-of-2-ben-wong.custos-share"]
    assert cold_store(context.profile).load_all() == []
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    qtbot.waitUntil(lambda: window.cold_page.dialog is None, timeout=WAIT_MS)


def test_the_tab_shows_a_vault_with_a_reshare_waiting(
        qtbot: QtBot, runner: TaskRunner, home: Path, tmp_path: Path) -> None:
    from wallet_app.cold.ceremony import reshare

    folder, again = tmp_path / "shares", tmp_path / "again"
    folder.mkdir()
    again.mkdir()
    opened = work.open_signer(home, "signer")
    try:
        store = cold_store(opened.profile)
        vault = create_cold_vault(store, label="Treasury cold", threshold=2, holders=HOLDERS,
                                  deliver=ShareFileWriter(folder, PASSPHRASES)).vault
        files = sorted(folder.iterdir())
        shares = [EncryptedShare(files[i].read_bytes(), PASSPHRASES[i], files[i].name) for i in (0, 1)]
        reshare(store, vault.address, shares, threshold=2, holders=("Ben Wong", "Dana Lee"),
                deliver=ShareFileWriter(again, ("ben-new-passphrase", "dana-passphrase")))
        shown = OfflineSignerWindow(profile_name="signer")
        qtbot.addWidget(shown)
        with qtbot.waitSignal(shown.cold_page.sig_vaults_shown, timeout=WAIT_MS) as listed:
            shown.attach(opened, runner)
        assert listed.args == [1]
        model = shown.cold_page.model
        pending = shown.cold_page.model.vault_at(0).pending  # type: ignore[union-attr]
        assert pending is not None
        assert model.index(0, ColdColumn.PENDING).data() == (f"set {pending.identifier}, 2 of 2: waiting for "
                                                               "confirmation")
        details = shown.cold_page.details.text()
        assert "pending (a reshare waiting for confirmation)" in details and "2. Dana Lee (encrypted share file)" \
            in details
        shown.detach()
        qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT_MS)
    finally:
        opened.close()
