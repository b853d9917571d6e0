"""Taking back an offline signer's answer: the `eth-signature` it shows (an animated or still QR code) or writes (a
file), read with the scan dialog, then `OfflineRequests.import_answer` on the serial lane (it writes). An answer of
the cold ceremony (a signed transaction of an account vault, for a request `AccountCeremony.request` made) goes to
`AccountCeremony.import_answer` instead (`import_any`), as `custos offline import` does.

The core accepts an answer only for a request this profile made, from the owner it was made for, over the hash it
named, and once (SECURITY K2, K3); a refusal is said in words and nothing changes. Opened from a request's dialog, an
answer to any other request is refused before it reaches the core, so that the dialog never stores a signature for a
transaction other than the one on screen.

Also here: `OfflineSources`, what the Approvals page and these dialogs need of the core for offline signing, and
`offline_sources(services)`, which the wiring builds from the core's services.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ui.errors import one_line
from ui.signals import emit
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.dialogs.qr_scan_dialog import QrScanDialog
    from ui.tasks import TaskRunner
    from ui.widgets.ur_collector import SingleUrCollector

SIGNATURE_TYPE = "eth-signature"


class OfflineRequestsLike(Protocol):
    """The parts of `wallet_app.offline.requests.OfflineRequests` the UI uses; both may block (chain, database)."""

    def create(self, safe_tx_hash: str, owner: str) -> Any: ...
    def import_answer(self, answer: Any, *, transport: str) -> Any: ...


class AccountCeremonyLike(Protocol):
    """The parts of `wallet_app.account_vaults.ceremony.AccountCeremony` an import uses; both read the database."""

    def answers_account_request(self, answer: Any) -> bool: ...
    def import_answer(self, answer: Any, *, transport: str) -> Any: ...


@dataclass(frozen=True)
class OfflineSources:
    requests: OfflineRequestsLike
    offline_origin: Callable[[str], Any]  # KeyService.offline_origin: a paired key's OfflineOrigin, or None
    accounts: AccountCeremonyLike | None = None  # the cold ceremony of account vaults: its answers go there


@dataclass(frozen=True)
class ColdImported:
    """An answer of the cold ceremony taken back: the account vault's transfer is signed now."""

    subject_hash: str  # the transfer's signing hash
    state: str  # the core's: signed
    entry: Any  # the AccountEntry


def import_any(sources: OfflineSources, answer: Any, transport: str) -> Any:
    """Store `answer` where it belongs (on a worker lane: it reads and writes the database): the cold ceremony's
    when it answers a request made for an account vault's transfer, else the Safe queue's offline requests."""
    accounts = sources.accounts
    if accounts is not None and accounts.answers_account_request(answer):
        entry = accounts.import_answer(answer, transport=transport)
        return ColdImported(str(entry.tx_hash), str(entry.item.state), entry)
    return sources.requests.import_answer(answer, transport=transport)


def offline_sources(services: Any) -> OfflineSources | None:
    """Built from the core's `Services` (queue, profile's database, audit log, keys); None when a part is missing."""
    queue, profile = getattr(services, "queue", None), getattr(services, "profile", None)
    audit, keys = getattr(services, "audit", None), getattr(services, "keys", None)
    engine = getattr(profile, "engine", None)
    if queue is None or engine is None or audit is None or getattr(keys, "offline_origin", None) is None:
        return None
    from wallet_app.offline.requests import OfflineRequests

    requests = OfflineRequests(queue=queue, engine=engine, audit=audit, messages=getattr(services, "messages", None),
                               key_origins=keys.offline_origin)
    return OfflineSources(requests, keys.offline_origin, getattr(services, "account_ceremony", None))


def imported_text(imported: Any) -> str:
    """What importing an answer did (an ImportedAnswer), in words: 'k of n signatures' and the item's state now."""
    from ui.models.queue_rows import STATE_WORDS, plain

    if isinstance(imported, ColdImported):
        return ("The cold ceremony's signed transaction was imported: the transfer is "
                f"{plain(imported.state, 40)}; Send (Account vaults) broadcasts it.")
    signed, threshold, state = int(imported.signed), int(imported.threshold), str(imported.state)
    return (f"The offline signature was imported: {signed} of {threshold} signature{'s' if threshold != 1 else ''} "
            f"({STATE_WORDS.get(state, plain(state, 40))}).")


