"""The identity fields of a counterparty, as IVMS 101 names them: natural or legal person, the (family) name, given
names, the identifier and its type (an LEI, a registration number, a passport…), the jurisdiction, the postal address,
a natural person's date and place of birth, and whether a VASP hosts its wallets (which) or it holds its own keys.

Fields that apply only to natural persons are shown only for them, and a legal person is offered only the identifier
types the core accepts for it. Nothing is checked here: `values()` hands what was typed to the core's checks
(`NewCounterparty.checked`), whose messages name the field; the form keeps every character until it is closed."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from ui.signals import emit
from ui.widgets.plain_label import PlainLabel

NATURAL, LEGAL = "natural", "legal"
ID_TYPES = (("LEIX", "LEI (legal entity identifier)"), ("RAID", "Registration number"), ("TXID", "Tax id"),
            ("CCPT", "Passport number"), ("IDCD", "Identity card number"), ("SOCS", "Social security number"),
            ("DRLC", "Driving licence number"), ("FIIN", "Foreign investment id"),
            ("ARNU", "Alien registration number"), ("MISC", "Another identifier"))
LEGAL_ID_TYPES = ("LEIX", "RAID", "TXID", "MISC")  # what the core accepts for a legal person
DEFAULT_ID_TYPE = {LEGAL: "LEIX", NATURAL: "CCPT"}
FIELDS = ("name", "person", "id_type", "identifier", "jurisdiction", "vasp", "given_names", "geo_address",
          "birth_date", "birth_place")


class PersonFields(QWidget):
    sig_changed = Signal()
    """Something was typed or chosen."""

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.person = QComboBox()
        self.person.setObjectName(f"{prefix}Person")
        self.person.addItem("Legal person (a company, a trust, a fund)", LEGAL)
        self.person.addItem("Natural person", NATURAL)
        self.name = self._line(f"{prefix}Name", "Harbour Custody Ltd", 100)
        self.given_names = self._line(f"{prefix}GivenNames", "e.g. Mei Ling", 100)
        self.id_type = QComboBox()
        self.id_type.setObjectName(f"{prefix}IdType")
        self.identifier = self._line(f"{prefix}Identifier", "e.g. 5493001KJTIIGC8Y1R12", 35)
        self.jurisdiction = self._line(f"{prefix}Jurisdiction", "HK", 2)
        self.jurisdiction.setMaximumWidth(self.fontMetrics().horizontalAdvance("MMMMMM") + 16)
        self.unhosted = QRadioButton("Unhosted: it holds its own keys")
        self.unhosted.setObjectName(f"{prefix}Unhosted")
        self.hosted = QRadioButton("Hosted by the VASP")
        self.hosted.setObjectName(f"{prefix}Hosted")
        self.unhosted.setChecked(True)
        self._hosting = QButtonGroup(self)
        self._hosting.addButton(self.unhosted)
        self._hosting.addButton(self.hosted)
        self.vasp = self._line(f"{prefix}Vasp", "the VASP's legal name", 100)
        self.geo_address = self._line(f"{prefix}GeoAddress", "street, town, country (one line)", 200)
        self.birth_date = self._line(f"{prefix}BirthDate", "YYYY-MM-DD", 10)
        self.birth_place = self._line(f"{prefix}BirthPlace", "town, country", 100)

        hosting = QWidget()
        hosting_row = QHBoxLayout(hosting)
        hosting_row.setContentsMargins(0, 0, 0, 0)
        hosting_row.addWidget(self.unhosted)
        hosting_row.addWidget(self.hosted)
        hosting_row.addWidget(self.vasp, 1)
        self.form = form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_label = PlainLabel("Legal name:")
        form.addRow(PlainLabel("Person:"), self.person)
        form.addRow(self.name_label, self.name)
        form.addRow(PlainLabel("Given names:"), self.given_names)
        form.addRow(PlainLabel("Identifier type:"), self.id_type)
        form.addRow(PlainLabel("Identifier:"), self.identifier)
        form.addRow(PlainLabel("Jurisdiction:"), self.jurisdiction)
        form.addRow(PlainLabel("Wallets:"), hosting)
        form.addRow(PlainLabel("Address:"), self.geo_address)
        form.addRow(PlainLabel("Date of birth:"), self.birth_date)
        form.addRow(PlainLabel("Place of birth:"), self.birth_place)

        self.person.currentIndexChanged.connect(lambda _i: self._person_changed())
        self.id_type.currentIndexChanged.connect(lambda _i: emit(self.sig_changed))
        self.hosted.toggled.connect(lambda _on: self._hosting_changed())
        self.vasp.setEnabled(False)
        self._person_changed()

    def _line(self, name: str, placeholder: str, limit: int) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        line.setMaxLength(limit + 20)  # a few more than allowed, so that "too long" is said, not silently cut
        line.textChanged.connect(lambda _t: emit(self.sig_changed))
        return line

    @property
    def person_kind(self) -> str:
        return str(self.person.currentData())

    def _person_changed(self) -> None:
        natural = self.person_kind == NATURAL
        for widget in (self.given_names, self.birth_date, self.birth_place):
            self.form.setRowVisible(widget, natural)
        self.name_label.setText("Family name:" if natural else "Legal name:")
        self.name.setPlaceholderText("e.g. Chan" if natural else "e.g. Harbour Custody Ltd")
        chosen = self.id_type.currentData()
        if chosen is None or chosen == DEFAULT_ID_TYPE[LEGAL if natural else NATURAL]:
            chosen = DEFAULT_ID_TYPE[self.person_kind]  # the other kind's default was never a choice
        self.id_type.blockSignals(True)
        self.id_type.clear()
        for code, words in ID_TYPES:
            if natural or code in LEGAL_ID_TYPES:
                self.id_type.addItem(f"{code} — {words}", code)
        index = self.id_type.findData(chosen)
        self.id_type.setCurrentIndex(max(index, 0))
        self.id_type.blockSignals(False)
        emit(self.sig_changed)

    def _hosting_changed(self) -> None:
        self.vasp.setEnabled(self.hosted.isChecked())
        emit(self.sig_changed)

    # -- reading and writing --------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """What was typed, keyed as `NewCounterparty`'s fields; natural-person fields empty for a legal person."""
        natural = self.person_kind == NATURAL
        return {
            "name": self.name.text(), "person": self.person_kind, "id_type": str(self.id_type.currentData() or ""),
            "identifier": self.identifier.text(), "jurisdiction": self.jurisdiction.text().strip().upper(),
            "vasp": self.vasp.text() if self.hosted.isChecked() else "",
            "given_names": self.given_names.text() if natural else "", "geo_address": self.geo_address.text(),
            "birth_date": self.birth_date.text() if natural else "",
            "birth_place": self.birth_place.text() if natural else "",
        }

    def hosting_missing(self) -> bool:
        """Hosted was chosen but no VASP named (the core would take it for unhosted)."""
        return self.hosted.isChecked() and not self.vasp.text().strip()

    def set_values(self, values: Mapping[str, str]) -> None:
        self.person.setCurrentIndex(max(self.person.findData(values.get("person", LEGAL)), 0))
        self.id_type.setCurrentIndex(max(self.id_type.findData(values.get("id_type", "")), 0))
        for key in ("name", "identifier", "jurisdiction", "given_names", "geo_address", "birth_date",
                    "birth_place", "vasp"):
            getattr(self, key).setText(values.get(key, ""))
        (self.hosted if values.get("vasp") else self.unhosted).setChecked(True)
        self._hosting_changed()
