"""Review one queued Safe message (a holding statement a vault's quorum signs), and approve it.

No blind signing: what it shows, top to bottom, is where it stands and every warning (quarantine, flagged signatures,
a proposal record that does not verify); the vault, the kind and who asked for it; every field of the EIP-712 typed
data in plain words, one line each, as the core reads them from the stored JSON; the SafeMessage hash (what the key
signs) and the typed data's EIP-712 digest in groups of four with Copy buttons; the signatures so far, whether each
counts and why not.

Approving asks for one of this profile's keys that owns the vault now and has not signed, and its password;
`MessageQueue.approve` gets the SafeMessage hash shown, recomputes it from the stored typed data and refuses a
mismatch. It runs on the SERIAL lane while the dialog says it is busy and cannot be closed; an error (not an owner,
quarantined, wrong password…) is shown in the dialog, which stays open with the key chosen (the password is asked
again). A quarantined message cannot be approved: the reason is shown instead of the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.message_rows import MessageReview, prepare_message_review, signatures_text
from ui.models.queue_rows import name_of, names_from
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.message_review_panels import AboutPanel, MessageHashesPanel, MessageSignaturesPanel, WordsPanel
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from ui.widgets.warning_list import WarningList
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from ui.message_sources import MessageQueueLike
    from ui.queue_sources import QueueSources

APPROVE_INTRO = ("Your key signs the SafeMessage hash shown above: with it the vault vouches (EIP-1271) for every "
                 "field listed. Custos recomputes the hash from the stored typed data and refuses to sign if it "
                 "differs.")


@dataclass(frozen=True, slots=True)
class MessageReviewData:
    view: MessageReview
    names: dict[str, str]


def load_message_review(messages: MessageQueueLike, sources: QueueSources, message_hash: str) -> MessageReviewData:
    """One message as the core loads and verifies it now, prepared for the dialog (on a worker lane)."""
    entry = messages.entry(message_hash)
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    return MessageReviewData(prepare_message_review(entry, names, keys), names)


class ReviewMessageDialog(SecretsDialog):
    sig_review_shown = Signal(object)
    """The message was painted; carries the `MessageReview`."""
    sig_queue_changed = Signal(str)
    """An approval went through; carries the SafeMessage hash reviewed."""
    sig_action_failed = Signal(object)
    """Approving failed; carries the exception (shown in the dialog)."""

    def __init__(self, *, runner: TaskRunner, messages: MessageQueueLike, sources: QueueSources, message_hash: str,
                 approve: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("reviewMessageDialog")
        self.setWindowTitle("Review a Safe message")
        self.setMinimumSize(820, 600)
        self.resize(1000, 860)
        self._runner, self._messages, self._sources = runner, messages, sources
        self._requested = message_hash
        self._focus_password = approve
        self._data: MessageReviewData | None = None
        self._busy = False

        self.title = ToneLabel(scale=1.3, bold=True, selectable=True)
        self.title.setObjectName("messageTitle")
        self.title.setText("Reading the message…")
        self.state = ToneLabel(bold=True, selectable=True)
        self.state.setObjectName("messageState")
        self.state.setWordWrap(True)
        self.warnings_box = WarningList("messageWarning")
        self.about = AboutPanel()
        self.words = WordsPanel()
        self.hashes = MessageHashesPanel()
        self.signatures = MessageSignaturesPanel()
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.state)
        body_layout.addWidget(self.warnings_box)
        body_layout.addWidget(self.about)
        body_layout.addWidget(self.words)
        body_layout.addWidget(self.hashes)
        body_layout.addWidget(self.signatures)
        body_layout.addStretch(1)
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("messageScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidget(body)

        self._build_action_box()
        self.outcome = ToneLabel(bold=True, selectable=True)
        self.outcome.setObjectName("messageResult")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self.error = ErrorLine()
        self.error.setObjectName("messageError")
        self.hint = PlainLabel(selectable=True)
        self.hint.setObjectName("messageHint")
        self.hint.setFont(fixed_font())
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_buttons.rejected.connect(self.reject)
        self.close_button = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.body_scroll, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.action_box)
        layout.addWidget(self.close_buttons)
        self._update_controls()
        self.load()

    def _build_action_box(self) -> None:
        self.action_box = QGroupBox("Approve")
        self.action_box.setObjectName("messageActionBox")
        self.action_intro = PlainLabel(APPROVE_INTRO)
        self.action_intro.setWordWrap(True)
        self.action_intro.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)
        self.action_note = ToneLabel(bold=True, selectable=True)  # why no key is offered (quarantine, …)
        self.action_note.setObjectName("messageActionNote")
        self.action_note.setWordWrap(True)
        self.action_note.set_tone("warn")
        self.action_note.hide()
        self.key_choice = QComboBox()
        self.key_choice.setObjectName("messageKey")
        self.key_choice.setToolTip("Only this profile's keys that own the vault now and have not signed it")
        self.key_choice.currentIndexChanged.connect(lambda _i: self._update_controls())
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("messagePassword")
        self.password.textChanged.connect(lambda _t: self._update_controls())
        self.password.returnPressed.connect(self.submit)
        self.submit_button = QPushButton("Sign and approve")
        self.submit_button.setObjectName("messageSubmit")
        self.submit_button.clicked.connect(self.submit)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_bar.setToolTip("Unlocking the key and signing…")
        self.busy_bar.hide()
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(PlainLabel("Sign with:"), 0, 0)
        grid.addWidget(self.key_choice, 0, 1, 1, 2)
        grid.addWidget(PlainLabel("Password:"), 1, 0)
        grid.addWidget(self.password, 1, 1)
        grid.addWidget(self.submit_button, 1, 2)
        grid.setColumnStretch(1, 1)
        self.key_row = QWidget()
        self.key_row.setLayout(grid)
        box = QVBoxLayout(self.action_box)
        box.addWidget(self.action_intro)
        box.addWidget(self.action_note)
        box.addWidget(self.key_row)
        box.addWidget(self.busy_bar)
        self.action_box.hide()

    # -- reading --------------------------------------------------------------------------------------------
    @property
    def view(self) -> MessageReview | None:
        return None if self._data is None else self._data.view

    @property
    def displayed_hash(self) -> str:
        """The SafeMessage hash on screen (what approve is given)."""
        return self.hashes.message_hash.value()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def warning_labels(self) -> list[ToneLabel]:
        return self.warnings_box.labels

    def load(self) -> None:
        messages, sources, wanted = self._messages, self._sources, self._requested
        (self._runner.query(lambda: load_message_review(messages, sources, wanted)).with_owner(self)
         .on_success(self._loaded).on_failure(self._load_failed).quietly().run())

    def _loaded(self, data: MessageReviewData) -> None:
        self._data = data
        self._paint(data.view)

    def _load_failed(self, exc: BaseException) -> None:
        self.title.set_tone("bad")
        self.title.setText("The message could not be read")
        self.error.show_error(one_line(exc))
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)

    def _paint(self, view: MessageReview) -> None:
        self.title.set_tone("plain")
        self.title.setText(view.title)
        self.state.setText(f"{view.state_text} — {view.signatures_summary}")
        self.state.set_tone(view.state_tone)
        self.warnings_box.show_warnings(view.warnings)
        self.about.show_view(view)
        self.words.show_view(view)
        self.hashes.show_view(view)
        self.signatures.show_view(view)
        self.hint.setText(view.hint)
        self.hint.setVisible(bool(view.hint))
        self._fill_keys(view)
        self._update_controls()
        if self._focus_password and view.approve_keys:
            self._focus_password = False
            self.password.setFocus()
        emit(self.sig_review_shown, view)

    def _fill_keys(self, view: MessageReview) -> None:
        chosen = self.key_choice.currentData()
        self.key_choice.blockSignals(True)
        self.key_choice.clear()
        for option in view.approve_keys:
            self.key_choice.addItem(option.text, option.address)
        index = self.key_choice.findData(chosen) if chosen else -1
        self.key_choice.setCurrentIndex(index if index >= 0 else (0 if view.approve_keys else -1))
        self.key_choice.blockSignals(False)
        offered = bool(view.approve_keys)
        self.action_note.setText(view.why_not)
        self.action_note.set_tone("bad" if view.warnings and not view.approvable else "warn")
        self.action_note.setVisible(not offered)
        self.action_intro.setVisible(offered)
        self.key_row.setVisible(offered)
        # Nothing to sign and nothing wrong (the quorum has signed): the box would only repeat the state.
        self.action_box.setVisible(offered or not view.ready)

    # -- approving ------------------------------------------------------------------------------------------
    def ready(self) -> bool:
        view = self.view
        return (not self._busy and view is not None and view.approvable and self.key_choice.currentData() is not None
                and bool(self.password.text()) and bool(self.displayed_hash))

    def submit(self) -> None:
        if not self.ready():
            return
        shown, key, password = self.displayed_hash, str(self.key_choice.currentData()), self.password.text()
        self.password.wipe()  # it lives only in the command's closure; a retry asks for it again
        messages, sources = self._messages, self._sources
        who = name_of(key, self._data.names if self._data is not None else {})

        def approve() -> tuple[str, MessageReviewData]:
            entry = messages.approve(shown, key, password)
            text = f"Approved by {who}: {signatures_text(entry)}."
            if entry.state == "ready":
                text += " The vault's threshold is met."
            return text, load_message_review(messages, sources, shown)

        self.error.clear_error()
        self.outcome.hide()
        self._set_busy(True)
        (self._runner.command(approve).with_owner(self).on_success(self._succeeded).on_failure(self._failed)
         .quietly().run())

    def _succeeded(self, outcome: tuple[str, MessageReviewData]) -> None:
        text, data = outcome
        self._set_busy(False)
        self.outcome.setText(text)
        self.outcome.set_tone("good")
        self.outcome.show()
        self._data = data
        self._paint(data.view)
        emit(self.sig_queue_changed, data.view.message_hash)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserCancelled):
            return
        self.error.show_error(f"Not approved: {one_line(exc)}")
        emit(self.sig_action_failed, exc)
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self.password.setFocus()
        self.load()  # the queue may have moved meanwhile (another desktop); show it as it is now

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.key_choice.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self._update_controls()

    def _update_controls(self) -> None:
        self.submit_button.setEnabled(self.ready())
        self.close_button.setEnabled(not self._busy)

    # -- closing --------------------------------------------------------------------------------------------
    def secret_fields(self) -> Sequence[SecretField]:
        return (self.password,)
