"""Offline signing from the Approvals page: "Sign offline…" opens the sign-request dialog for the selected pending
transaction (ui/dialogs/offline_request_dialog.py), and "Import offline signature…" reads an offline signer's answer
(camera, images or a file) and stores it for whichever request of this profile it answers
(ui/dialogs/offline_answer.py).
The outcome is said in words beside the buttons; the queue is read again after an import.

The core's parts come from the wiring (`attach`); without them (an older core, the investor view) the buttons stay
disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget

from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
    from ui.dialogs.offline_answer import AnswerImport, OfflineSources
    from ui.dialogs.offline_request_dialog import OfflineRequestDialog
    from ui.models.queue_rows import ItemRow
    from ui.queue_sources import QueueServiceLike, QueueSources
    from ui.tasks import TaskRunner

Context = Callable[[], "tuple[TaskRunner | None, QueueServiceLike | None, QueueSources | None]"]
SIGNABLE = ("proposed", "approving", "ready")


class OfflineActions(QObject):
    sign_button: QPushButton
    import_button: QPushButton
    outcome: ToneLabel

    def __init__(self, page: QWidget, *, context: Context, opened: Callable[[Any], None],
                 changed: Callable[[str], None]) -> None:
        super().__init__(page)
        self._page = page
        self._context = context
        self._opened = opened
        self._changed = changed
        self._sources: OfflineSources | None = None
        self._built = False
        self.answer: AnswerImport | None = None

    @property
    def sources(self) -> OfflineSources | None:
        return self._sources

    def attach(self, sources: OfflineSources | None) -> None:
        """The core's offline requests (None: detached)."""
        self._sources = sources

    def build(self) -> tuple[QPushButton, QPushButton, ToneLabel]:
        self.sign_button = QPushButton("Sign offline…")
        self.sign_button.setObjectName("approvalsSignOffline")
        self.sign_button.setToolTip("Make a sign request for an owner whose key is on an offline machine: an animated "
                                    "QR code or a file, then import the answer")
        self.import_button = QPushButton("Import offline signature…")
        self.import_button.setObjectName("approvalsImportOffline")
        self.import_button.setToolTip("Read an offline signer's answer (camera, images or a file) and store it for the "
                                      "request it answers")
        self.outcome = ToneLabel(selectable=True)
        self.outcome.setObjectName("approvalsOfflineOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self._built = True
        return self.sign_button, self.import_button, self.outcome

    def refresh_buttons(self, *, enabled: bool, item: ItemRow | None) -> None:
        if not self._built:
            return
        on = enabled and self._sources is not None
        self.sign_button.setEnabled(on and item is not None and item.state in SIGNABLE and not item.quarantined)
        self.import_button.setEnabled(on)

    def open_request(self, safe_tx_hash: str) -> OfflineRequestDialog | None:
        runner, queue, sources = self._context()
        if runner is None or queue is None or sources is None or self._sources is None:
            return None
        from ui.dialogs.offline_request_dialog import OfflineRequestDialog

        dialog = OfflineRequestDialog(runner=runner, queue=queue, sources=sources, offline=self._sources,
                                      safe_tx_hash=safe_tx_hash, parent=self._page)
        self._opened(dialog)
        return dialog

    def import_answer(self) -> AnswerImport | None:
        runner = self._context()[0]
        if runner is None or self._sources is None:
            return None
        from ui.dialogs.offline_answer import restart_import

        started = restart_import(self.answer, runner=runner, sources=self._sources, parent=self._page, say=self._say,
                                 imported=lambda imported: self._changed(str(imported.subject_hash)))
        self.answer = started or self.answer
        return started

    def _say(self, text: str, tone: str) -> None:
        if self._built:
            self.outcome.setText(text)
            self.outcome.set_tone(tone)
            self.outcome.show()
