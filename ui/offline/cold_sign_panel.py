"""The Sign tab's view of a cold vault's request (ERC-4527 data type 4 with a custos-account-check): the review worked
out on this signer, the signing hash to compare across the full width, and beside them the signing ceremony (the
hash typed, K officers' shares entered one by one, then Sign); the answer as an animated QR code with "Save as
file…". A refused request shows why (the Sign tab's refusal box) and offers no way to sign.

Reviewing, checking each share (scrypt) and signing (scrypt, the journal, the audit log) run on the serial lane; the
request is reviewed again just before the shares rebuild the key (ui/offline/cold_work.approve_cold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGroupBox, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.offline import cold_work
from ui.offline.cold_review_view import ColdReviewView
from ui.offline.cold_share_box import ColdShareBox
from ui.offline.ur_view import UrView
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.policy_active import read_only_text
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.offline import work
    from wallet_app.cold.opening import EnteredShare
    from wallet_app.cold.store import Holder
    from wallet_app.offline.transport import ReadRequest
    from wallet_app.ur.ur import UR

REFUSED_NOTE = ("Nothing can be signed for this request, and no officer should enter a share. The refusal is recorded "
                "in this signer's audit log.")
SIGNED_TEXT = ("Signed by the cold vault; its key was rebuilt in memory for this one signature and wiped. Show this "
               "code to the online desktop, which broadcasts the transaction, or save it as a file and carry it over.")


def is_cold(read: ReadRequest) -> bool:
    """Whether the Sign tab reviews `read` as a cold vault's request (a typed transaction) rather than a Safe's."""
    from wallet_app.cold.signer_setup import is_cold_request

    return is_cold_request(read)


class ColdSignPanel(QWidget):
    sig_reviewed = Signal(object)
    """A cold vault's request was reviewed and shown; carries the ShownCold."""
    sig_review_failed = Signal(object)
    """The request could not be reviewed; carries the exception."""
    sig_busy = Signal(bool)
    """A review or signature started (True) or ended (False)."""
    sig_share_checked = Signal(str)
    """An entered share was checked: "" when it was added, else why not."""
    sig_signed = Signal(str)
    """Signed; carries the answer (the eth-signature UR, upper case)."""
    sig_sign_failed = Signal(str)
    """Signing was refused or failed; carries why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coldSignPanel")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self.shown: cold_work.ShownCold | None = None
        self.review_view = ColdReviewView()
        self.hashes = read_only_text("coldReviewHashes", fixed=True, wrap=False)
        self.hashes.setToolTip("The signing hash this signer computed from the transaction's bytes: compare it with "
                               "the online screen, character for character")
        self.hashes.setFixedHeight(self.hashes.fontMetrics().lineSpacing() * 2 + 20
                                   + self.hashes.horizontalScrollBar().sizeHint().height())
        self.hashes_box = QGroupBox("Signing hash, computed on this signer")
        QVBoxLayout(self.hashes_box).addWidget(self.hashes)
        self.share_box = ColdShareBox()
        self.share_box.sig_share_entered.connect(self._check_share)
        self.share_box.sig_sign_requested.connect(self._approve)
        self.refused_note = ToneLabel(REFUSED_NOTE, bold=True)
        self.refused_note.setObjectName("coldRefusedNote")
        self.refused_note.set_tone("bad")
        self.refused_note.setWordWrap(True)
        self.refused_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.signed_text = ToneLabel(SIGNED_TEXT, bold=True)
        self.signed_text.setObjectName("coldSignedText")
        self.signed_text.set_tone("good")
        self.signed_text.setWordWrap(True)
        self.answer = UrView(object_name="coldAnswerView", suggested_name="cold-answer.txt")
        self.answer.save_button.setText("&Save answer file…")
        side = QWidget()
        side.setMinimumWidth(480)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        for widget in (self.share_box, self.refused_note, self.signed_text):
            side_layout.addWidget(widget)
        side_layout.addWidget(self.answer, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        for pane in (self.review_view, side):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(pane)
            splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hashes_box)
        layout.addWidget(splitter, 1)
        self._show_side(None)

    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self.answer.set_runner(runner)

    def detach(self) -> None:
        self._context = None
        self.share_box.set_review(None)

    # -- reviewing ------------------------------------------------------------------------------------------------
    def review(self, read: ReadRequest) -> None:
        """Review a cold vault's request (serial lane); sig_reviewed or sig_review_failed tells the Sign tab."""
        if self._context is None or self._runner is None:
            return
        context = self._context
        self.share_box.set_review(None)
        emit(self.sig_busy, True)
        (self._runner.command(lambda: cold_work.review_request(context, read)).with_owner(self)
         .on_success(self._reviewed).on_failure(self._review_failed).quietly().run())

    def _reviewed(self, shown: cold_work.ShownCold) -> None:
        self.shown = shown
        self._show_side(shown)
        self.review_view.show_review(shown)
        self.hashes.setPlainText("\n".join(shown.hash_lines))
        self.share_box.set_review(shown)
        emit(self.sig_busy, False)
        emit(self.sig_reviewed, shown)

    def _review_failed(self, exc: BaseException) -> None:
        self.shown = None
        self.clear()
        emit(self.sig_busy, False)
        emit(self.sig_review_failed, exc)

    def clear(self) -> None:
        self.shown = None
        self.review_view.clear()
        self.hashes.clear()
        self.share_box.set_review(None)
        self._show_side(None)

    # -- the officers' shares -------------------------------------------------------------------------------------
    def _check_share(self) -> None:
        shown, context, runner = self.shown, self._context, self._runner
        if shown is None or context is None or runner is None:
            return
        entry = self.share_box.take_entry()
        number = len(self.share_box.shares) + 1
        self.share_box.set_checking(True)
        (runner.command(lambda: cold_work.enter_share(context, shown, number=number, **entry)).with_owner(self)
         .on_success(self._share_checked).on_failure(self._share_refused).quietly().run())

    def _share_checked(self, result: tuple[EnteredShare, Holder]) -> None:
        self.share_box.set_checking(False)
        share, holder = result
        added = self.share_box.add_share(share, holder)
        emit(self.sig_share_checked, "" if added else self.share_box.entry_error.text())

    def _share_refused(self, exc: BaseException) -> None:
        self.share_box.set_checking(False)
        text = one_line(exc)
        self.share_box.show_entry_error(text)
        emit(self.sig_share_checked, text)
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)

    # -- signing --------------------------------------------------------------------------------------------------
    def _approve(self) -> None:
        shown, context, runner = self.share_box.review, self._context, self._runner
        if shown is None or context is None or runner is None or not self.share_box.ready():
            return
        confirmed = self.share_box.confirmed_hash()
        shares = self.share_box.take_shares()
        self.share_box.set_busy(True)
        emit(self.sig_busy, True)
        (runner.command(lambda: cold_work.approve_cold(context, shown, shares, confirmed)).with_owner(self)
         .on_success(self._signed).on_failure(self._sign_failed).quietly().run())

    def _signed(self, result: tuple[UR, str]) -> None:
        ur, text = result
        self.share_box.set_busy(False)
        self.share_box.set_review(None)
        self.share_box.hide()
        self.signed_text.show()
        self.answer.show()
        self.answer.show_ur(ur, text)
        emit(self.sig_busy, False)
        emit(self.sig_signed, text)

    def _sign_failed(self, exc: BaseException) -> None:
        self.share_box.set_busy(False)
        text = one_line(exc)
        self.share_box.show_error(f"Nothing was signed. {text} Enter the shares again to retry.")
        emit(self.sig_busy, False)
        emit(self.sig_sign_failed, text)
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)

    def _show_side(self, shown: cold_work.ShownCold | None) -> None:
        self.share_box.setVisible(shown is not None and shown.can_sign)
        self.refused_note.setVisible(shown is not None and not shown.can_sign)
        self.signed_text.hide()
        self.answer.hide()
        self.answer.clear()
