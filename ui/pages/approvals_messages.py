"""The Approvals page's Safe messages: reading them beside the transactions and writing a signed statement.

`MessageSection` holds the core's message queue (`services.messages`), the proof service that writes a signed
statement (`services.proofs`) and the audit log; the page reads the messages whenever it reads the queue (PARALLEL
lane, the newer read superseding an older one) and shows them in its `MessagePanel`. Export signed statement… asks
where (a save dialog that never offers to overwrite), then on the SERIAL lane builds the statement with the vault's
signatures (`ProofService.signed_statement`, which verifies it whole first), writes it to a new file (an existing one
is refused, never overwritten) and records the export in the audit log.

Sign offline… opens the sign-request dialog (ui/dialogs/offline_request_dialog.py) for the selected message: an owner
whose key is on an offline machine gets a request of its SafeMessage hash, and the answer is imported there. It uses
the page's offline parts (`page.offline.sources`, attached by the wiring) and takes the page's one dialog slot, as
Review… and Approve… do; without the offline parts the button is not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ui.errors import one_line
from ui.new_files import write_new_file
from ui.pages.proofs_export import AskSavePath, ask_save_path
from ui.signals import emit
from ui.tasks import TaskRunner
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.dialogs.offline_answer import OfflineSources
    from ui.dialogs.offline_request_dialog import OfflineRequestDialog
    from ui.message_sources import MessageQueueLike
    from ui.models.message_rows import MessageRow, MessageState
    from ui.queue_sources import QueueSources
    from ui.widgets.message_panel import MessagePanel

EXPORT_KIND = "signed holding statement"


def ask_json_path(parent: QWidget, suggested: str) -> str | None:
    return ask_save_path(parent, "Export the signed statement", suggested, "Signed statement (*.json)", ".json")


def read_messages(messages: MessageQueueLike, sources: QueueSources) -> MessageState:
    """Every queued message as the core verifies it now, prepared for the list (on a worker lane)."""
    from ui.models.message_rows import MessageState, message_rows
    from ui.models.queue_rows import names_from

    entries = list(messages.load())
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    return MessageState(message_rows(entries, names, keys), names, keys)


def export_signed_statement(proofs: Any, audit: Any, row: MessageRow, path: Path) -> str:
    """The statement with its vault's signatures, verified by the core, written to a new file and logged."""
    from wallet_app.proofs.bundle import bundle_json

    bundle = proofs.signed_statement(row.message_hash)
    data = bundle_json(bundle)
    write_new_file(path, data)
    if audit is not None:
        from wallet_app.audit.log import operator_name
        from wallet_app.compliance.issued import KIND_STATEMENT, IssuedDocuments

        IssuedDocuments(audit.engine, audit.chain_id).record(  # kept as issued, for the evidence pack
            None, kind=KIND_STATEMENT, subject=f"signed statement {row.message_hash} of {row.account or row.safe}",
            file_name=path.name, content=data, issued_by=operator_name())
        audit.record_export(kind=EXPORT_KIND, fmt="json", path=path, subject=row.account or row.safe,
                            detail={"message_hash": row.message_hash, "safe": row.safe})
    return str(path)


