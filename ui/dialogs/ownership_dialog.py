"""Prove that a counterparty controls one of its addresses, two ways, one tab each.

- Signature: Issue challenge asks the core for a challenge (EIP-191 text naming the institution, the counterparty,
  the address, the chain, a nonce and an expiry); it is shown read-only with a copy button and its expiry. The
  counterparty signs it with the address's key (or its contract wallet answers EIP-1271); the signature pasted here
  is checked by the core at the latest block (`OwnershipDesk.prove_by_signature`).
- Satoshi test: one of the profile's vaults and an asset (the native coin or a reviewed token) are chosen; Issue test
  asks the core for the exact small amount to send from the address to that vault; the transaction hash given is
  checked to be exactly that payment, from that address, and final (`prove_by_satoshi`).

A challenge answered later (the counterparty takes its time) is loaded again by its nonce. Issuing, loading and
checking run off the GUI thread (issuing and checking write: SERIAL lane; loading reads: PARALLEL lane) while the
dialog says what it is doing. A refusal (a signature from another address, an expired or used challenge, a payment of
another amount…) is shown in the core's words, and the address stays not proven: only the core's answer marks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.fonts import fixed_font
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.challenge_view import ChallengeView
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.counterparty_sources import AssetChoice, CounterpartySources

SIGNATURE, SATOSHI = "signature", "satoshi"
SIGNATURE_INTRO = ("Issue a challenge and send its text to the counterparty. It signs the text exactly, with the key "
                   "of this address (an EIP-191 signature) or through its contract wallet (EIP-1271), and sends the "
                   "signature back; paste it below. A challenge is valid for 24 hours and answers once.")
SATOSHI_INTRO = ("Choose the vault to pay into and the asset. Custos names an exact small amount; the counterparty "
                 "sends exactly that from this address to the vault in one transaction and gives its hash. It is "
                 "checked once the payment is final. A test is valid for 72 hours.")


class _Method(QWidget):
    """One tab: its intro, what issues a challenge, the challenge, the answer field and its Check button."""

    def __init__(self, method: str, intro: str, answer_hint: str) -> None:
        super().__init__()
        self.method = method
        prefix = "ownershipSignature" if method == SIGNATURE else "ownershipSatoshi"
        self.intro = PlainLabel(intro)
        self.intro.setWordWrap(True)
        self.issue_button = QPushButton("Issue challenge" if method == SIGNATURE else "Issue test")
        self.issue_button.setObjectName(f"{prefix}Issue")
        self.nonce = QLineEdit()
        self.nonce.setObjectName(f"{prefix}Nonce")
        self.nonce.setPlaceholderText("or the nonce of one issued earlier")
        self.nonce.setFont(fixed_font())
        self.nonce.setMaxLength(80)
        self.load_button = QPushButton("Load")
        self.load_button.setObjectName(f"{prefix}Load")
        self.load_button.setToolTip("Show a challenge issued earlier for this address, to check its answer")
        self.challenge = ChallengeView(f"{prefix}Challenge", lines=9 if method == SIGNATURE else 4)
        self.answer = QLineEdit()
        self.answer.setObjectName(f"{prefix}Answer")
        self.answer.setPlaceholderText(answer_hint)
        self.answer.setFont(fixed_font())
        self.answer.setMaxLength(9000)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName(f"{prefix}Check")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        issue = QHBoxLayout()
        issue.addWidget(self.issue_button)
        issue.addSpacing(12)
        issue.addWidget(self.nonce, 1)
        issue.addWidget(self.load_button)
        answer = QHBoxLayout()
        answer.addWidget(self.answer, 1)
        answer.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addLayout(issue)
        layout.addWidget(self.challenge)
        layout.addWidget(PlainLabel("The signature:" if method == SIGNATURE else "The payment's transaction hash:"))
        layout.addLayout(answer)
        layout.addStretch(1)


class OwnershipDialog(QDialog):
    sig_proven = Signal(str)
    """The core recorded the address as proven; carries the address."""
    sig_done = Signal(str)
    """Issuing, loading or checking finished; carries what happened, in words (tests wait on it)."""

    def __init__(self, *, runner: TaskRunner, sources: CounterpartySources, counterparty: str, shown_name: str,
                 address: str, proof: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("ownershipDialog")
        self.setWindowTitle("Prove address ownership")
        self.setMinimumWidth(720)
        self._runner, self._sources = runner, sources
        self._counterparty, self.address = counterparty, address
        self._busy = False
        self._proven = False
        self._failure = "Not read"

        self.state = ToneLabel(selectable=True)
        self.state.setObjectName("ownershipState")
        self.state.setWordWrap(True)
        self._show_state(proof)
        self.signature = _Method(SIGNATURE, SIGNATURE_INTRO, "0x… (65 bytes from a key; a contract wallet's may be "
                                                             "longer)")
        self.satoshi = _Method(SATOSHI, SATOSHI_INTRO, "0x… (64 hex digits)")
        self.vault = QComboBox()
        self.vault.setObjectName("ownershipVault")
        self.asset = QComboBox()
        self.asset.setObjectName("ownershipAsset")
        self.satoshi.form.addRow(PlainLabel("Pay into:"), self.vault)
        self.satoshi.form.addRow(PlainLabel("Asset:"), self.asset)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("ownershipTabs")
        self.tabs.addTab(self.signature, "&Signature")
        self.tabs.addTab(self.satoshi, "S&atoshi test")
        self.result = ToneLabel(bold=True, selectable=True)
        self.result.setObjectName("ownershipResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.error = ErrorLine()
        self.error.setObjectName("ownershipError")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_label = PlainLabel()
        busy = QHBoxLayout()
        busy.addWidget(self.busy_label)
        busy.addWidget(self.busy_bar, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        header = QVBoxLayout()
        name = PlainLabel(reveal_invisible(shown_name, max_length=100), selectable=True)
        font = name.font()
        font.setBold(True)
        name.setFont(font)
        where = PlainLabel(address, selectable=True)
        where.setObjectName("ownershipAddress")
        where.setFont(fixed_font())
        header.addWidget(name)
        header.addWidget(where)
        header.addWidget(self.state)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addLayout(busy)
        layout.addWidget(self.buttons)

        for method in (self.signature, self.satoshi):
            method.issue_button.clicked.connect(lambda _c=False, m=method: self.issue(m.method))
            method.load_button.clicked.connect(lambda _c=False, m=method: self.load_challenge(m.method))
            method.check_button.clicked.connect(lambda _c=False, m=method: self.check(m.method))
            method.answer.textChanged.connect(lambda _t: self._update())
            method.nonce.textChanged.connect(lambda _t: self._update())
            method.answer.returnPressed.connect(lambda m=method: self.check(m.method))
        self.vault.currentIndexChanged.connect(lambda _i: self._update())
        self._set_busy("Reading the vaults and tokens…")
        (runner.query(lambda: (list(sources.load_vaults()), list(sources.load_assets()))).with_owner(self)
         .on_success(self._choices_arrived).on_failure(self._choices_failed).quietly().run())

    def tab(self, method: str) -> _Method:
        return self.signature if method == SIGNATURE else self.satoshi

    @property
    def busy(self) -> bool:
        return self._busy

    def _show_state(self, proof: str) -> None:
        proven = proof != "not proven" and bool(proof)
        self.state.setText(f"Ownership: {proof}" if proof else "Ownership: not proven")
        self.state.set_tone("good" if proven else "warn")

    # -- reading the choices ----------------------------------------------------------------------------------
    def _choices_arrived(self, choices: tuple[list[tuple[str, str]], list[AssetChoice]]) -> None:
        vaults, assets = choices
        for address, label in vaults:
            shown = f"{reveal_invisible(label, max_length=50)}  {address[:8]}…{address[-6:]}" if label else address
            self.vault.addItem(shown, address)
        for asset in assets:
            what = "the native coin" if asset.key == "native" else f"{asset.key[:8]}…{asset.key[-6:]}"
            self.asset.addItem(f"{reveal_invisible(asset.symbol, max_length=16)} — {what}", asset)
        self._set_busy("")
        if not vaults:
            self.satoshi.challenge.show_challenge(None, "This profile has no vault to pay into: a satoshi test is "
                                                        "not possible here.")

    def _choices_failed(self, exc: BaseException) -> None:
        self._set_busy("")
        self.error.show_error(f"The vaults and tokens could not be read: {one_line(exc)}")

    # -- issuing, loading, checking ---------------------------------------------------------------------------
    def issue(self, method: str) -> None:
        if self._busy or self._proven:
            return
        ownership, actor, address = self._sources.ownership, self._sources.actor, self.address
        work: Callable[[], Any]
        if method == SIGNATURE:
            work = lambda: ownership.issue_signature_challenge(address, actor=actor)  # noqa: E731
        else:
            vault, asset = self.vault.currentData(), self.asset.currentData()
            if vault is None or asset is None:
                self.error.show_error("Choose the vault to pay into and the asset first.")
                return
            work = lambda: ownership.issue_satoshi_test(  # noqa: E731
                address, vault=vault, asset=asset.key, decimals=asset.decimals,
                symbol=reveal_invisible(asset.symbol, max_length=16), actor=actor)
        self._start("Issuing the challenge…" if method == SIGNATURE else "Issuing the test…", "Not issued")
        (self._runner.command(work).with_owner(self).on_success(lambda c: self._challenge_arrived(c, "Issued"))
         .on_failure(self._failed).quietly().run())

    def load_challenge(self, method: str) -> None:
        nonce = self.tab(method).nonce.text().strip()
        if self._busy or self._proven or not nonce:
            return
        ownership = self._sources.ownership
        self._start("Reading the challenge…", "Not loaded")
        (self._runner.query(lambda: ownership.load(nonce)).with_owner(self)
         .on_success(lambda c: self._challenge_arrived(c, "Loaded")).on_failure(self._failed).quietly().run())

    def _challenge_arrived(self, challenge: Any, how: str) -> None:
        self._set_busy("")
        if challenge.address != self.address:
            self.error.show_error(f"Challenge {challenge.nonce} was issued for {challenge.address}, not for this "
                                  "address.")
            emit(self.sig_done, "refused")
            return
        tab = self.tab(SIGNATURE if challenge.method == SIGNATURE else SATOSHI)
        self.tabs.setCurrentWidget(tab)
        tab.challenge.show_challenge(challenge)
        tab.issue_button.setText("Issue a new challenge" if tab is self.signature else "Issue a new test")
        tab.nonce.clear()
        tab.answer.clear()
        tab.answer.setFocus()
        self._update()
        emit(self.sig_done, how.lower())

    def check(self, method: str) -> None:
        tab = self.tab(method)
        challenge, answer = tab.challenge.challenge, tab.answer.text().strip()
        if self._busy or self._proven or challenge is None or not answer:
            return
        ownership, actor, nonce = self._sources.ownership, self._sources.actor, challenge.nonce
        if method == SIGNATURE:
            work: Callable[[], Any] = lambda: ownership.prove_by_signature(nonce, answer, actor=actor)  # noqa: E731
            self._start("Checking the signature at the latest block…", "Not proven")
        else:
            work = lambda: ownership.prove_by_satoshi(nonce, answer, actor=actor)  # noqa: E731
            self._start("Checking the payment: its transaction, receipt and confirmations…", "Not proven")
        (self._runner.command(work).with_owner(self).on_success(self._proven_arrived).on_failure(self._failed)
         .quietly().run())

    def _proven_arrived(self, proof: Any) -> None:
        self._set_busy("")
        self._proven = True
        summary = reveal_invisible(proof.summary(), max_length=300)
        self.result.setText(f"Proven: {summary}. It is stored with the address.")
        self.result.set_tone("good")
        self.result.show()
        self._show_state(summary)
        self._update()
        emit(self.sig_proven, self.address)
        emit(self.sig_done, "proven")

    def _failed(self, exc: BaseException) -> None:
        self._set_busy("")
        self.error.show_error(f"{self._failure}: {one_line(exc)}")
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self._update()
        emit(self.sig_done, "refused")

    # -- state ------------------------------------------------------------------------------------------------
    def _start(self, text: str, failure: str) -> None:
        self._failure = failure  # how a failure is said: "Not issued", "Not loaded", "Not proven"
        self.error.clear_error()
        self.result.hide()
        self._set_busy(text)

    def _set_busy(self, text: str) -> None:
        self._busy = bool(text)
        self.busy_label.setText(text)
        self.busy_label.setVisible(self._busy)
        self.busy_bar.setVisible(self._busy)
        self._update()

    def _update(self) -> None:
        open_ = not self._busy and not self._proven
        for tab in (self.signature, self.satoshi):
            tab.issue_button.setEnabled(open_ and (tab is self.signature or self.vault.currentData() is not None))
            tab.load_button.setEnabled(open_ and bool(tab.nonce.text().strip()))
            tab.check_button.setEnabled(open_ and tab.challenge.challenge is not None
                                        and not tab.challenge.challenge.used and bool(tab.answer.text().strip()))
            tab.answer.setEnabled(open_)
        self.vault.setEnabled(open_)
        self.asset.setEnabled(open_)
        self.close_button.setEnabled(not self._busy)

    def reject(self) -> None:
        if not self._busy:  # the answer must reach the dialog; it closes once it has
            super().reject()
