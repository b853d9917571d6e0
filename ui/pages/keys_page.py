"""The Keys page: the profile's keys (keystore, HSM, watch-only, paired offline signers), what they own, whether they
can sign now, and everything a person does with them. Every call to the key service runs on a task runner lane;
secrets are asked for in dialogs (ui/dialogs) and go straight into the command that uses them. The offline signer's
own window reuses this page without "Pair an offline signer…" (it is the signer)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.add_key_dialogs import (
    AddHsmKeyDialog,
    AddWatchDialog,
    CreateKeyDialog,
    ImportMnemonicDialog,
    ImportPrivateKeyDialog,
)
from ui.dialogs.command_dialog import CommandDialog
from ui.dialogs.key_action_dialogs import ChangePasswordDialog, DeleteKeyDialog, ExportBackupDialog
from ui.dialogs.pair_offline_dialog import PairOfflineDialog
from ui.dialogs.unlock_dialog import UnlockDialog
from ui.errors import one_line
from ui.key_service import KEYSTORE, OFFLINE, KeyServiceLike, can_unlock, idle_text, kind_of, kind_text, secret_name
from ui.models.keys_model import KEY_ROLE, SORT_ROLE, KeyColumn, KeysTableModel
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.account_collector import AccountUrCollector
from ui.widgets.demo_banner import DemoBanner
from ui.widgets.key_details import KeyDetails
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

log = logging.getLogger(__name__)

QUORUM_NOTE = (
    "This demo profile holds several owner keys of the same vault; a real profile refuses that "
    "(one device must not hold a quorum)."
)
CONNECTING_TEXT = "Connecting…"
NO_KEYS_TEXT = "This profile has no keys yet. Create one, import one, or add an HSM key or a watch-only address."
PAIR_SCAN_TITLE = "Read the offline signer's account (crypto-hdkey or crypto-account)"
IDLE_CHECK_MS = 15_000


def _name(key: KeyView) -> str:
    return f"“{reveal_invisible(key.label, max_length=60)}”"


class KeysPage(QWidget):
    sig_keys_shown = Signal(int)
    """Keys read from the service were painted; carries how many."""
    sig_dialog_opened = Signal(object)
    """A key dialog or the account scan dialog was opened (window-modal, without a nested event loop); carries it."""
    sig_key_unlocked = Signal(str)
    """A key was unlocked (by its password or PIN, or from the OS keyring); carries its address."""

    def __init__(self, parent: QWidget | None = None, *, offer_pairing: bool = True) -> None:
        """`offer_pairing=False` hides "Pair an offline signer…" (the offline signer's window: it is the signer)."""
        super().__init__(parent)
        self.setObjectName("keysPage")
        self._offer_pairing = offer_pairing
        self._keys: KeyServiceLike | None = None
        self._runner: TaskRunner | None = None
        self._dialog: QDialog | None = None
        self._select_next: str | None = None
        self._load_failing = False
        self._idle_in_flight = False
        self._idle_failing = False
        self._keyring_in_flight = False
        self.model = KeysTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(IDLE_CHECK_MS)
        self._idle_timer.timeout.connect(self._lock_idle)

        self.quorum_note = DemoBanner(text=QUORUM_NOTE, accessible_name="Custody rule relaxed for the demo", bold=False)
        self.quorum_note.setObjectName("quorumNote")
        self.quorum_note.hide()
        self._build_actions()
        toolbar = self._build_toolbar()
        self.table = self._build_table()
        self.stack, self.message = build_message_stack(self.table, CONNECTING_TEXT, "keysMessage")
        self.details = KeyDetails()
        self.details_placeholder, self.details_title = self.details.placeholder, self.details.title
        self.details_address, self.details_kind = self.details.address, self.details.kind
        self.details_owns, self.details_state = self.details.owns, self.details.state
        splitter = build_vertical_split(self.stack, self.details, stretch=(3, 2), sizes=(360, 240))
        self.status = PlainLabel()
        self.status.setObjectName("keysStatus")
        self.status.setWordWrap(True)
        self.idle_hint = PlainLabel()
        self.idle_hint.setObjectName("idleHint")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.idle_hint)

        layout = QVBoxLayout(self)
        layout.addWidget(self.quorum_note)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self._show_selected(None)
        self._update_actions()

    # -- construction ---------------------------------------------------------------------------------------
    def _action(self, text: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.create_action = a("Create key…", "Make a new key, kept encrypted in this profile", self.create_key)
        self.import_key_action = a(
            "Import private key…", "Import a key from its private key (hex)", self.import_private_key
        )
        self.import_mnemonic_action = a(
            "Import recovery phrase…", "Import a key from a BIP-39 mnemonic and a derivation path", self.import_mnemonic
        )
        self.add_hsm_action = a("Add HSM key…", "Use a key held in a PKCS#11 hardware security module", self.add_hsm)
        self.add_watch_action = a("Add watch-only address…", "Follow an address that cannot sign", self.add_watch)
        pair_tip = "Read an offline signer's account (QR code, image or file) and record its key, which signs there"
        self.pair_offline_action = a("Pair an offline signer…", pair_tip, self.pair_offline)
        self.unlock_action = a("Unlock…", "Unlock the selected key so that it can sign", self.unlock_selected)
        self.lock_action = a("Lock", "Lock the selected key now", self.lock_selected)
        self.export_action = a("Export backup…", "Write an encrypted backup of the selected key", self.export_backup)
        self.change_password_action = a(
            "Change password…", "Encrypt the selected key with a new password", self.change_password
        )
        self.forget_action = a(
            "Forget on this device",
            "Remove the selected key's unlock secret from this device's OS keyring",
            self.forget_remembered,
        )
        self.delete_action = a("Delete…", "Remove the selected key from this profile", self.delete_selected)
        self.lock_all_action = a("Lock all now", "Lock every unlocked key at once", self.lock_all)
        self.lock_all_action.setObjectName("lockAllAction")
        self.copy_action = a("Copy address", "Copy the selected key's full address", self.copy_selected_address)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.add_actions = (
            self.create_action,
            self.import_key_action,
            self.import_mnemonic_action,
            self.add_hsm_action,
            self.add_watch_action,
        )
        self.key_actions = (
            self.unlock_action,
            self.lock_action,
            self.export_action,
            self.change_password_action,
            self.forget_action,
            self.delete_action,
        )

    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.add_menu = QMenu(self)
        for action in self.add_actions:
            self.add_menu.addAction(action)
        self.add_button = QPushButton("Add key")
        self.add_button.setObjectName("addKeyButton")
        self.add_button.setToolTip("Create, import or add a key")
        self.add_button.setMenu(self.add_menu)
        row.addWidget(self.add_button)
        self.buttons: dict[QAction, QPushButton] = {}
        self.pair_offline_button = self._button_for(self.pair_offline_action)
        self.pair_offline_button.setObjectName("pairOfflineButton")
        self.pair_offline_button.setVisible(self._offer_pairing)
        row.addWidget(self.pair_offline_button)
        row.addSpacing(16)
        for action in (*self.key_actions, self.lock_all_action):
            if action is self.lock_all_action:
                row.addStretch(1)
            row.addWidget(self._button_for(action))
        return row

    def _button_for(self, action: QAction) -> QPushButton:
        """A push button that triggers `action` and follows its enabled state."""
        button = QPushButton(action.text())
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        self.buttons[action] = button
        return button

    def _build_table(self) -> QTableView:
        table = build_read_only_table(self.proxy, "keysTable")
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(KeyColumn.OWNS, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._table_menu)
        table.addAction(self.copy_action)
        table.doubleClicked.connect(self._double_clicked)
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        return table

    # -- what the session tells it --------------------------------------------------------------------------
    def attach(self, keys: KeyServiceLike, runner: TaskRunner, *, idle_check_ms: int = IDLE_CHECK_MS) -> None:
        """The services are ready: read the keys and start locking idle ones."""
        self._keys, self._runner = keys, runner
        self.idle_hint.setText(idle_text(keys.idle_timeout_seconds))
        self._idle_timer.setInterval(idle_check_ms)
        self._idle_timer.start()
        self._update_actions()
        self.reload()

    def detach(self) -> None:
        """The services are closing: stop using them."""
        self._idle_timer.stop()
        self._keys = None
        self._update_actions()

    @property
    def attached(self) -> bool:
        return self._keys is not None

    def set_quorum_allowed(self, allowed: bool) -> None:
        """Say on screen that the profile lets one device hold a quorum of a vault's owner keys (the demo)."""
        self.quorum_note.setVisible(bool(allowed))

    def show_message(self, text: str) -> None:
        """Say `text` where the table would be, while there are no rows."""
        self.message.setText(text)
        if self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.message)

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    # -- reading --------------------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._keys is None or self._runner is None or self._runner.is_shut_down:
            return
        (
            self._runner.query(self._keys.load_keys)
            .with_key((id(self), "keys"))
            .with_owner(self)
            .on_success(self._keys_loaded)
            .on_failure(self._load_failed)
            .quietly()
            .run()
        )

    def _keys_loaded(self, keys: list[KeyView]) -> None:
        self._load_failing = False
        previous = self.selected_key()
        self.model.set_keys(keys)
        if not keys:
            self.message.setText(NO_KEYS_TEXT)
            self.stack.setCurrentWidget(self.message)
        else:
            self.stack.setCurrentWidget(self.table)
            wanted = self._select_next or (previous.address if previous is not None else None)
            self._select_next = None
            row = self.model.row_of(wanted) if wanted is not None else None
            self.select_row(row if row is not None else 0)
        self._show_selected(self.selected_key())
        self._update_actions()
        emit(self.sig_keys_shown, len(keys))

    def _load_failed(self, exc: BaseException) -> None:
        if self.model.rowCount() == 0:
            self.show_message(f"The keys cannot be read. {one_line(exc)}")
        if not self._load_failing and self._runner is not None:
            self._load_failing = True
            self._runner.present(exc, self)

    # -- selection ------------------------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        """Select a row, given in model order."""
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())

    def select_address(self, address: str) -> bool:
        row = self.model.row_of(address)
        if row is None:
            return False
        self.select_row(row)
        return True

    def selected_key(self) -> KeyView | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(KEY_ROLE) if rows else None

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_selected(self.selected_key())
        self._update_actions()

    def _show_selected(self, key: KeyView | None) -> None:
        self.details.show_key(key)
        if key is None or kind_of(key) != OFFLINE or self._keys is None or self._runner is None:
            return
        keys, address, details = self._keys, key.address, self.details  # the device and key origin it declared
        (self._runner.query(lambda: keys.offline_origin(address)).with_key((id(self), "origin")).with_owner(self)
         .on_success(lambda origin: details.show_origin(address, origin)).quietly()
         .on_failure(lambda exc: details.show_origin(address, None, f"It cannot be read. {one_line(exc)}")).run())

    def _update_actions(self) -> None:
        ready = self._keys is not None and self._runner is not None
        key = self.selected_key() if ready else None
        for action in self.add_actions:
            action.setEnabled(ready)
        self.add_button.setEnabled(ready)
        self.pair_offline_action.setEnabled(ready and self._offer_pairing)
        self.lock_all_action.setEnabled(ready)
        signs = key is not None and can_unlock(key)
        unlocked = key is not None and key.unlocked
        self.unlock_action.setEnabled(signs and not unlocked and not self._keyring_in_flight)
        self.lock_action.setEnabled(signs and unlocked)
        keystore = key is not None and kind_of(key) == KEYSTORE
        self.export_action.setEnabled(keystore)
        self.change_password_action.setEnabled(keystore)
        self.forget_action.setEnabled(key is not None and key.remembered)
        self.delete_action.setEnabled(key is not None)
        self.copy_action.setEnabled(key is not None)

    # -- dialogs --------------------------------------------------------------------------------------------
    @property
    def dialog(self) -> QDialog | None:
        """The key dialog (or account scan dialog) open now, if any."""
        return self._dialog

    def _open(self, dialog: QDialog, done: Callable[[object], None] | None = None) -> None:
        self._dialog = dialog
        if isinstance(dialog, CommandDialog) and done is not None:
            dialog.sig_succeeded.connect(done)
        dialog.finished.connect(self._dialog_finished)
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _dialog_finished(self, _result: int) -> None:
        self._dialog = None
        self.reload()

    def _ready(self) -> tuple[KeyServiceLike, TaskRunner] | None:
        if self._keys is None or self._runner is None or self._dialog is not None:
            return None
        return self._keys, self._runner

    def _added(self, result: object) -> None:
        key: KeyView = result  # type: ignore[assignment]  # every add_* method returns the new KeyView
        self._select_next = key.address
        self.show_status(f"Added {_name(key)} ({kind_text(key)}).")

    def create_key(self) -> None:
        if (ready := self._ready()) is not None:
            self._open(CreateKeyDialog(runner=ready[1], keys=ready[0], parent=self), self._added)

    def import_private_key(self) -> None:
        if (ready := self._ready()) is not None:
            self._open(ImportPrivateKeyDialog(runner=ready[1], keys=ready[0], parent=self), self._added)

    def import_mnemonic(self) -> None:
        if (ready := self._ready()) is not None:
            self._open(ImportMnemonicDialog(runner=ready[1], keys=ready[0], parent=self), self._added)

    def add_watch(self) -> None:
        if (ready := self._ready()) is not None:
            self._open(AddWatchDialog(runner=ready[1], keys=ready[0], parent=self), self._added)

    def add_hsm(self) -> None:
        if (ready := self._ready()) is not None:
            self._open(AddHsmKeyDialog(runner=ready[1], keys=ready[0], parent=self), self._added)

    def pair_offline(self) -> None:
        """Read an offline signer's account UR (camera, images or a file), then show what it declares, ask for a
        label and record its key of kind offline. Cancelling either dialog records nothing."""
        if not self._offer_pairing or (ready := self._ready()) is None:
            return
        from ui.dialogs.qr_scan_dialog import QrScanDialog  # loads the camera (Qt Multimedia) only when asked

        collector = AccountUrCollector()
        scan = QrScanDialog(collector, PAIR_SCAN_TITLE, self, runner=ready[1])
        scan.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._open(scan)
        scan.finished.connect(lambda _result: self._account_read(collector))  # after _dialog_finished: in order

    def _account_read(self, collector: AccountUrCollector) -> None:
        ready = self._ready()
        if ready is None or not collector.is_complete:
            return
        held = [self.model.key_at(row).address for row in range(self.model.rowCount())]
        dialog = PairOfflineDialog(runner=ready[1], keys=ready[0], accounts=collector.accounts, held=held, parent=self)
        self._open(dialog, self._paired)

    def _paired(self, result: object) -> None:
        keys: list[KeyView] = result  # type: ignore[assignment]  # PairOfflineDialog's command returns the new keys
        self._select_next = keys[0].address if keys else None
        self.show_status(f"Paired {', '.join(_name(key) for key in keys)}: it signs on its own device, not here.")

    def export_backup(self) -> None:
        key, ready = self.selected_key(), self._ready()
        if key is None or ready is None or kind_of(key) != KEYSTORE:
            return

        def exported(path: object) -> None:
            where = reveal_invisible(str(path), max_length=300)
            self.show_status(f"Encrypted backup of {_name(key)} written to {where}.")

        self._open(ExportBackupDialog(runner=ready[1], keys=ready[0], key=key, parent=self), exported)

    def change_password(self) -> None:
        key, ready = self.selected_key(), self._ready()
        if key is None or ready is None or kind_of(key) != KEYSTORE:
            return
        dialog = ChangePasswordDialog(runner=ready[1], keys=ready[0], key=key, parent=self)
        self._open(dialog, lambda _none: self.show_status(f"The password of {_name(key)} was changed."))

    def delete_selected(self) -> None:
        key, ready = self.selected_key(), self._ready()
        if key is None or ready is None:
            return
        dialog = DeleteKeyDialog(runner=ready[1], keys=ready[0], key=key, parent=self)
        self._open(dialog, lambda _none: self.show_status(f"Deleted {_name(key)}; the key log records it."))

    # -- unlocking and locking ------------------------------------------------------------------------------
    def unlock_selected(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.unlock(key.address)

    def unlock(self, address: str, then: Callable[[str], object] | None = None) -> None:
        """Unlock a key, then call `then(address)`: from the OS keyring if it holds the secret, else by asking
        for the password or PIN. For any action that needs an unlocked key."""
        row = self.model.row_of(address)
        key = self.model.key_at(row) if row is not None else None
        ready = self._ready()
        if key is None or ready is None or not can_unlock(key) or self._keyring_in_flight:
            return
        if key.unlocked:
            if then is not None:
                then(key.address)
            return
        keys, runner = ready
        if not keys.remembering_allowed:  # this profile needs the typed secret: no keyring lookup at all
            self._ask_secret(key, "", then)
            return
        self._keyring_in_flight = True
        self._update_actions()
        self.show_status(f"Looking for the secret of {_name(key)} in this device's OS keyring…")

        def tried(unlocked: object) -> None:
            self._keyring_in_flight = False
            self._update_actions()
            if unlocked is True:
                self._unlocked(key, then)
            else:
                self.show_status("")
                self._ask_secret(key, "", then)

        def failed(exc: BaseException) -> None:
            self._keyring_in_flight = False
            self._update_actions()
            self.show_status("")
            if not isinstance(exc, WalletError):
                runner.present(exc, self)
            note = f"{one_line(exc)} Enter the {secret_name(key)} instead."
            self._ask_secret(key, note if key.remembered else "", then)

        (
            runner.command(lambda: keys.unlock_from_keyring(key.address))
            .with_owner(self)
            .on_success(tried)
            .on_failure(failed)
            .quietly()
            .run()
        )

    def _ask_secret(self, key: KeyView, note: str, then: Callable[[str], object] | None) -> None:
        ready = self._ready()
        if ready is None:
            self._update_actions()
            return
        dialog = UnlockDialog(runner=ready[1], keys=ready[0], key=key, note=note, parent=self)
        self._open(dialog, lambda _address: self._unlocked(key, then))

    def _unlocked(self, key: KeyView, then: Callable[[str], object] | None) -> None:
        self.show_status(f"{_name(key)} is unlocked.")
        self.reload()
        emit(self.sig_key_unlocked, key.address)
        if then is not None:
            then(key.address)

    def lock_selected(self) -> None:
        key = self.selected_key()
        if key is None or self._keys is None or self._runner is None:
            return
        keys = self._keys
        self._run(lambda: keys.lock(key.address), f"{_name(key)} is locked.")

    def lock_all(self) -> None:
        if self._keys is None or self._runner is None:
            return
        self._run(self._keys.lock_all, "All keys are locked.")

    def forget_remembered(self) -> None:
        key = self.selected_key()
        if key is None or self._keys is None or self._runner is None:
            return
        keys = self._keys
        self._run(
            lambda: keys.forget_remembered(key.address),
            f"This device's OS keyring no longer holds the secret of {_name(key)}.",
        )

    def _run(self, fn: Callable[[], object], done: str) -> None:
        assert self._runner is not None

        def finished(_result: object) -> None:
            self.show_status(done)
            self.reload()

        self._runner.command(fn).with_owner(self).on_success(finished).on_failure(lambda _e: self.reload()).run()

    def _lock_idle(self) -> None:
        if self._keys is None or self._runner is None or self._runner.is_shut_down or self._idle_in_flight:
            return
        self._idle_in_flight = True
        (
            self._runner.command(self._keys.lock_idle)
            .with_owner(self)
            .on_success(self._idle_locked)
            .on_failure(self._idle_failed)
            .quietly()
            .run()
        )

    def _idle_locked(self, addresses: list[str]) -> None:
        self._idle_in_flight = False
        self._idle_failing = False
        if addresses:
            count = len(addresses)
            self.show_status(f"{count} key{'s' if count != 1 else ''} locked after being idle.")
            self.reload()

    def _idle_failed(self, exc: BaseException) -> None:
        self._idle_in_flight = False
        if not self._idle_failing and self._runner is not None:
            self._idle_failing = True
            self._runner.present(exc, self)

    # -- copying and menus ----------------------------------------------------------------------------------
    def copy_selected_address(self) -> None:
        key = self.selected_key()
        if key is not None:
            QGuiApplication.clipboard().setText(key.address)

    def _double_clicked(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if key is not None and can_unlock(key) and not key.unlocked:
            self.unlock(key.address)

    def _table_menu(self, pos: QPoint) -> None:
        if not self.table.indexAt(pos).isValid():
            return
        menu = QMenu(self.table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.copy_action)
        menu.addSeparator()
        for action in self.key_actions:
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

