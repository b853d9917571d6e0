"""The Keys page and its dialogs, driven like a person would, against a fake key service of the core's exact shape.

Dialogs are opened with open() (window-modal, no nested event loop) and filled in with qtbot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.fakes import (
    DEMO_PASSWORD,
    HSM_PIN,
    OWNERS,
    WATCHED,
    FakeKeyService,
    FakeProfile,
    FakeServices,
    RecordingPresenter,
    builder,
    make_keys,
    opener,
)
from ui.dialogs.add_key_dialogs import CreateKeyDialog, ImportMnemonicDialog, ImportPrivateKeyDialog
from ui.dialogs.command_dialog import CommandDialog
from ui.dialogs.key_action_dialogs import DeleteKeyDialog, ExportBackupDialog
from ui.dialogs.unlock_dialog import UnlockDialog
from ui.main_window import MainWindow
from ui.models.keys_model import KeyColumn, KeysTableModel
from ui.pages.keys_page import CONNECTING_TEXT, QUORUM_NOTE, KeysPage
from ui.session import WalletSession
from ui.tasks import TaskRunner
from ui.widgets.secret_field import MISMATCH_TEXT
from wallet_app.errors import KeyringUnavailable, WrongPassword
from wallet_app.keys.signer import KeyKind
from wallet_app.keys.views import KeyView

PRIVATE_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
MNEMONIC = "test test test test test test test test test test test junk"
NEW_PASSWORD = "correct horse battery staple"


@dataclass
class KeysRig:
    page: KeysPage
    keys: FakeKeyService
    runner: TaskRunner
    presenter: RecordingPresenter
    qtbot: QtBot

    def states(self) -> list[str]:
        model = self.page.model
        return [model.data(model.index(r, KeyColumn.STATE)) for r in range(model.rowCount())]

    def column(self, column: KeyColumn) -> list[str]:
        model = self.page.model
        return [model.data(model.index(r, column)) for r in range(model.rowCount())]

    def select(self, address: str) -> None:
        assert self.page.select_address(address)

    def open(self, trigger: Callable[[], object]) -> CommandDialog:
        with self.qtbot.waitSignal(self.page.sig_dialog_opened, timeout=3000) as opened:
            trigger()
        dialog = opened.args[0]
        assert isinstance(dialog, CommandDialog) and dialog.isVisible()
        return dialog

    def submit(self, dialog: CommandDialog) -> None:
        assert dialog.submit_button.isEnabled()
        self.qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)

    def finish(self, dialog: CommandDialog) -> None:
        """Submit and wait until the dialog closed and the page read the keys again."""
        with self.qtbot.waitSignal(self.page.sig_keys_shown, timeout=5000):
            self.submit(dialog)
        assert not shiboken6.isValid(dialog) or not dialog.isVisible()

    def fail(self, dialog: CommandDialog) -> str:
        """Submit, expecting the core to refuse: the dialog stays open and says why."""
        self.submit(dialog)
        self.qtbot.waitUntil(lambda: dialog.error.isVisible() and not dialog.busy, timeout=5000)
        assert dialog.isVisible()
        return dialog.error.text()

    def wait_idle(self) -> None:
        self.qtbot.waitUntil(lambda: self.runner.in_flight == 0, timeout=5000)


@pytest.fixture
def keys_rig(qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter) -> Iterator[Callable[..., KeysRig]]:
    def make(keys: FakeKeyService | None = None, *, idle_check_ms: int = 60_000) -> KeysRig:
        service = keys or FakeKeyService()
        page = KeysPage()
        qtbot.addWidget(page)
        page.resize(1200, 700)
        page.show()
        qtbot.waitExposed(page)
        with qtbot.waitSignal(page.sig_keys_shown, timeout=3000):
            page.attach(service, runner, idle_check_ms=idle_check_ms)
        rigs.append(page)
        return KeysRig(page, service, runner, presenter, qtbot)

    rigs: list[KeysPage] = []
    yield make
    for page in rigs:
        if shiboken6.isValid(page):
            page.detach()
    runner.shutdown(timeout=3)


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    qtbot.keyClicks(field, text)


def visible_texts(secrets: list[str]) -> list[str]:
    """Every place a widget can show or expose a string, for every widget that exists now."""
    found: list[str] = []
    for widget in QApplication.allWidgets():
        texts = [widget.windowTitle(), widget.toolTip(), widget.accessibleName(), widget.statusTip()]
        if isinstance(widget, QLineEdit):
            texts += [widget.text(), widget.placeholderText(), widget.displayText()]
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        if isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        found += [t for t in texts if any(secret in t for secret in secrets)]
    return found


# -- the model ---------------------------------------------------------------------------------------------------
def test_keys_model_passes_the_model_tester(qtmodeltester: object) -> None:
    model = KeysTableModel()
    keys = make_keys()
    keys.append(KeyView("0x" + "ab" * 20, KeyKind.KEYSTORE, "Eve\u202eevil", False, False, ("Ops\u200b",)))
    model.set_keys(keys)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.set_keys([replace(k, unlocked=not k.unlocked) for k in keys])  # same rows: updated in place
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.set_keys(keys[:2])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.set_keys([])
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_untrusted_labels_show_their_hidden_characters() -> None:
    model = KeysTableModel()
    model.set_keys([KeyView("0x" + "ab" * 20, KeyKind.KEYSTORE, "Eve\u202eevil", False, False, ("Ops\u200b",))])
    assert model.data(model.index(0, KeyColumn.LABEL)) == "Eve<U+202E>evil"
    assert model.data(model.index(0, KeyColumn.OWNS)) == "Ops<U+200B>"


# -- the list ----------------------------------------------------------------------------------------------------
def test_the_list_shows_kind_address_vaults_and_state(keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    assert r.column(KeyColumn.LABEL) == [
        "Alice Chan (treasury officer)",
        "Bob Okafor (treasury officer)",
        "Vault HSM (slot 0)",
        "Auditor (watch-only)",
    ]
    assert r.column(KeyColumn.KIND) == ["Keystore", "Keystore", "HSM", "Watch-only"]
    assert r.column(KeyColumn.ADDRESS) == [*OWNERS, WATCHED]  # in full
    assert r.column(KeyColumn.OWNS) == ["Treasury, Operations", "Treasury, Operations", "Treasury", "—"]
    assert r.states() == ["Unlocked", "Locked · remembered on this device", "Locked", "Watch-only"]
    font = r.page.model.data(r.page.model.index(0, KeyColumn.ADDRESS), Qt.ItemDataRole.FontRole)
    assert font.styleHint() == font.StyleHint.Monospace
    assert r.page.idle_hint.text() == "Unlocked keys lock again after 15 minutes without use."
    assert r.keys.threads["load_keys"] != threading.get_ident()  # read off the GUI thread


def test_selected_address_is_copyable_in_full(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    r.select(OWNERS[2])
    assert r.page.details_address.address() == OWNERS[2]
    assert r.page.details_kind.text() == "HSM"
    assert r.page.details_owns.text() == "Treasury"
    r.page.table.setFocus()
    qtbot.keyClick(r.page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == OWNERS[2]


def test_actions_follow_the_selected_key(keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    p = r.page
    r.select(OWNERS[0])  # unlocked keystore
    assert not p.unlock_action.isEnabled() and p.lock_action.isEnabled() and p.export_action.isEnabled()
    r.select(OWNERS[1])  # locked keystore, remembered
    assert p.unlock_action.isEnabled() and not p.lock_action.isEnabled() and p.forget_action.isEnabled()
    r.select(OWNERS[2])  # HSM: no export, no password to change
    assert p.unlock_action.isEnabled() and not p.export_action.isEnabled()
    assert not p.change_password_action.isEnabled() and p.delete_action.isEnabled()


def test_a_watch_only_address_cannot_be_unlocked_or_exported(keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    r.select(WATCHED)
    p = r.page
    assert not p.unlock_action.isEnabled()
    assert not p.lock_action.isEnabled()
    assert not p.export_action.isEnabled()
    assert not p.change_password_action.isEnabled()
    assert p.delete_action.isEnabled()
    assert "cannot be unlocked or exported" in p.details_state.text()
    p.unlock_selected()  # even if asked (double click, another page): nothing happens
    p.export_backup()
    rect = p.table.visualRect(p.proxy.index(3, KeyColumn.LABEL))
    r.qtbot.mouseDClick(p.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    r.wait_idle()
    assert p.dialog is None
    assert "unlock" not in r.keys.calls and "unlock_from_keyring" not in r.keys.calls


# -- creating and importing ------------------------------------------------------------------------------------
def test_create_needs_two_matching_passwords(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    dialog = r.open(r.page.create_action.trigger)
    assert isinstance(dialog, CreateKeyDialog)
    type_into(qtbot, dialog.label, "Dana (new officer)")
    type_into(qtbot, dialog.passwords.password, NEW_PASSWORD)
    type_into(qtbot, dialog.passwords.confirm, NEW_PASSWORD + "!")
    assert not dialog.submit_button.isEnabled()
    assert dialog.passwords.mismatch.isVisible() and dialog.passwords.mismatch.text() == MISMATCH_TEXT
    qtbot.keyClick(dialog.passwords.confirm, Qt.Key.Key_Backspace)
    assert dialog.submit_button.isEnabled() and not dialog.passwords.mismatch.isVisible()
    assert dialog.passwords.password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.passwords.confirm.echoMode() == QLineEdit.EchoMode.Password
    r.finish(dialog)
    new = r.keys.keys[-1]
    assert new.label == "Dana (new officer)" and r.keys.secrets[new.address] == NEW_PASSWORD
    assert r.page.selected_key() is not None and r.page.selected_key().address == new.address
    assert "Added “Dana (new officer)” (Keystore)" in r.page.status.text()
    assert r.keys.threads["create_key"] != threading.get_ident()


def test_import_private_key_shows_the_core_message_and_keeps_the_input(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    r = keys_rig()
    dialog = r.open(r.page.import_key_action.trigger)
    assert isinstance(dialog, ImportPrivateKeyDialog)
    assert dialog.private_key.echoMode() == QLineEdit.EchoMode.Password
    type_into(qtbot, dialog.private_key, PRIVATE_KEY[:-2])  # two digits short
    type_into(qtbot, dialog.label, "Imported")
    type_into(qtbot, dialog.passwords.password, NEW_PASSWORD)
    type_into(qtbot, dialog.passwords.confirm, NEW_PASSWORD)
    assert r.fail(dialog) == "The private key must be 64 hex digits"
    assert dialog.private_key.text() == PRIVATE_KEY[:-2]  # intact, to be corrected
    assert dialog.label.text() == "Imported" and dialog.passwords.password.text() == NEW_PASSWORD
    assert dialog.private_key.isEnabled()
    type_into(qtbot, dialog.private_key, PRIVATE_KEY[-2:])
    r.finish(dialog)
    assert r.keys.keys[-1].label == "Imported"
    assert r.presenter.calls == []  # the refusal was said in the dialog, not in a second box


def test_import_mnemonic_with_a_derivation_path(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    dialog = r.open(r.page.import_mnemonic_action.trigger)
    assert isinstance(dialog, ImportMnemonicDialog)
    assert dialog.mnemonic.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.path.text() == "m/44'/60'/0'/0/0"
    type_into(qtbot, dialog.mnemonic, " ".join(MNEMONIC.split()[:11]))
    assert dialog.words.text() == "11 words"
    type_into(qtbot, dialog.label, "From the phrase")
    type_into(qtbot, dialog.passwords.password, NEW_PASSWORD)
    type_into(qtbot, dialog.passwords.confirm, NEW_PASSWORD)
    assert r.fail(dialog) == "A recovery phrase has 12, 15, 18, 21 or 24 words"
    type_into(qtbot, dialog.mnemonic, " junk")
    dialog.path.setText("m/44'/60'/0'/0/7")
    r.finish(dialog)
    assert r.keys.mnemonic_paths == ["m/44'/60'/0'/0/7"]
    assert r.keys.keys[-1].label == "From the phrase"


def test_add_watch_only_address_and_a_bad_one(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig(FakeKeyService(make_keys()[:3]))
    dialog = r.open(r.page.add_watch_action.trigger)
    type_into(qtbot, dialog.address, "0x1234")  # type: ignore[attr-defined]
    type_into(qtbot, dialog.label, "Partner")  # type: ignore[attr-defined]
    assert "is not an address" in r.fail(dialog)
    dialog.address.setText(WATCHED)  # type: ignore[attr-defined]
    r.finish(dialog)
    assert r.column(KeyColumn.KIND)[-1] == "Watch-only"
    assert r.states()[-1] == "Watch-only"


def test_add_hsm_key_with_a_wrong_pin_then_the_right_one(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    dialog = r.open(r.page.add_hsm_action.trigger)
    dialog.module.setText("/usr/lib/softhsm/libsofthsm2.so")  # type: ignore[attr-defined]
    dialog.token.setText("custos")  # type: ignore[attr-defined]
    dialog.key_label.setText("officer-2")  # type: ignore[attr-defined]
    dialog.label.setText("Second HSM key")  # type: ignore[attr-defined]
    dialog.generate.setChecked(True)  # type: ignore[attr-defined]
    type_into(qtbot, dialog.pin, "0000")  # type: ignore[attr-defined]
    assert r.fail(dialog) == "The token refused the PIN"
    dialog.pin.setText(HSM_PIN)  # type: ignore[attr-defined]
    r.finish(dialog)
    assert r.column(KeyColumn.KIND)[-1] == "HSM"


# -- unlocking -------------------------------------------------------------------------------------------------
def open_unlock(r: KeysRig, address: str) -> UnlockDialog:
    r.select(address)
    dialog = r.open(r.page.unlock_action.trigger)
    assert isinstance(dialog, UnlockDialog)
    return dialog


def test_unlock_runs_off_the_gui_thread_and_the_window_keeps_turning(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    r = keys_rig(FakeKeyService(unlock_delay=0.6))
    dialog = open_unlock(r, OWNERS[2])
    assert dialog.key_name.text() == "Vault HSM (slot 0)"
    assert dialog.key_address.text() == OWNERS[2]
    assert dialog.secret.echoMode() == QLineEdit.EchoMode.Password
    assert "PIN" in dialog.intro.text()
    type_into(qtbot, dialog.secret, HSM_PIN)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(r.page.sig_key_unlocked, timeout=5000) as unlocked:
        r.submit(dialog)
        assert dialog.busy and dialog.busy_row.isVisible()
        assert not dialog.submit_button.isEnabled() and not dialog.cancel_button.isEnabled()
        assert dialog.secret.text() == ""  # read into the command, wiped from the field
    timer.stop()
    assert unlocked.args == [OWNERS[2]]
    assert time.perf_counter() - started >= 0.6
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert max(gaps) < 0.15, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
    assert r.keys.threads["unlock"] != threading.get_ident()
    qtbot.waitUntil(lambda: r.states()[2] == "Unlocked", timeout=3000)
    assert r.keys.remember_flags == [False]


def test_wrong_password_is_said_in_the_dialog_then_the_right_one_unlocks(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    r = keys_rig(FakeKeyService(unlock_delay=0.05))
    dialog = open_unlock(r, OWNERS[1])
    type_into(qtbot, dialog.secret, "not the password")
    message = r.fail(dialog)
    assert message == WrongPassword("Wrong password. Wait a moment before trying again.").user_message
    assert dialog.secret.text() == "" and dialog.secret.isEnabled() and dialog.isVisible()
    assert r.presenter.calls == []
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_unlocked, timeout=3000):
        r.submit(dialog)
    qtbot.waitUntil(lambda: r.states()[1].startswith("Unlocked"), timeout=3000)
    assert r.page.dialog is None
    assert r.keys.calls.count("unlock") == 2


def test_cancel_leaves_the_key_locked(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    dialog = open_unlock(r, OWNERS[1])
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: r.page.dialog is None)
    r.wait_idle()
    assert "unlock" not in r.keys.calls
    assert r.states()[1] == "Locked · remembered on this device"
    assert not shiboken6.isValid(dialog) or dialog.secret.text() == ""


def test_a_busy_dialog_cannot_be_closed_until_the_command_ends(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    r = keys_rig(FakeKeyService(unlock_delay=0.3))
    dialog = open_unlock(r, OWNERS[1])
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_unlocked, timeout=3000):
        r.submit(dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        dialog.close()
        assert dialog.isVisible()  # its result must reach it


def test_remember_keeps_the_secret_in_the_os_keyring_and_it_is_used_next_time(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    r = keys_rig()
    dialog = open_unlock(r, OWNERS[2])
    assert dialog.remember.text() == "Remember on this device (OS keyring)"
    dialog.remember.setChecked(True)
    type_into(qtbot, dialog.secret, HSM_PIN)
    r.finish(dialog)
    assert r.keys.remember_flags == [True]
    assert r.states()[2] == "Unlocked · remembered on this device"
    with qtbot.waitSignal(r.page.sig_keys_shown, timeout=3000):
        r.page.lock_selected()
    with qtbot.waitSignal(r.page.sig_key_unlocked, timeout=3000):
        r.page.unlock_action.trigger()  # the keyring holds it: no dialog
    assert r.page.dialog is None
    assert r.keys.calls.count("unlock") == 1 and "unlock_from_keyring" in r.keys.calls


def test_an_unavailable_keyring_falls_back_to_the_password(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    keys = FakeKeyService()
    keys.keyring_error = KeyringUnavailable("No OS keyring is available on this desktop.")
    r = keys_rig(keys)
    dialog = open_unlock(r, OWNERS[1])  # remembered: the keyring is tried first
    assert dialog.intro.text().startswith("No OS keyring is available on this desktop.")
    dialog.remember.setChecked(True)
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    assert r.fail(dialog) == "No OS keyring is available on this desktop."
    assert not dialog.remember.isChecked()
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    r.finish(dialog)
    assert r.states()[1].startswith("Unlocked")


# -- locking ---------------------------------------------------------------------------------------------------
def test_lock_all_now(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    keys = FakeKeyService([replace(k, unlocked=k.can_sign) for k in make_keys()])
    r = keys_rig(keys)
    assert r.states()[:3] == ["Unlocked", "Unlocked · remembered on this device", "Unlocked"]
    with qtbot.waitSignal(r.page.sig_keys_shown, timeout=3000):
        qtbot.mouseClick(r.page.buttons[r.page.lock_all_action], Qt.MouseButton.LeftButton)
    assert r.states() == ["Locked", "Locked · remembered on this device", "Locked", "Watch-only"]
    assert r.page.status.text() == "All keys are locked."
    assert r.keys.threads["lock_all"] != threading.get_ident()


def test_idle_keys_are_locked_by_the_timer(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig(idle_check_ms=20)
    assert r.states()[0] == "Unlocked"
    r.keys.idle = [OWNERS[0]]
    with qtbot.waitSignal(r.page.sig_keys_shown, timeout=3000):
        pass
    assert r.states()[0] == "Locked"
    assert r.page.status.text() == "1 key locked after being idle."
    assert r.keys.threads["lock_idle"] != threading.get_ident()


# -- backups, passwords, deletion ------------------------------------------------------------------------------
def test_export_backup_needs_the_key_password(qtbot: QtBot, keys_rig: Callable[..., KeysRig], tmp_path: Path) -> None:
    r = keys_rig()
    r.select(OWNERS[0])
    dialog = r.open(r.page.export_action.trigger)
    assert isinstance(dialog, ExportBackupDialog)
    out = tmp_path / "alice.json"
    dialog.out.setText(str(out))
    type_into(qtbot, dialog.password, "wrong")
    assert r.fail(dialog) == "Wrong password."
    dialog.password.setText(DEMO_PASSWORD)
    r.finish(dialog)
    assert out.is_file()
    assert r.page.status.text() == f"Encrypted backup of “Alice Chan (treasury officer)” written to {out}."


def test_change_password(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    r.select(OWNERS[1])
    dialog = r.open(r.page.change_password_action.trigger)
    type_into(qtbot, dialog.old, DEMO_PASSWORD)  # type: ignore[attr-defined]
    type_into(qtbot, dialog.passwords.password, NEW_PASSWORD)  # type: ignore[attr-defined]
    type_into(qtbot, dialog.passwords.confirm, NEW_PASSWORD)  # type: ignore[attr-defined]
    r.finish(dialog)
    assert r.keys.secrets[OWNERS[1]] == NEW_PASSWORD
    assert r.states()[1] == "Locked"  # the remembered old password was forgotten


def test_delete_needs_the_address_typed_out(qtbot: QtBot, keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    r.select(OWNERS[1])
    dialog = r.open(r.page.delete_action.trigger)
    assert isinstance(dialog, DeleteKeyDialog)
    assert "cannot be brought back" in dialog.consequences.text() and "recorded" in dialog.consequences.text()
    assert dialog.owner_warning.isVisible()
    assert dialog.owner_warning.text().startswith("It is an owner of Treasury, Operations.")
    assert not dialog.submit_button.isEnabled()
    dialog.submit()  # even a programmatic submit does nothing without the confirmation
    type_into(qtbot, dialog.confirmation, "abcdef")
    assert not dialog.submit_button.isEnabled()
    r.wait_idle()
    assert "delete_key" not in r.keys.calls
    dialog.confirmation.setText("")
    type_into(qtbot, dialog.confirmation, OWNERS[1][-6:].upper())
    r.finish(dialog)
    assert r.keys.deleted == [OWNERS[1]]
    assert OWNERS[1] not in r.column(KeyColumn.ADDRESS)
    assert "Deleted “Bob Okafor (treasury officer)”" in r.page.status.text()


# -- secrets ---------------------------------------------------------------------------------------------------
def test_no_secret_is_left_in_any_widget_after_the_dialogs_close(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig], tmp_path: Path
) -> None:
    r = keys_rig()
    secrets = [PRIVATE_KEY, MNEMONIC, NEW_PASSWORD, DEMO_PASSWORD, HSM_PIN, "wrong-password-123"]

    def fill_keystore(dialog: CommandDialog, secret_field: str | None, secret: str) -> None:
        if secret_field is not None:
            type_into(qtbot, getattr(dialog, secret_field), secret)
        type_into(qtbot, dialog.label, "k")  # type: ignore[attr-defined]
        type_into(qtbot, dialog.passwords.password, NEW_PASSWORD)  # type: ignore[attr-defined]
        type_into(qtbot, dialog.passwords.confirm, NEW_PASSWORD)  # type: ignore[attr-defined]

    dialog = r.open(r.page.import_key_action.trigger)
    fill_keystore(dialog, "private_key", PRIVATE_KEY)
    r.finish(dialog)
    dialog = r.open(r.page.import_mnemonic_action.trigger)
    fill_keystore(dialog, "mnemonic", MNEMONIC)
    r.finish(dialog)
    dialog = r.open(r.page.create_action.trigger)  # cancelled after typing
    fill_keystore(dialog, None, "")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: r.page.dialog is None)
    dialog = open_unlock(r, OWNERS[1])
    type_into(qtbot, dialog.secret, "wrong-password-123")
    r.fail(dialog)
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    r.finish(dialog)
    dialog = open_unlock(r, OWNERS[2])
    type_into(qtbot, dialog.secret, HSM_PIN)
    r.finish(dialog)
    r.select(OWNERS[0])
    dialog = r.open(r.page.export_action.trigger)
    dialog.out.setText(str(tmp_path / "b.json"))  # type: ignore[attr-defined]
    type_into(qtbot, dialog.password, DEMO_PASSWORD)  # type: ignore[attr-defined]
    r.finish(dialog)
    r.wait_idle()
    assert visible_texts(secrets) == []
    assert all(s not in r.page.status.text() for s in secrets)
    for name in vars(r.page):
        assert all(s != getattr(r.page, name) for s in secrets), name


# -- with the session -------------------------------------------------------------------------------------------
def test_the_session_hands_the_key_service_to_the_page(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    release = threading.Event()
    services = FakeServices()

    def slow_build(_profile: object) -> FakeServices:
        release.wait(5)
        return services

    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()), build_services=slow_build, parent=window)  # fmt: skip
    window.show()
    window.pages.setCurrentWidget(window.keys_page)
    session.start()
    page = window.keys_page
    qtbot.waitUntil(lambda: session.phase == "connecting", timeout=3000)
    assert page.message.isVisible() and page.message.text() == CONNECTING_TEXT
    assert not page.add_button.isEnabled() and not page.lock_all_action.isEnabled()
    with qtbot.waitSignal(page.sig_keys_shown, timeout=3000):
        release.set()
    assert page.model.rowCount() == 4 and page.add_button.isEnabled()
    assert window.pages.tabText(0) == "&Vaults" and window.pages.tabText(1) == "&Keys"
    with qtbot.waitSignal(page.sig_keys_shown, timeout=3000):
        window.lock_all_action.trigger()
    assert "lock_all" in services.keys.calls
    session.close()
    qtbot.waitUntil(lambda: services.closed == 1, timeout=3000)
    assert not page.attached


@pytest.mark.parametrize(("allowed", "visible"), [(True, True), (False, False)])
def test_the_demo_quorum_note_shows_only_when_the_profile_allows_it(
    qtbot: QtBot, runner: TaskRunner, allowed: bool, visible: bool
) -> None:
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile(allows_quorum_on_device=allowed)),
                            build_services=builder(FakeServices()), parent=window)  # fmt: skip
    window.show()
    window.pages.setCurrentWidget(window.keys_page)
    with qtbot.waitSignal(window.keys_page.sig_keys_shown, timeout=3000):
        session.start()
    note = window.keys_page.quorum_note
    assert note.isVisible() is visible
    assert note.text() == QUORUM_NOTE
    assert QUORUM_NOTE == (
        "This demo profile holds several owner keys of the same vault; a real profile refuses that "
        "(one device must not hold a quorum)."
    )
    session.close()


def test_every_label_on_the_page_and_in_its_dialogs_is_plain_text(keys_rig: Callable[..., KeysRig]) -> None:
    r = keys_rig()
    r.select(OWNERS[1])
    widgets: list[QWidget] = [r.page]
    for trigger in (r.page.unlock_action.trigger, r.page.delete_action.trigger, r.page.export_action.trigger):
        dialog = r.open(trigger)
        widgets.append(dialog)
        rich = [label.text() for label in dialog.findChildren(QLabel) if label.textFormat() != Qt.TextFormat.PlainText]
        assert rich == []
        dialog.reject()
        r.qtbot.waitUntil(lambda: r.page.dialog is None)
    rich = [label.text() for label in r.page.findChildren(QLabel) if label.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []


def test_H10_a_two_factor_profile_asks_for_the_secret_and_offers_no_remembering(
    qtbot: QtBot, keys_rig: Callable[..., KeysRig]
) -> None:
    keys = FakeKeyService()
    keys.remembering_allowed = False
    r = keys_rig(keys)
    dialog = open_unlock(r, OWNERS[1])
    assert "unlock_from_keyring" not in r.keys.calls  # the OS keyring is not even asked
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    assert "two factors" in dialog.remember.toolTip()
    type_into(qtbot, dialog.secret, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_unlocked, timeout=3000):
        r.submit(dialog)
    assert r.keys.remember_flags == [False]
