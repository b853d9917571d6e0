"""The Counterparties page's dialogs that write a record: a new counterparty (its IVMS 101 identity fields, natural or
legal person, hosted by a VASP or unhosted; ui/widgets/person_form.py) and a new address of one.

What was typed is checked by the core's own checks first, on the GUI thread (they are pure: `NewCounterparty.checked`,
`check_address`), so a bad LEI, a missing field or a malformed address is said inline at once, naming the field; the
record is then written on the SERIAL lane (`CounterpartyBook.add` / `add_address`, which check again and log it). A
refusal from the core (a name or an address that is taken) is shown in the dialog too. Either way the dialog stays
open with everything typed, until it succeeds or is cancelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget

from ui.dialogs.command_dialog import CommandDialog, key_name_label
from ui.fonts import fixed_font
from ui.tasks import TaskRunner
from ui.widgets.person_form import PersonFields
from ui.widgets.plain_label import PlainLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.counterparty_sources import CounterpartySources


class AddCounterpartyDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, sources: CounterpartySources, parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Add a counterparty", submit_text="Add counterparty", parent=parent,
                         intro="A person or company the institution sends to or receives from, with the identity "
                               "the Travel Rule asks for (IVMS 101): its legal name, an identifier (an LEI for a "
                               "legal person where it has one), its jurisdiction, and for a natural person an "
                               "address or a date and place of birth. Its addresses are added next.")
        self.setObjectName("addCounterpartyDialog")
        self.setMinimumWidth(640)
        self._sources = sources
        self.person = PersonFields("counterparty")
        self.form.addRow(self.person)
        self.person.sig_changed.connect(self.update_ready)
        self.update_ready()

    def ready(self) -> bool:
        values = self.person.values()
        return bool(values["name"].strip() and values["identifier"].strip())

    def make_command(self) -> Callable[[], object] | None:
        from wallet_app.compliance.counterparties import NewCounterparty

        if self.person.hosting_missing():
            self.error.show_error("Name the VASP that hosts its wallets, or choose unhosted.")
            self.person.vasp.setFocus()
            return None
        entry = NewCounterparty(**self.person.values())
        try:
            entry.checked(datetime.now(UTC).date())  # said now, naming the field; the core checks it again
        except WalletError as exc:
            self.error.show_error(f"Not added: {exc.user_message}")
            return None
        book, actor = self._sources.book, self._sources.actor
        return lambda: book.add(entry, actor=actor)


class AddAddressDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, sources: CounterpartySources, counterparty: str, shown_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Add an address", submit_text="Add address", parent=parent,
                         intro="An address of this counterparty on this profile's chain. It is named after the "
                               "counterparty wherever Custos shows it, and is not proven to be its own until it "
                               "passes a signature challenge or a satoshi test (Prove ownership…).")
        self.setObjectName("addAddressDialog")
        self._sources, self._counterparty = sources, counterparty
        self.added_address: str | None = None  # checksummed, once submitted
        self.address = QLineEdit()
        self.address.setObjectName("counterpartyAddress")
        self.address.setPlaceholderText("0x… (40 hex digits)")
        self.address.setFont(fixed_font())
        self.address.setMaxLength(120)
        self.address.textChanged.connect(lambda _t: self.update_ready())
        self.form.addRow(PlainLabel("Counterparty:"), key_name_label(shown_name))
        self.form.addRow(PlainLabel("Address:"), self.address)
        self.update_ready()

    def ready(self) -> bool:
        return bool(self.address.text().strip())

    def make_command(self) -> Callable[[], object] | None:
        from wallet_app.policy.check_request import check_address

        try:
            address = check_address(self.address.text().strip(" \t\r\n"), "the address")
        except WalletError as exc:
            self.error.show_error(f"Not added: {exc.user_message}")
            return None
        book, actor, name = self._sources.book, self._sources.actor, self._counterparty
        self.added_address = address
        return lambda: book.add_address(name, address, actor=actor)
