"""The Counterparties page's rows, prepared off the GUI thread from the core's `Counterparty` records: one row per
counterparty (name, natural or legal person, identifier, jurisdiction, the VASP hosting its wallets or "unhosted",
how many of its addresses are proven) and, for the selected one, its IVMS 101 fields in words and one row per address
with its proof of ownership ("proven by a signature at block N", or "not proven").

Every name and identifier was typed by someone or came from a counterparty: each is shown plain, with hidden and
direction-changing characters made visible. The two table models only show these rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from ui.fonts import fixed_font
from ui.models.prepared_rows import TextRowsModel, bold_font, tone_brush
from ui.plain_text import reveal_invisible

PERSON_WORDS = {"natural": "Natural person", "legal": "Legal person"}
ID_TYPE_WORDS = {"CCPT": "passport", "RAID": "registration number", "TXID": "tax id", "SOCS": "social security",
                 "IDCD": "identity card", "DRLC": "driving licence", "FIIN": "foreign investment id",
                 "ARNU": "alien registration", "LEIX": "LEI", "MISC": "other identifier"}
NOT_PROVEN = "not proven"


def plain(text: object, limit: int = 120) -> str:
    return reveal_invisible(str(text), max_length=limit)


@dataclass(frozen=True, slots=True)
class AddressRow:
    address: str
    texts: tuple[str, ...]  # address, added, ownership
    proven: bool
    tips: tuple[str, ...] = ()  # the cells' tooltips (the proof in full)

    @property
    def tone(self) -> str:
        return "good" if self.proven else "warn"


@dataclass(frozen=True, slots=True)
class PartyRow:
    name: str  # the record's name as stored: the key the core finds it by
    texts: tuple[str, ...]  # name, person, identifier, jurisdiction, hosting, addresses
    facts: str  # the IVMS 101 fields in words, one per line
    addresses: tuple[AddressRow, ...]
    hosted: bool


def proof_text(owned: Any) -> str:
    """The proof of ownership of one `CounterpartyAddress` in words."""
    return NOT_PROVEN if owned.proof is None else plain(owned.proof.summary(), 200)


def proof_tip(owned: Any) -> str:
    """The proof in full: what it rests on and when it passed."""
    if owned.proof is None:
        return ("Not proven: prove it with a signed challenge or a satoshi test (Prove ownership…). Nothing is "
                "marked proven unless Custos checked the answer.")
    detail = owned.proof.detail
    rested = detail.get("transaction") or detail.get("signature") or ""
    return (f"{plain(owned.proof.summary(), 200)}, on {owned.proof.proven_at:%Y-%m-%d %H:%M} UTC; challenge "
            f"{plain(detail.get('nonce', '?'), 70)}" + (f"; {plain(rested, 160)}" if rested else ""))


def party_row(party: Any) -> PartyRow:
    """One `wallet_app.compliance.counterparties.Counterparty` as the page shows it."""
    hosting = f"Hosted by {plain(party.vasp, 80)}" if party.vasp else "Unhosted"
    proven = sum(1 for a in party.addresses if a.proof is not None)
    count = len(party.addresses)
    held = "none" if not count else f"{count} ({proven} proven)"
    kind = ID_TYPE_WORDS.get(party.id_type, party.id_type)
    texts = (plain(party.full_name, 100), PERSON_WORDS.get(party.person, plain(party.person, 20)),
             f"{plain(party.id_type, 8)} {plain(party.identifier, 40)}", plain(party.jurisdiction, 10), hosting, held)
    facts = [f"{'Name' if party.person == 'legal' else 'Family name'}: {plain(party.name, 100)}"]
    if party.person == "natural":
        facts.append(f"Given names: {plain(party.given_names, 100) or '—'}")
    facts.append(f"{PERSON_WORDS.get(party.person, plain(party.person, 20))}, identified by {kind}: "
                 f"{plain(party.identifier, 40)} ({plain(party.id_type, 8)})")
    facts.append(f"{'Country of registration' if party.person == 'legal' else 'Country of residence'}: "
                 f"{plain(party.jurisdiction, 10)}")
    facts.append(f"Address: {plain(party.geo_address, 200) or '—'}")
    if party.person == "natural":
        facts.append(f"Born: {plain(party.birth_date, 12) or '—'} in {plain(party.birth_place, 100) or '—'}")
    facts.append(hosting + ("" if party.vasp else ": it holds its own keys, so prove it owns each address"))
    rows = tuple(AddressRow(a.address, (a.address, f"{a.added_at:%Y-%m-%d %H:%M}", proof_text(a)), a.proof is not None,
                            (a.address, f"Added {a.added_at:%Y-%m-%d %H:%M} UTC", proof_tip(a)))
                 for a in party.addresses)
    return PartyRow(party.name, texts, "\n".join(facts), rows, bool(party.vasp))


def party_rows(parties: Sequence[Any]) -> list[PartyRow]:
    return [party_row(p) for p in parties]


class PartyColumn(IntEnum):
    NAME = 0
    PERSON = 1
    IDENTIFIER = 2
    JURISDICTION = 3
    HOSTING = 4
    ADDRESSES = 5


class AddressColumn(IntEnum):
    ADDRESS = 0
    ADDED = 1
    OWNERSHIP = 2


class CounterpartiesModel(TextRowsModel[PartyRow]):
    headers = {
        PartyColumn.NAME: ("Name", "The legal name (a natural person's given and family names)"),
        PartyColumn.PERSON: ("Person", "Natural or legal person (IVMS 101)"),
        PartyColumn.IDENTIFIER: ("Identifier", "IVMS 101 identifier type and value: LEIX is an LEI, RAID a "
                                               "registration number, CCPT a passport…"),
        PartyColumn.JURISDICTION: ("Jurisdiction", "ISO 3166 country code"),
        PartyColumn.HOSTING: ("Wallets", "The VASP that hosts its wallets, or unhosted (it holds its own keys)"),
        PartyColumn.ADDRESSES: ("Addresses", "Its addresses on this chain, and how many are proven to be its own"),
    }

    def row_of(self, name: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.name == name), None)


class AddressesModel(TextRowsModel[AddressRow]):
    headers = {
        AddressColumn.ADDRESS: ("Address", "The counterparty's address on this chain (EIP-55 checksummed)"),
        AddressColumn.ADDED: ("Added (UTC)", "When it was added to the record"),
        AddressColumn.OWNERSHIP: ("Ownership", "Proven by the counterparty's signature of a challenge or by a satoshi "
                                               "test, or not proven"),
    }

    def row_of(self, address: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.address.lower() == address.lower()), None)

    def tip(self, row: AddressRow, column: int) -> str:
        return row.tips[column] if row.tips else row.texts[column]

    def more_data(self, row: AddressRow, column: int, role: int) -> Any:
        if column == AddressColumn.OWNERSHIP and role == Qt.ItemDataRole.ForegroundRole:
            return tone_brush(row.tone)
        if column == AddressColumn.OWNERSHIP and role == Qt.ItemDataRole.FontRole and row.proven:
            return bold_font()
        if column == AddressColumn.ADDRESS and role == Qt.ItemDataRole.FontRole:
            return fixed_font()
        return None
