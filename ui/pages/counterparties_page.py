"""The Counterparties page: the people and companies the institution sends to, as the Travel Rule knows them.

A table lists each counterparty record (its name, natural or legal person, identifier, jurisdiction, the VASP hosting
its wallets or "unhosted", and how many of its addresses are proven); under it, the selected one's IVMS 101 fields and
its addresses, each with its proof of ownership ("proven by a signature at block N", or "not proven"). Add
counterparty… and Add address… open their dialogs (ui/dialogs/counterparty_dialog.py); Prove ownership… opens the
signature challenge and satoshi test of the selected address (ui/dialogs/ownership_dialog.py). Every name and
identifier is untrusted text, shown plain with hidden characters made visible (ui/models/counterparty_rows.py).

Threads: the records are read on the PARALLEL lane when the page is shown, on Refresh and after a dialog wrote; the
dialogs write on the SERIAL lane. The page is built the first time it is shown, and is not in the investor view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.pages.lazy_page import LazyPage
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel

if TYPE_CHECKING:
    from ui.counterparty_sources import CounterpartySources
    from ui.models.counterparty_rows import AddressesModel, AddressRow, CounterpartiesModel, PartyRow

WAITING_TEXT = "The counterparties are read once the profile is connected."
EMPTY_TEXT = "No counterparty yet. Add counterparty… records one with the identity the Travel Rule asks for."
NOTHING_SELECTED = "Select a counterparty to see its identity and its addresses."


def read_parties(sources: CounterpartySources) -> list[PartyRow]:
    """Every counterparty record, prepared for the table (on a worker lane)."""
    from ui.models.counterparty_rows import party_rows

    return party_rows(sources.book.load_all())


class CounterpartiesPage(LazyPage):
    sig_shown = Signal(int)
    """The records were painted; carries how many counterparties there are."""
    sig_dialog_opened = Signal(object)
    """An add or ownership dialog was opened, window-modal; carries it."""

    # Built on first show (ensure_built):
    status: PlainLabel
    problem: ErrorLine
    busy_bar: QProgressBar
    refresh_button: QPushButton
    model: CounterpartiesModel
    table: QTableView
    message: PlainLabel
    details_title: PlainLabel
    facts: PlainLabel
    addresses_model: AddressesModel
    addresses: QTableView
    add_button: QPushButton
    address_button: QPushButton
    prove_button: QPushButton

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterpartiesPage")
        self._sources: CounterpartySources | None = None
        self._runner: TaskRunner | None = None
        self._rows: list[PartyRow] | None = None
        self._loading = False
        self._generation = 0
        self._wanted: tuple[str, str | None] | None = None  # (name, address) to select once read again
        self.dialog: Any = None

    # -- building (on first show) ---------------------------------------------------------------------------
    def _build(self) -> None:
        from ui.models.counterparty_rows import AddressColumn, AddressesModel, CounterpartiesModel, PartyColumn
        from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split

        self.status = PlainLabel(WAITING_TEXT, selectable=True)
        self.status.setObjectName("counterpartiesStatus")
        self.status.setWordWrap(True)
        self.problem = ErrorLine()
        self.problem.setObjectName("counterpartiesProblem")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("counterpartiesRefresh")
        self.refresh_button.setToolTip("Read the counterparty records again")
        self.refresh_button.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        head.addWidget(self.busy_bar)
        head.addWidget(self.refresh_button)

        self.model = CounterpartiesModel(self)
        self.table = build_read_only_table(self.model, "counterpartiesTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PartyColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._party_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_address_dialog())
        stack, self.message = build_message_stack(self.table, WAITING_TEXT, "counterpartiesMessage")
        self._stack = stack

        box = QGroupBox("Selected counterparty")
        box.setObjectName("counterpartyDetails")
        self.details_title = PlainLabel(NOTHING_SELECTED, selectable=True)
        self.details_title.setObjectName("counterpartyTitle")
        title_font = self.details_title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.1)
        self.details_title.setFont(title_font)
        self.facts = PlainLabel(selectable=True)
        self.facts.setObjectName("counterpartyFacts")
        self.facts.setWordWrap(True)
        self.facts.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.addresses_model = AddressesModel(self)
        self.addresses = build_read_only_table(self.addresses_model, "counterpartyAddresses")
        address_header = self.addresses.horizontalHeader()
        address_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        address_header.setSectionResizeMode(AddressColumn.OWNERSHIP, QHeaderView.ResizeMode.Stretch)
        address_header.setStretchLastSection(False)
        self.addresses.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.addresses.doubleClicked.connect(lambda _i: self.open_ownership_dialog())
        facts_column = QVBoxLayout()
        facts_column.addWidget(self.details_title)
        facts_column.addWidget(self.facts, 1)
        inner = QHBoxLayout(box)
        inner.addLayout(facts_column, 1)
        inner.addWidget(self.addresses, 2)

        self.add_button = QPushButton("Add counterparty…")
        self.add_button.setObjectName("counterpartiesAdd")
        self.add_button.setToolTip("Record a new counterparty with its IVMS 101 identity")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.address_button = QPushButton("Add address…")
        self.address_button.setObjectName("counterpartiesAddAddress")
        self.address_button.setToolTip("Add an address of the selected counterparty")
        self.address_button.clicked.connect(self.open_address_dialog)
        self.prove_button = QPushButton("Prove ownership…")
        self.prove_button.setObjectName("counterpartiesProve")
        self.prove_button.setToolTip("Prove that the counterparty controls the selected address: a signed challenge "
                                     "or a satoshi test")
        self.prove_button.clicked.connect(self.open_ownership_dialog)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.address_button, self.prove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setContentsMargins(9, 9, 9, 9)
        layout.addLayout(head)
        layout.addWidget(self.problem)
        layout.addWidget(build_vertical_split(stack, box, stretch=(3, 2), sizes=(360, 240)), 1)
        layout.addLayout(buttons)
        if self._rows is not None:
            self._paint()
        self._party_changed()

    # -- what the session tells it --------------------------------------------------------------------------
    def attach(self, sources: CounterpartySources | None, runner: TaskRunner) -> None:
        """The core's compliance desk is ready; nothing is read until the page is on screen."""
        self._sources, self._runner = sources, runner
        if self._built:
            self.status.setText("Reading the counterparties…" if sources is not None else WAITING_TEXT)
            self._update_buttons()
        if self.isVisible():
            self.refresh()

    def detach(self) -> None:
        self._sources = None
        self._generation += 1
        self._loading = False
        if self._built:
            self._set_busy()
            self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._sources is not None

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def rows(self) -> list[PartyRow]:
        return list(self._rows or [])

    def _ready(self) -> bool:
        return self._sources is not None and self._runner is not None and not self._runner.is_shut_down

    # -- reading --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the records again (when on screen)."""
        if not self._built or not self.isVisible() or not self._ready() or self._loading:
            return
        sources, runner = self._sources, self._runner
        assert sources is not None and runner is not None
        self._generation += 1
        generation = self._generation
        self._loading = True
        self.problem.clear_error()
        self._set_busy()
        (runner.query(lambda: read_parties(sources)).with_key((id(self), "parties")).with_owner(self)
         .on_success(lambda rows: self._arrived(generation, rows))
         .on_failure(lambda exc: self._failed(generation, exc)).quietly().run())

    def _arrived(self, generation: int, rows: list[PartyRow]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._set_busy()
        self._rows = rows
        self._paint()
        emit(self.sig_shown, len(rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._set_busy()
        self.problem.show_error(f"The counterparties could not be read: {one_line(exc)}")
        if self._rows is None:
            self.message.setText("The counterparties could not be read.")

    # -- painting -------------------------------------------------------------------------------------------
    def _paint(self) -> None:
        rows = self._rows or []
        party = self.selected()
        chosen = self._wanted or ((party.name, self._selected_address()) if party is not None else None)
        self._wanted = None
        self.model.set_rows(rows)
        addresses = sum(len(r.addresses) for r in rows)
        proven = sum(1 for r in rows for a in r.addresses if a.proven)
        self.status.setText(f"{len(rows)} counterparties with {addresses} addresses on this chain, {proven} of them "
                            "proven to be theirs." if rows else "")
        if rows:
            self._stack.setCurrentWidget(self.table)
        else:
            self.message.setText(EMPTY_TEXT)
            self._stack.setCurrentIndex(0)
        if chosen is not None:
            self.select(*chosen)
        self._party_changed()

    def select(self, name: str, address: str | None = None) -> bool:
        """Select the counterparty named `name` (and its `address`); False when it is not listed."""
        row = self.model.row_of(name) if self._built else None
        if row is None:
            return False
        self.table.selectRow(row)
        self._party_changed()
        at = self.addresses_model.row_of(address) if address else None
        if at is not None:
            self.addresses.selectRow(at)
        return True

    def selected(self) -> PartyRow | None:
        if not self._built:
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def selected_address(self) -> AddressRow | None:
        if not self._built:
            return None
        rows = self.addresses.selectionModel().selectedRows()
        return self.addresses_model.row_at(rows[0]) if rows else None

    def _selected_address(self) -> str | None:
        row = self.selected_address()
        return row.address if row is not None else None

    def _party_changed(self) -> None:
        party = self.selected()
        if party is None:
            self.details_title.setText(NOTHING_SELECTED)
            self.facts.setText("")
            self.addresses_model.set_rows([])
        else:
            self.details_title.setText(party.texts[0])
            self.facts.setText(party.facts)
            if party.addresses != tuple(self.addresses_model.rows()):  # the same rows keep their selection
                self.addresses_model.set_rows(party.addresses)
        self._update_buttons()

    def _set_busy(self) -> None:
        if self._built:
            self.busy_bar.setVisible(self._loading)
            self.refresh_button.setEnabled(self._ready() and not self._loading)

    def _update_buttons(self) -> None:
        if not self._built:
            return
        ready = self._ready() and self.dialog is None
        self.refresh_button.setEnabled(self._ready() and not self._loading)
        self.add_button.setEnabled(ready)
        self.address_button.setEnabled(ready and self.selected() is not None)
        self.prove_button.setEnabled(ready and self.selected_address() is not None)

    # -- dialogs --------------------------------------------------------------------------------------------
    def open_add_dialog(self) -> QWidget | None:
        if not self._ready() or self.dialog is not None:
            return None
        from ui.dialogs.counterparty_dialog import AddCounterpartyDialog

        assert self._sources is not None and self._runner is not None
        dialog = AddCounterpartyDialog(runner=self._runner, sources=self._sources, parent=self)
        dialog.sig_succeeded.connect(lambda party: self._written(party.name, None))
        return self._opened(dialog)

    def open_address_dialog(self) -> QWidget | None:
        party = self.selected()
        if not self._ready() or self.dialog is not None or party is None:
            return None
        from ui.dialogs.counterparty_dialog import AddAddressDialog

        assert self._sources is not None and self._runner is not None
        dialog = AddAddressDialog(runner=self._runner, sources=self._sources, counterparty=party.name,
                                  shown_name=party.texts[0], parent=self)
        dialog.sig_succeeded.connect(lambda _p: self._written(party.name, dialog.added_address))
        return self._opened(dialog)

    def open_ownership_dialog(self) -> QWidget | None:
        party, owned = self.selected(), self.selected_address()
        if not self._ready() or self.dialog is not None or party is None or owned is None:
            return None
        from ui.dialogs.ownership_dialog import OwnershipDialog

        assert self._sources is not None and self._runner is not None
        dialog = OwnershipDialog(runner=self._runner, sources=self._sources, counterparty=party.name,
                                 shown_name=party.texts[0], address=owned.address, proof=owned.texts[2], parent=self)
        dialog.sig_proven.connect(lambda address: self._written(party.name, address))
        return self._opened(dialog)

    def _opened(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.finished.connect(self._dialog_finished)  # type: ignore[attr-defined]
        self._update_buttons()
        dialog.open()  # type: ignore[attr-defined]
        emit(self.sig_dialog_opened, dialog)
        return dialog

    def _written(self, name: str, address: str | None) -> None:
        self._wanted = (name, address)
        self._loading = False  # a read under way predates the write: read again
        self.refresh()

    def _dialog_finished(self, _result: int) -> None:
        self.dialog = None
        self._update_buttons()

