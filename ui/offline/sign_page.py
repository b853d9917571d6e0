"""The Sign tab of the offline signer: read a sign request (animated QR code by camera, photos, or its file), review
it on this machine, and sign it only after the officer confirmed the safeTxHash; the answer is shown as a QR code and
may be saved as a file.

A cold vault's request (a typed transaction, ERC-4527 data type 4) is reviewed and signed by K officers' shares in
the cold panel instead (ui/offline/cold_sign_panel.py). A refused request shows why in a warning box and offers no
way to sign: the confirmation box is not even shown, and the refusal is recorded in the audit log when it is
reviewed. Reviewing and signing run on the serial lane (the policy check may write; signing is scrypt, the journal
and the audit log); the window never waits on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.offline import work
from ui.offline.cold_sign_panel import ColdSignPanel, is_cold
from ui.offline.review_panel import ReviewPanel
from ui.offline.review_rows import ShownReview
from ui.offline.sign_box import SignBox
from ui.offline.ur_view import UrView
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack
from ui.widgets.tone_label import ToneLabel
from ui.widgets.warning_list import WarningList
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from pathlib import Path

    from ui.dialogs.qr_scan_dialog import QrScanDialog
    from ui.offline.cold_work import ShownCold
    from wallet_app.offline.transport import ReadRequest, RequestReader
    from wallet_app.ur.ur import UR

WAITING_TEXT = "Opening the offline signer…"
EMPTY_TEXT = ("Read a sign request made on the online desktop (Approvals, Sign offline…): its animated QR code with "
              "the camera, photos of it, or its file. This signer reviews it from its own anchored vaults and imported "
              "policy before anything can be signed.")
NO_CHECK_TEXT = ("Not read: the sign request came without the online desktop's check (custos-check). Custos signs only "
                 "requests that carry it: make it on the online desktop (Approvals, Sign offline…).")
REFUSED_TITLE = "Refused: Custos will not sign this request"
NOT_REVIEWED_TITLE = "Not reviewed: nothing can be signed"
REFUSED_NOTE = "Nothing can be signed for this request. The refusal is recorded in this signer's audit log."
SIGNED_TEXT = ("Signed. Show this code to the online desktop (Approvals, Import offline signature…), or save it as "
               "a file and carry it over (custos offline import FILE).")


class SignPage(QWidget):
    sig_reviewed = Signal(object)
    """A request was reviewed and shown; carries the ShownReview."""
    sig_review_failed = Signal(str)
    """A request could not be read or reviewed; carries why, in words."""
    sig_signed = Signal(str)
    """The request was signed; carries the answer (the eth-signature UR, upper case)."""
    sig_dialog_opened = Signal(object)
    """The scan dialog was opened (window-modal); carries it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineSignPage")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self._busy = False
        self.scan_dialog: QrScanDialog | None = None
        self.read_button = QPushButton("&Read a request…")
        self.read_button.setObjectName("readRequestButton")
        self.read_button.setToolTip("Read a sign request: its animated QR code with the camera, images, or its file")
        self.read_button.clicked.connect(self.read_request)
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("signStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.read_button)
        top.addWidget(self.status, 1)

        self.refusal_box = QFrame()
        self.refusal_box.setObjectName("refusalBox")
        self.refusal_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.refusal_title = ToneLabel(REFUSED_TITLE, bold=True, scale=1.15)
        self.refusal_title.set_tone("bad")
        self.refusals = WarningList("refusalLine")
        refusal_layout = QVBoxLayout(self.refusal_box)
        refusal_layout.addWidget(self.refusal_title)
        refusal_layout.addWidget(self.refusals)
        self.refusal_box.hide()

        self.panel = ReviewPanel()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.panel)
        self.sign_box = SignBox()
        self.sign_box.sig_sign_requested.connect(self._sign)
        self.refused_note = ToneLabel(REFUSED_NOTE, bold=True)
        self.refused_note.set_tone("bad")
        self.refused_note.setObjectName("refusedNote")
        self.refused_note.setWordWrap(True)
        self.signed_text = ToneLabel(SIGNED_TEXT, bold=True)
        self.signed_text.setObjectName("signedText")
        self.signed_text.setWordWrap(True)
        self.signed_text.set_tone("good")
        self.answer = UrView(object_name="answerView", suggested_name="answer.txt")
        self.answer.sig_saved.connect(lambda where: self.status.setText(f"The answer was saved to {where}."))
        side = QWidget()
        side.setMinimumWidth(500)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        for widget in (self.sign_box, self.refused_note, self.signed_text):
            side_layout.addWidget(widget)
        side_layout.addWidget(self.answer, 1)
        side_layout.addStretch(0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        side_scroll = QScrollArea()  # the answer's code needs room; a short window scrolls rather than grows
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setWidget(side)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(side_scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([730, 530])
        self.content = QWidget()
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.panel.hashes_box)
        content_layout.addWidget(self.splitter, 1)
        self.stack, self.message = build_message_stack(self.content, WAITING_TEXT, "signMessage")
        self.cold_panel = ColdSignPanel()  # a cold vault's request (data type 4): its review and signing ceremony
        self.cold_panel.sig_reviewed.connect(self._cold_reviewed)
        self.cold_panel.sig_review_failed.connect(self._failed)
        self.cold_panel.sig_busy.connect(self._set_busy)
        self.cold_panel.sig_signed.connect(lambda text: emit(self.sig_signed, text))
        self.stack.addWidget(self.cold_panel)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.refusal_box)
        layout.addWidget(self.stack, 1)
        self._show_side(None)
        self._update()

    # -- what the window tells it ---------------------------------------------------------------------------------
    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self.answer.set_runner(runner)
        self.cold_panel.attach(context, runner)
        self.message.setText(EMPTY_TEXT)
        self._update()

    def detach(self) -> None:
        self._context = None
        self.sign_box.set_review(None)
        self.cold_panel.detach()
        self._update()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    @property
    def shown(self) -> ShownReview | None:
        return self.sign_box.review

    # -- reading a request ----------------------------------------------------------------------------------------
    def read_request(self) -> None:
        """Open the scan dialog (camera, images, file); the review starts when it has the whole request."""
        if self._context is None or self._runner is None or self._busy or self.scan_dialog is not None:
            return
        from ui.dialogs.qr_scan_dialog import QrScanDialog
        from wallet_app.offline.transport import RequestReader

        collector = RequestReader()
        dialog = QrScanDialog(collector, "Read a sign request from the online desktop", self, runner=self._runner)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._scanned(collector))
        dialog.rejected.connect(lambda: self._scan_cancelled(collector))
        dialog.finished.connect(self._scan_closed)
        self.scan_dialog = dialog
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _scan_closed(self, _result: int) -> None:
        self.scan_dialog = None

    def _scan_cancelled(self, collector: RequestReader) -> None:
        if collector.sign_request_only:
            self.status.setText(NO_CHECK_TEXT)

    def _scanned(self, collector: RequestReader) -> None:
        try:
            read = collector.result()
        except WalletError as exc:
            self._failed(exc)
            return
        self.review(read)

    def review(self, read: ReadRequest) -> None:
        """Review a request already read (serial lane)."""
        if self._context is None or self._runner is None:
            return
        if is_cold(read):
            self._start("Reviewing the cold vault's request on this signer…")
            self.cold_panel.review(read)
            return
        signer = self._context.signer
        self._start("Reviewing the request on this signer…")
        (self._runner.command(lambda: work.review(signer, read)).with_owner(self)
         .on_success(self._reviewed).on_failure(self._failed).quietly().run())

    def review_file(self, path: Path) -> None:
        """Read a request file (UR lines) and review it; the scan dialog's File… does the same."""
        if self._context is None or self._runner is None:
            return
        self._start(f"Reading {path.name}…")
        (self._runner.command(lambda: work.read_request_file(path)).with_owner(self)
         .on_success(self.review).on_failure(self._failed).quietly().run())

    def _start(self, text: str) -> None:
        self._busy = True
        self.status.setText(text)
        self.sign_box.set_review(None)
        self.cold_panel.clear()
        self._update()

    def _reviewed(self, shown: ShownReview) -> None:
        self._busy = False
        self._show_side(shown)  # first: the answer of a previous request goes before the refusals take room
        self.panel.show_review(shown)
        self.stack.setCurrentWidget(self.content)
        self.refusal_title.setText(REFUSED_TITLE)
        self.refusals.show_warnings([("bad", r) for r in shown.refusals])
        self.refusal_box.setVisible(not shown.can_sign)
        self.sign_box.set_review(shown)
        self.status.setText(f"Request {shown.request_id} reviewed on this signer" +
                            ("." if shown.can_sign else ": refused."))
        self._update()
        emit(self.sig_reviewed, shown)

    def _cold_reviewed(self, shown: ShownCold) -> None:
        self._show_side(None)
        self.stack.setCurrentWidget(self.cold_panel)
        self.refusal_title.setText(REFUSED_TITLE)
        self.refusals.show_warnings([("bad", r) for r in shown.refusals])
        self.refusal_box.setVisible(not shown.can_sign)
        self.status.setText(f"Cold vault request {shown.request_id} reviewed on this signer" +
                            ("." if shown.can_sign else ": refused."))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        text = one_line(exc)
        self._show_side(None)
        self.panel.clear()
        self.sign_box.set_review(None)
        self.stack.setCurrentWidget(self.message)
        self.message.setText(EMPTY_TEXT)
        self.refusal_title.setText(NOT_REVIEWED_TITLE)
        self.refusals.show_warnings([("bad", text)])
        self.refusal_box.setVisible(True)
        self.status.setText("The request was not reviewed.")
        self._update()
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)
        emit(self.sig_review_failed, text)

    # -- signing --------------------------------------------------------------------------------------------------
    def _sign(self) -> None:
        shown = self.sign_box.review
        if shown is None or not shown.can_sign or self._context is None or self._runner is None:
            return
        signer, confirmed = self._context.signer, self.sign_box.confirmed_hash()
        password = self.sign_box.take_password()
        self.sign_box.set_busy(True)
        self._busy = True
        self._update()
        (self._runner.command(lambda: work.approve(signer, shown, password, confirmed)).with_owner(self)
         .on_success(self._signed).on_failure(self._sign_failed).quietly().run())

    def _signed(self, result: tuple[UR, str]) -> None:
        ur, text = result
        self._busy = False
        self.sign_box.set_busy(False)
        self.sign_box.set_review(None)
        self.sign_box.hide()
        self.signed_text.show()
        self.answer.show()
        self.answer.show_ur(ur, text)
        self.status.setText("Signed on this signer; the answer is below.")
        self._update()
        emit(self.sig_signed, text)

    def _sign_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.sign_box.set_busy(False)
        self.sign_box.show_error(one_line(exc))
        self._update()
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)

    # -- state ----------------------------------------------------------------------------------------------------
    def _show_side(self, shown: ShownReview | None) -> None:
        self.sign_box.setVisible(shown is not None and shown.can_sign)
        self.refused_note.setVisible(shown is not None and not shown.can_sign)
        self.signed_text.hide()
        self.answer.hide()
        self.answer.clear()

    def _update(self) -> None:
        self.read_button.setEnabled(self._context is not None and not self._busy)
