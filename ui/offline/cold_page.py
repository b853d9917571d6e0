"""The Cold vaults tab of the offline signer: the cold vaults made on this machine (label, address, active share set,
K of N, a reshare waiting for confirmation) with the selected one's share sets and who holds which share and how
they took it, and "New cold vault…", the guided key ceremony. This signer never kept a cold vault's key: only these
facts."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.policy_rows import local_time
from ui.offline import cold_work
from ui.offline.cold_ceremony_dialog import ColdCeremonyDialog
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split

if TYPE_CHECKING:
    from ui.offline import work
    from wallet_app.cold.store import ColdVault, ShareSet

EMPTY_TEXT = ("No cold vault on this signer yet. A cold vault is a plain account whose key exists only as shares "
              "held by officers; make one with New cold vault… (the key ceremony), with the officers present.")


class ColdColumn(IntEnum):
    LABEL = 0
    ADDRESS = 1
    SHARE_SET = 2
    QUORUM = 3
    HOLDERS = 4
    PENDING = 5


def _name(text: str) -> str:
    return reveal_invisible(text, max_length=80)


SHORT_HOW = {"words": "words", "file": "file"}


def holders_text(share_set: ShareSet, separator: str = ", ", *, short: bool = False) -> str:
    how = SHORT_HOW if short else cold_work.HOW_TEXT
    return separator.join(f"{h.member_index + 1}. {_name(h.name)} ({how.get(h.delivery, h.delivery)})"
                          for h in share_set.holders)


def pending_text(vault: ColdVault) -> str:
    pending = vault.pending
    if pending is None:
        return "—"
    return f"set {pending.identifier}, {pending.threshold} of {pending.share_count}: waiting for confirmation"


class ColdVaultsModel(ColumnTableModel):
    headers = {
        ColdColumn.LABEL: ("Cold vault", "The name given to the vault on this signer"),
        ColdColumn.ADDRESS: ("Address", "The vault's account address"),
        ColdColumn.SHARE_SET: ("Share set", "The SLIP-39 share set in use: only its shares open the vault"),
        ColdColumn.QUORUM: ("Shares", "Shares needed to sign, of the shares made"),
        ColdColumn.HOLDERS: ("Holders", "Who holds each share of the set in use, and how they took it"),
        ColdColumn.PENDING: ("Reshare", "A new share set made by a reshare, in use once K of its shares confirm it"),
    }
    numeric = frozenset({ColdColumn.SHARE_SET})

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ColdVault] = []

    def row_total(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: Sequence[ColdVault]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def vault_at(self, row: int) -> ColdVault | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @staticmethod
    def text(vault: ColdVault, col: int) -> str:
        active = vault.active
        return (_name(vault.label) or "—", vault.address, str(active.identifier),
                f"{active.threshold} of {active.share_count}", holders_text(active, short=True),
                pending_text(vault))[col]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        vault, col = self._rows[cell[0]], cell[1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(vault, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return holders_text(vault.active, "\n") if col == ColdColumn.HOLDERS else self.text(vault, col)
        if role == Qt.ItemDataRole.FontRole and col == ColdColumn.ADDRESS:
            return fixed_font()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def vault_details(vault: ColdVault) -> str:
    """The selected vault's facts and every share set, newest first, with its holders."""
    lines = [f"{_name(vault.label) or 'Cold vault'}  {vault.address}",
             f"Chain id {vault.chain_id} · made {local_time(vault.created_at)}", ""]
    for s in reversed(vault.sets):
        state = {"active": "in use", "pending": "pending (a reshare waiting for confirmation)",
                 "retired": "retired (its shares are refused)"}.get(s.state, s.state)
        lines.append(f"Share set {s.identifier} · {state} · {s.threshold} of {s.share_count} needed · made "
                     f"{local_time(s.created_at)}")
        lines += [f"    {line}" for line in holders_text(s, "\n").split("\n")]
        lines.append("")
    return "\n".join(lines).rstrip()


class ColdVaultsPage(QWidget):
    sig_vaults_shown = Signal(int)
    """The cold vaults were read and painted; carries how many."""
    sig_dialog_opened = Signal(object)
    """The ceremony dialog was opened (window-modal); carries it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineColdPage")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self.dialog: ColdCeremonyDialog | None = None
        self.new_button = QPushButton("&New cold vault…")
        self.new_button.setObjectName("newColdVaultButton")
        self.new_button.setToolTip("The key ceremony: make a key, split it K of N among officers, and wipe it")
        self.new_button.clicked.connect(self.open_ceremony)
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("coldStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.new_button)
        top.addWidget(self.status, 1)
        self.model = ColdVaultsModel(self)
        self.table = build_read_only_table(self.model, "coldVaultsTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ColdColumn.HOLDERS, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.stack, self.message = build_message_stack(self.table, "Opening the offline signer…", "coldMessage")
        self.details = PlainLabel(selectable=True)
        self.details.setObjectName("coldVaultDetails")
        self.details.setFont(fixed_font())
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box = QGroupBox("Share sets of the selected cold vault")
        QVBoxLayout(box).addWidget(self.details, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(build_vertical_split(self.stack, box, stretch=(3, 2), sizes=(360, 260)), 1)
        self._update()

    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self._update()
        self.reload()

    def detach(self) -> None:
        if self.dialog is not None:
            self.dialog.abort()
        self._context = None
        self._update()

    def reload(self) -> None:
        if self._context is None or self._runner is None or self._runner.is_shut_down:
            return
        context = self._context
        (self._runner.query(lambda: cold_work.load_cold_vaults(context)).with_key((id(self), "cold"))
         .with_owner(self).on_success(self._loaded).on_failure(self._load_failed).quietly().run())

    def _loaded(self, vaults: list[ColdVault]) -> None:
        self.model.set_rows(vaults)
        if vaults:
            self.stack.setCurrentWidget(self.table)
            self.table.selectRow(len(vaults) - 1)
        else:
            self.message.setText(EMPTY_TEXT)
            self.stack.setCurrentWidget(self.message)
        self._show_selected()
        emit(self.sig_vaults_shown, len(vaults))

    def _load_failed(self, exc: BaseException) -> None:
        self.message.setText(f"The cold vaults cannot be read. {one_line(exc)}")
        self.stack.setCurrentWidget(self.message)
        if self._runner is not None:
            self._runner.present(exc, self)

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        vault = self.model.vault_at(rows[0].row()) if rows else None
        self.details.setText("Select a cold vault to see its share sets." if vault is None else vault_details(vault))

    def open_ceremony(self) -> None:
        if self._context is None or self._runner is None or self.dialog is not None:
            return
        dialog = ColdCeremonyDialog(runner=self._runner, context=self._context, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_created.connect(self._created)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def _created(self, result: object) -> None:
        vault = getattr(result, "vault", None)
        if vault is not None:
            self.status.setText(f"Cold vault {_name(vault.label) or vault.address} made: {vault.address}, share set "
                                f"{vault.active.identifier}.")
        self.reload()

    def _update(self) -> None:
        self.new_button.setEnabled(self._context is not None)
