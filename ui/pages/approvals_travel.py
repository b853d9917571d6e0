"""The Travel Rule on the Approvals page: the details of a selected transaction show its Travel Rule record as the core
keeps it (`TravelRuleRecord.lines()`: whether the rule applies and why, the value, the originator, the beneficiary and
the record's digest, with a warning when the stored record no longer matches its digest), and for each beneficiary
address whether its owner proved it is theirs (`CounterpartyBook.owner_of`).

Read on the PARALLEL lane each time another item is selected (a newer selection supersedes an older read); the lines
stay on screen while the same item is read again, so a refresh does not flicker. Names in the record came from
officers and counterparties: every line is shown as plain text with hidden characters made visible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from ui.models.queue_rows import ItemRow
    from ui.queue_sources import QueueSources
    from ui.tasks import TaskRunner
    from ui.widgets.queue_details import QueueDetails

NO_RECORD = ("Travel Rule   no record: it was queued before Custos kept one; attach one with custos travel-rule "
             "attach")


@dataclass(frozen=True, slots=True)
class TravelNote:
    lines: tuple[str, ...]
    tone: str  # plain, or bad when the record does not match its digest


def read_travel_rule(sources: QueueSources, safe_tx_hash: str) -> TravelNote:
    """The record of one queued transaction in lines, with its beneficiaries' proofs of ownership (on a worker lane)."""
    assert sources.load_travel_rule is not None
    record = sources.load_travel_rule(safe_tx_hash)
    if record is None:
        return TravelNote((NO_RECORD,), "warn")
    lines = [reveal_invisible(line, max_length=600) for line in record.lines()]
    beneficiary: Any = (record.payload or {}).get("beneficiary", {})
    for address in beneficiary.get("accountNumber", []) if isinstance(beneficiary, dict) else []:
        lines.append(f"Address       {reveal_invisible(str(address), max_length=60)}: {_ownership(sources, address)}")
    return TravelNote(tuple(lines), "plain" if record.intact else "bad")


def _ownership(sources: QueueSources, address: str) -> str:
    held = sources.owner_of(address) if sources.owner_of is not None else None
    if held is None:
        return "no counterparty record holds it; ownership not proven"
    party, owned = held
    proof = owned.proof.summary() if owned.proof is not None else "ownership not proven"
    return f"{reveal_invisible(proof, max_length=200)} ({reveal_invisible(party.full_name, max_length=80)})"


class TravelRuleNotes(QObject):
    def __init__(self, page: QWidget, *,
                 context: Callable[[], tuple[TaskRunner | None, QueueSources | None, QueueDetails]]) -> None:
        super().__init__(page)
        self._context = context  # the page's runner, sources and details (built)
        self._shown: str | None = None  # the safeTxHash whose record is on screen
        self._wanted: str | None = None  # the one selected last

    def show(self, item: ItemRow | None) -> None:
        """Read and show the record of the selected item (None: nothing selected, nothing shown)."""
        runner, sources, details = self._context()
        wanted = self._wanted = item.safe_tx_hash if item is not None else None
        if wanted != self._shown:
            details.show_travel_rule(())
            self._shown = None
        if wanted is None or runner is None or sources is None or sources.load_travel_rule is None:
            return
        (runner.query(lambda: read_travel_rule(sources, wanted)).with_key((id(self), "travel-rule")).with_owner(self)
         .on_success(lambda note: self._arrived(wanted, note))
         .on_failure(lambda exc: self._arrived(wanted, TravelNote((f"Travel Rule   the record could not be read: "
                                                                   f"{reveal_invisible(str(exc), max_length=300)}",),
                                                                  "bad")))
         .quietly().run())

    def _arrived(self, safe_tx_hash: str, note: TravelNote) -> None:
        if safe_tx_hash != self._wanted:
            return
        details = self._context()[2]
        self._shown = safe_tx_hash
        details.show_travel_rule(note.lines, note.tone)
