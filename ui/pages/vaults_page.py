"""The Vaults page: the profile's Safes in a table and, for the selected one, its address, its owners (those that are
keys of this profile marked), and the check of its contracts: a red "Signing blocked: unknown singleton" badge when the
vault's singleton or proxy is not a known Safe deployment (F4). "Add vault…" and "Deploy Safe…" open their dialogs
(ui/dialogs/vault_dialogs.py) once the services are attached; not in the investor view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListView,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.owners_model import OwnersModel
from ui.models.vaults_model import SORT_ROLE, VAULT_ROLE, VaultColumn, VaultsTableModel, threshold_text
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.address_view import AddressView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split
from ui.widgets.tone_label import ToneLabel
from wallet_app.domain.vaults import VaultInfo

if TYPE_CHECKING:
    from ui.dialogs.vault_dialogs import VaultCommands
    from wallet_app.keys.views import KeyView

BLOCKED_BADGE = "Signing blocked: unknown singleton"

NO_VAULTS_TEXT = "This profile has no vaults yet."


class VaultsPage(QWidget):
    sig_vault_selected = Signal(object)
    """The selected vault changed; carries the `VaultInfo`, or None when nothing is selected."""
    sig_vaults_changed = Signal()
    """A vault was added or deployed: read the vaults again."""
    sig_dialog_opened = Signal(object)
    """An add or deploy dialog opened; carries it (tests and screenshots)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = VaultsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.owners_model = OwnersModel(self)
        self._vaults: VaultCommands | None = None
        self._runner: TaskRunner | None = None
        self._load_keys: Callable[[], Sequence[KeyView]] | None = None
        self._key_addresses: frozenset[str] = frozenset()
        self.dialog: Any = None

        self.notice = PlainLabel()
        self.notice.setObjectName("dataNotice")
        self.notice.setWordWrap(True)
        font = self.notice.font()
        font.setItalic(True)
        self.notice.setFont(font)
        self.notice.hide()

        self.table = self._build_table()
        self.stack, self.message = build_message_stack(self.table, "Opening the profile…", "vaultsMessage")

        self.details = self._build_details()

        splitter = build_vertical_split(self.stack, self.details, stretch=(1, 1), sizes=(300, 400))

        self.add_button = QPushButton("Add vault…")
        self.add_button.setObjectName("addVaultButton")
        self.add_button.setToolTip("Add an existing Safe by its address; Custos checks its contracts")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.deploy_button = QPushButton("Deploy Safe…")
        self.deploy_button.setObjectName("deploySafeButton")
        self.deploy_button.setToolTip("Deploy a new Safe with chosen owners and threshold")
        self.deploy_button.clicked.connect(self.open_deploy_dialog)
        actions = QHBoxLayout()
        actions.addWidget(self.add_button)
        actions.addWidget(self.deploy_button)
        actions.addStretch(1)
        self._set_actions_enabled(False)

        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)
        self._show_selected(None)

    # -- construction ---------------------------------------------------------------------------------------
    def _build_table(self) -> QTableView:
        table = build_read_only_table(self.proxy, "vaultsTable", elide=Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VaultColumn.LABEL, QHeaderView.ResizeMode.Stretch)  # the table fills the width
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the profile's own order until a click
        table.setSortingEnabled(True)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._table_menu)
        copy = QAction("Copy vault address", table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected_address)
        table.addAction(copy)
        self._copy_vault_action = copy
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        return table

    def _build_details(self) -> QGroupBox:
        box = QGroupBox("Selected vault")
        box.setObjectName("vaultDetails")
        self.details_title = PlainLabel(selectable=True)
        title_font = self.details_title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.details_title.setFont(title_font)
        self.details_address = AddressView()
        self.details_threshold = PlainLabel()
        self.details_badge = ToneLabel(bold=True, selectable=True)
        self.details_badge.setObjectName("vaultBlockedBadge")
        self.details_badge.setWordWrap(True)
        self.details_badge.set_tone("bad")
        self.details_badge.setVisible(False)
        self.details_check = ToneLabel(selectable=True)
        self.details_check.setObjectName("vaultCheck")
        self.details_check.setWordWrap(True)
        self.details_check.setMinimumHeight(self.details_check.fontMetrics().lineSpacing() * 3)  # room to wrap
        self.details_check.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.details_keys = PlainLabel(selectable=True)
        self.details_keys.setObjectName("vaultOwnerKeys")
        self.details_keys.setWordWrap(True)
        self.details_placeholder = PlainLabel("Select a vault to see its owners.")
        self.owners_view = QListView()
        self.owners_view.setObjectName("ownersList")
        self.owners_view.setModel(self.owners_model)
        self.owners_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.owners_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.owners_view.setAlternatingRowColors(True)
        self.owners_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy owner address", self.owners_view)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected_owners)
        self.owners_view.addAction(copy)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(PlainLabel("Address:"), self.details_address)
        form.addRow(PlainLabel("Signatures:"), self.details_threshold)
        owners_label = PlainLabel("Owners:")
        owners_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow(owners_label, self.owners_view)
        form.addRow(PlainLabel("Keys here:"), self.details_keys)
        self._form_holder = QWidget()
        self._form_holder.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)

        layout = QVBoxLayout(box)
        layout.addWidget(self.details_placeholder)
        layout.addWidget(self.details_title)
        layout.addWidget(self.details_badge)
        layout.addWidget(self._form_holder, 1)
        layout.addWidget(self.details_check)
        return box

    # -- what the window tells it ---------------------------------------------------------------------------
    def set_address_names(self, names: Mapping[str, str]) -> None:
        """Names from the profile's address book, shown beside the owners they belong to."""
        self.owners_model.set_names(names)

    def set_native_unit(self, symbol: str, decimals: int) -> None:
        self.model.set_native_unit(reveal_invisible(symbol, max_length=12), decimals)

    def set_notice(self, text: str) -> None:
        """A line above the table saying how fresh the data is (empty: hidden)."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        """Show `text` where the table would be, while there are no rows (loading, or nothing to show)."""
        self.message.setText(text)
        if self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.message)

    def show_vaults(self, vaults: Sequence[VaultInfo], *, stale: bool) -> None:
        previous = self.selected_vault()
        self.model.set_vaults(vaults, stale=stale)
        if not vaults:
            self.message.setText(NO_VAULTS_TEXT)
            self.stack.setCurrentWidget(self.message)
            self._show_selected(None)
            return
        self.stack.setCurrentWidget(self.table)
        row = self.model.row_of(previous.address) if previous is not None else None
        self.select_row(row if row is not None else 0, source=row is not None)
        self._show_selected(self.selected_vault())  # the same row may carry new owners or threshold

    def select_row(self, row: int, *, source: bool = True) -> None:
        """Select a row, given in model order (`source`) or in the order shown."""
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if source else self.proxy.index(row, 0)
        if index.isValid():
            self.table.selectRow(index.row())

    def selected_vault(self) -> VaultInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        vault = rows[0].data(VAULT_ROLE)
        return vault if isinstance(vault, VaultInfo) else None

    # -- copying --------------------------------------------------------------------------------------------
    def copy_selected_address(self) -> None:
        vault = self.selected_vault()
        if vault is not None:
            QGuiApplication.clipboard().setText(vault.address)

    def copy_selected_owners(self) -> None:
        rows = sorted(i.row() for i in self.owners_view.selectionModel().selectedRows())
        if not rows and self.owners_view.currentIndex().isValid():
            rows = [self.owners_view.currentIndex().row()]
        owners = self.owners_model.owners()
        if rows:
            QGuiApplication.clipboard().setText("\n".join(owners[r] for r in rows))

    def _table_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self.table)
        menu.addAction(self._copy_vault_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # -- selection ------------------------------------------------------------------------------------------
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        vault = self.selected_vault()
        self._show_selected(vault)
        emit(self.sig_vault_selected, vault)

    def _show_selected(self, vault: VaultInfo | None) -> None:
        has = vault is not None
        self.details_placeholder.setVisible(not has)
        self.details_title.setVisible(has)
        self._form_holder.setVisible(has)
        self.details_check.setVisible(has)
        if vault is None:
            self.details_title.clear()
            self.details_address.set_address("")
            self.details_threshold.clear()
            if self.owners_model.rowCount():
                self.owners_model.set_owners(())
            return
        self.details_title.setText(reveal_invisible(vault.label))
        self.details_address.set_address(vault.address)
        self.details_threshold.setText(f"{threshold_text(vault)} owners must sign a transaction")
        if self.owners_model.owners() != list(vault.owners):
            self.owners_model.set_owners(vault.owners)
        self._show_check(vault)

    def _show_check(self, vault: VaultInfo) -> None:
        check = vault.check
        self.details_badge.setVisible(vault.signing_blocked)
        self.details_badge.setText(f"{BLOCKED_BADGE}: no key of this profile signs for this vault")
        if check is None:
            self.details_check.setText("Not checked yet against the known Safe deployments")
            self.details_check.set_tone("muted")
        else:
            text = "\n".join([reveal_invisible(check.message, max_length=400),
                              *(reveal_invisible(n, max_length=400) for n in check.findings)])
            self.details_check.setText(text)
            self.details_check.set_tone("bad" if check.blocking else "warn" if check.findings else "good")
        mine = [o for o in vault.owners if o in self._key_addresses]
        self.details_keys.setText(
            f"{len(mine)} of {len(vault.owners)} owners are keys in this profile"
            + (": " + ", ".join(mine) if mine else "") if self._load_keys is not None else "")

    # -- adding and deploying -------------------------------------------------------------------------------
    def attach(self, vaults: VaultCommands, runner: TaskRunner, *,
               load_keys: Callable[[], Sequence[KeyView]]) -> None:
        """Enable adding and deploying vaults, and marking the owners that are keys of this profile."""
        self._vaults, self._runner, self._load_keys = vaults, runner, load_keys
        self._set_actions_enabled(True)
        self._read_keys()

    def detach(self) -> None:
        self._vaults = self._runner = self._load_keys = None
        self._set_actions_enabled(False)

    def _set_actions_enabled(self, enabled: bool) -> None:
        self.add_button.setEnabled(enabled)
        self.deploy_button.setEnabled(enabled)

    def _read_keys(self) -> None:
        load, runner = self._load_keys, self._runner
        if load is None or runner is None or runner.is_shut_down:
            return
        runner.query(load).with_key((id(self), "keys")).with_owner(self).on_success(self._keys_read).quietly().run()

    def _keys_read(self, keys: Sequence[KeyView]) -> None:
        self._key_addresses = frozenset(k.address for k in keys)
        self._show_selected(self.selected_vault())

    def open_add_dialog(self) -> None:
        from ui.dialogs.vault_dialogs import AddVaultDialog

        if self._vaults is None or self._runner is None or self.dialog is not None:
            return
        self._open(AddVaultDialog(runner=self._runner, vaults=self._vaults, parent=self))

    def open_deploy_dialog(self) -> None:
        from ui.dialogs.vault_dialogs import DeploySafeDialog

        load, runner, vaults = self._load_keys, self._runner, self._vaults
        if vaults is None or runner is None or load is None or self.dialog is not None:
            return

        def opened(keys: Sequence[KeyView]) -> None:
            if self.dialog is None and self._runner is not None:
                self._open(DeploySafeDialog(runner=self._runner, vaults=vaults, keys=keys, parent=self))

        runner.query(load).with_owner(self).on_success(opened).run()

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.sig_succeeded.connect(lambda _result: emit(self.sig_vaults_changed))
        dialog.finished.connect(self._dialog_finished)
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _dialog_finished(self, _result: int) -> None:
        self.dialog = None
        self._read_keys()