def restart_import(previous: AnswerImport | None, *, runner: TaskRunner, sources: OfflineSources, parent: QWidget,
                   say: Callable[[str, str], None], imported: Callable[[Any], None],
                   expected_request: uuid.UUID | None = None) -> AnswerImport | None:
    """Read and import an answer anew (an `AnswerImport` whose scan dialog is open), the previous reading let go; None
    while the previous one still runs. How it went is said with `say(words, tone)`; once the core stored the answer,
    `imported(what it says of the item now)` follows its words."""
    if previous is not None and previous.running:
        return None
    if previous is not None:
        previous.deleteLater()  # the previous reading is over

    def stored(result: Any) -> None:
        say(imported_text(result), "good")
        imported(result)

    answer = AnswerImport(runner=runner, sources=sources, parent=parent, expected_request=expected_request)
    answer.sig_imported.connect(stored)
    answer.sig_refused.connect(lambda text: say(text, "bad"))
    answer.start()
    return answer


class AnswerImport(QObject):
    """Reads one answer with the scan dialog and imports it; says how it went through its two signals."""

    sig_imported = Signal(object)
    """The core stored the answer; carries what it says of the item now (an ImportedAnswer: subject_hash, state,
    signed, threshold; or, for the cold ceremony of an account vault, a ColdImported: subject_hash, state)."""
    sig_refused = Signal(str)
    """The answer was refused or could not be read; carries why, in words. Nothing was stored."""

    def __init__(self, *, runner: TaskRunner, sources: OfflineSources, parent: QWidget,
                 expected_request: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sources = sources
        self._widget = parent
        self._expected = expected_request
        self.scan_dialog: QrScanDialog | None = None
        self.running = False

    def start(self) -> QrScanDialog:
        """Open the scan dialog (window-modal); the answer is imported once it is read, nothing if cancelled."""
        from ui.dialogs.qr_scan_dialog import QrScanDialog
        from ui.widgets.ur_collector import SingleUrCollector

        collector = SingleUrCollector(SIGNATURE_TYPE)
        dialog = QrScanDialog(collector, "Read the offline signer's answer (an eth-signature)", self._widget,
                              runner=self._runner)
        dialog.accepted.connect(lambda: self._read(collector, dialog.source or "qr"))
        dialog.finished.connect(dialog.deleteLater)
        self.scan_dialog = dialog
        dialog.open()
        return dialog

    def _read(self, collector: SingleUrCollector, transport: str) -> None:
        from wallet_app.ur.eth_requests import EthSignature

        try:
            answer = EthSignature.from_cbor(collector.result().cbor)
        except WalletError as exc:
            emit(self.sig_refused, f"The answer could not be read: {one_line(exc)} Nothing was imported.")
            return
        if self._expected is not None and answer.request_id != self._expected:
            emit(self.sig_refused, f"This answer is for request {answer.request_id or '(none named)'}, not request "
                                   f"{self._expected} shown here: nothing was imported. Import it from the "
                                   "Approvals page (Import offline signature…) if it answers another request.")
            return
        self.import_answer(answer, transport)

    def import_answer(self, answer: Any, transport: str) -> None:
        """Store `answer` (an EthSignature) through the core, on the serial lane."""
        sources = self._sources
        self.running = True
        (self._runner.command(lambda: import_any(sources, answer, transport)).with_owner(self._widget)
         .on_success(self._imported).on_failure(self._failed).quietly().run())

    def _imported(self, imported: Any) -> None:
        self.running = False
        emit(self.sig_imported, imported)  # an ImportedAnswer, or a ColdImported

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self._widget)
        emit(self.sig_refused, f"Not imported: {one_line(exc)}")