class MessageSection(QObject):
    sig_messages_shown = Signal(int)
    """The Safe messages were painted; carries how many were read (all vaults)."""
    sig_exported = Signal(str)
    """A signed statement was written; carries its path."""

    def __init__(self, panel: MessagePanel, parent: QWidget) -> None:
        super().__init__(parent)
        self.panel = panel
        self._page = parent
        self._messages: MessageQueueLike | None = None
        self._proofs: Any = None
        self._audit: Any = None
        self._generation = 0
        self._state: MessageState | None = None
        self._runner: TaskRunner | None = None
        self._sources: QueueSources | None = None
        self.ask_save_json: AskSavePath = ask_json_path
        # How a dialog opened from here takes the page's one dialog slot (the page tracks it, disables its buttons
        # while it is open and reads the queue again after it): ApprovalsPage._opened, unless the page sets another.
        self.open_dialog: Callable[[Any], None] | None = getattr(parent, "_opened", None)
        panel.sig_export_requested.connect(self.export)
        panel.sig_offline_requested.connect(self.open_offline)
        panel.setVisible(False)

    @property
    def messages(self) -> MessageQueueLike | None:
        return self._messages

    @property
    def state(self) -> MessageState | None:
        return self._state

    @property
    def can_export(self) -> bool:
        return self._proofs is not None and getattr(self._proofs, "signed_statement", None) is not None

    def attach(self, messages: MessageQueueLike | None, *, proofs: Any = None, audit: Any = None) -> None:
        self._messages, self._proofs, self._audit = messages, proofs, audit
        self._generation += 1
        self.panel.setVisible(messages is not None)
        self.panel.set_offline(self.offline_sources is not None)

    def detach(self) -> None:
        self._messages = self._runner = self._sources = None
        self._generation += 1
        self.panel.set_offline(False)

    @property
    def offline_sources(self) -> OfflineSources | None:
        """The core's offline sign requests, as the page's offline actions hold them (None: not attached)."""
        if self._messages is None:
            return None
        return getattr(getattr(self._page, "offline", None), "sources", None)

    def reload(self, runner: TaskRunner, sources: QueueSources) -> None:
        messages = self._messages
        if messages is None:
            return
        self._runner, self._sources = runner, sources
        self.panel.set_offline(self.offline_sources is not None)
        self._generation += 1
        generation = self._generation
        if self._state is None:
            self.panel.show_message("Reading the Safe messages…")
        (runner.query(lambda: read_messages(messages, sources)).with_key((id(self), "messages")).with_owner(self)
         .on_success(lambda state: self._arrived(generation, state))
         .on_failure(lambda exc: self._failed(generation, exc)).quietly().run())

    def _arrived(self, generation: int, state: MessageState) -> None:
        if generation != self._generation:
            return
        self._state = state
        self.panel.set_rows(state.rows)
        emit(self.sig_messages_shown, len(state.rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        text = f"The Safe messages could not be read: {one_line(exc)}"
        self.panel.show_message(text)
        self.panel.show_result(text, "bad")

    # -- signing offline --------------------------------------------------------------------------------------
    def open_offline(self, message_hash: str) -> OfflineRequestDialog | None:
        """The sign-request dialog for `message_hash`, for an owner whose key is on an offline machine."""
        runner, sources, messages, offline = self._runner, self._sources, self._messages, self.offline_sources
        if runner is None or sources is None or messages is None or offline is None \
                or getattr(self._page, "dialog", None) is not None:
            return None
        from ui.dialogs.offline_request_dialog import OfflineRequestDialog

        dialog = OfflineRequestDialog(runner=runner, sources=sources, offline=offline, messages=messages,
                                      message_hash=message_hash, parent=self._page)
        if self.open_dialog is not None:
            self.open_dialog(dialog)
        else:
            dialog.open()
        return dialog

    # -- exporting ------------------------------------------------------------------------------------------
    def export(self, message_hash: str) -> None:
        runner = self._runner
        row = next((r for r in self.panel.rows if r.message_hash == message_hash), None)
        proofs, audit = self._proofs, self._audit
        if row is None or runner is None or not self.can_export:
            return
        answer = self.ask_save_json(self._page, f"signed-statement-{message_hash[2:10]}.json")
        if not answer:
            return
        path = Path(answer)
        if path.exists():
            self.panel.show_result(f"Not written: {path} already exists. Exports are never overwritten.", "bad")
            return
        self.panel.show_result(f"Writing {path.name}…", "muted")
        (runner.command(lambda: export_signed_statement(proofs, audit, row, path)).with_owner(self)
         .on_success(self._exported).on_failure(self._export_failed).quietly().run())

    def _export_failed(self, exc: BaseException) -> None:
        self.panel.show_result(f"Not written: {one_line(exc)}", "bad")
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self._page)

    def _exported(self, path: str) -> None:
        self.panel.show_result(f"Signed statement written to {path}.", "good")
        emit(self.sig_exported, path)
