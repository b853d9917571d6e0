"""What the offline signer's two vault tabs share (ui/offline/vaults_page.py, the vaults anchored here, and
ui/offline/cold_page.py, the cold vaults made here): a button that opens the tab's one dialog (window-modal) beside a
status line, the table of vaults (a message stands in while there are none or when they cannot be read), the
selected vault's details in monospace under it, and the reading, on the PARALLEL lane, whenever the signer is
attached or the dialog succeeded. Each tab says what it reads, what it shows of a vault and which dialog it opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGroupBox, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, RowsTableModel
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split

if TYPE_CHECKING:
    from ui.offline import work

Vault = TypeVar("Vault")


class VaultsTableModel(RowsTableModel[Vault]):
    """Vaults selected whole, never edited nor expanded."""

    def vault_at(self, row: int) -> Vault | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class VaultListPage(QWidget, Generic[Vault]):
    sig_vaults_shown = Signal(int)
    """The vaults were read and painted; carries how many."""
    sig_dialog_opened = Signal(object)
    """The tab's dialog was opened (window-modal); carries it."""

    empty_text: ClassVar[str]  # the message while there is no vault
    unreadable_text: ClassVar[str]  # the message's start when the vaults cannot be read
    load_key: ClassVar[str]  # a newer read supersedes an older one of the same key

    def __init__(self, *, model: VaultsTableModel[Vault], button: tuple[str, str, str], names: dict[str, str],
                 details_title: str, sizes: tuple[int, int], parent: QWidget | None = None) -> None:
        """`button`: its text, object name and tooltip; `names`: the object names of the page, status, table,
        message and details."""
        super().__init__(parent)
        self.setObjectName(names["page"])
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self.dialog: QDialog | None = None
        text, button_name, tip = button
        self.action_button = QPushButton(text)
        self.action_button.setObjectName(button_name)
        self.action_button.setToolTip(tip)
        self.action_button.clicked.connect(self.open_dialog)
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName(names["status"])
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.action_button)
        top.addWidget(self.status, 1)
        model.setParent(self)
        self.model = model
        self.table = build_read_only_table(self.model, names["table"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.stack, self.message = build_message_stack(self.table, "Opening the offline signer…", names["message"])
        self.details = PlainLabel(selectable=True)
        self.details.setObjectName(names["details"])
        self.details.setFont(fixed_font())
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box = QGroupBox(details_title)
        QVBoxLayout(box).addWidget(self.details, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(build_vertical_split(self.stack, box, stretch=(3, 2), sizes=sizes), 1)
        self._update()

    # -- what each tab says ---------------------------------------------------------------------------------
    def load_work(self, context: work.SignerContext) -> Callable[[], list[Vault]]:
        raise NotImplementedError

    def row_after_load(self, count: int) -> int:
        """The row selected once `count` (> 0) vaults are painted."""
        return 0

    def details_text(self, vault: Vault | None) -> str:
        raise NotImplementedError

    def make_dialog(self, context: work.SignerContext, runner: TaskRunner) -> QDialog:
        """The tab's dialog, its success connected (the page reads the vaults again then)."""
        raise NotImplementedError

    # -- attaching and reading ------------------------------------------------------------------------------
    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self._update()
        self.reload()

    def detach(self) -> None:
        self._context = None
        self._update()

    def reload(self) -> None:
        if self._context is None or self._runner is None or self._runner.is_shut_down:
            return
        load = self.load_work(self._context)
        (self._runner.query(load).with_key((id(self), self.load_key)).with_owner(self)
         .on_success(self._loaded).on_failure(self._load_failed).quietly().run())

    def _loaded(self, vaults: list[Any]) -> None:
        self.model.set_rows(vaults)
        if vaults:
            self.stack.setCurrentWidget(self.table)
            self.table.selectRow(self.row_after_load(len(vaults)))
        else:
            self.message.setText(self.empty_text)
            self.stack.setCurrentWidget(self.message)
        self._show_selected()
        emit(self.sig_vaults_shown, len(vaults))

    def _load_failed(self, exc: BaseException) -> None:
        self.message.setText(f"{self.unreadable_text} {one_line(exc)}")
        self.stack.setCurrentWidget(self.message)
        if self._runner is not None:
            self._runner.present(exc, self)

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.details.setText(self.details_text(self.model.vault_at(rows[0].row()) if rows else None))

    # -- the dialog -----------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        if self._context is None or self._runner is None or self.dialog is not None:
            return
        dialog = self.make_dialog(self._context, self._runner)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def _update(self) -> None:
        self.action_button.setEnabled(self._context is not None)
