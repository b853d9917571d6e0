"""The explicit confirmation before the offline signer signs: the officer types (or pastes) the safeTxHash the online
screen shows, and the key's password. Sign stays disabled until the hash typed is the one this signer computed from
the request's fields (spaces and the 0x ignored, so the grouped form may be typed too), and a password is given; a
refused review never gets here. The password is read once, straight into the signing command, and wiped."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.offline.review_rows import ShownReview, normalize_hash
from ui.signals import emit
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel

HASH_LENGTH = 66  # 0x and 64 hex digits


class SignBox(QGroupBox):
    sig_sign_requested = Signal()
    """The officer pressed Sign with the matching hash and a password."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Confirm and sign", parent)
        self.setObjectName("signBox")
        self._shown: ShownReview | None = None
        self._busy = False
        self.instruction = PlainLabel()
        self.instruction.setObjectName("signInstruction")
        self.instruction.setWordWrap(True)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirmHash")
        self.confirm.setFont(fixed_font())
        self.confirm.setPlaceholderText("0x… the safeTxHash shown on the online screen")
        self.confirm.setAccessibleName("The safeTxHash as the online screen shows it")
        self.confirm.setToolTip("Type or paste the safeTxHash you read on the online desktop's screen. Sign is "
                                "enabled only when it is the one this signer computed.")
        self.match = ToneLabel(selectable=True)
        self.match.setObjectName("confirmMatch")
        self.match.setWordWrap(True)
        self.key = PlainLabel(selectable=True)
        self.key.setObjectName("signKey")
        self.key.setWordWrap(True)
        self.password = SecretField("Password of the key")
        self.password.setObjectName("signPassword")
        self.password.setAccessibleName("Password of the signing key")
        self.sign_button = QPushButton("&Sign")
        self.sign_button.setObjectName("signButton")
        self.sign_button.setToolTip("Sign the safeTxHash with the key, after you compared it with the online screen")
        self.busy = PlainLabel("Signing…")
        self.busy.hide()
        self.error = ErrorLine()
        self.error.setObjectName("signError")
        self.confirm_title = PlainLabel("safeTxHash as the online screen shows it:")
        layout = QVBoxLayout(self)
        layout.addWidget(self.instruction)
        layout.addSpacing(6)
        layout.addWidget(self.confirm_title)
        layout.addWidget(self.confirm)
        layout.addWidget(self.match)
        layout.addSpacing(6)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(PlainLabel("Key:"), self.key)
        form.addRow(PlainLabel("Password:"), self.password)
        layout.addLayout(form)
        layout.addWidget(self.sign_button)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.confirm.textChanged.connect(self._changed)
        self.password.textChanged.connect(self._changed)
        self.password.returnPressed.connect(self.request_sign)
        self.sign_button.clicked.connect(self.request_sign)
        self.set_review(None)

    def set_review(self, shown: ShownReview | None) -> None:
        """Ask for the confirmation of `shown` (None: nothing to sign). Whatever was typed is cleared."""
        self._shown = shown if shown is not None and shown.can_sign else None
        self.confirm.clear()
        self.password.wipe()
        self.error.clear_error()
        if self._shown is None:
            self.instruction.clear()
            self.key.clear()
        else:
            self.instruction.setText(self._shown.compare_instruction)
            self.key.setText(self._shown.key_text)
            self.confirm_title.setText(f"{self._shown.hash_name} as the online screen shows it:")
        self.setEnabled(self._shown is not None)
        self._changed()

    @property
    def review(self) -> ShownReview | None:
        return self._shown

    def hash_matches(self) -> bool:
        return self._shown is not None and normalize_hash(self.confirm.text()) == self._shown.safe_tx_hash

    def ready(self) -> bool:
        return not self._busy and self.hash_matches() and bool(self.password.text())

    def confirmed_hash(self) -> str:
        return normalize_hash(self.confirm.text())

    def take_password(self) -> str:
        """The password, read once; the field is wiped."""
        secret = self.password.text()
        self.password.wipe()
        return secret

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.confirm.setReadOnly(busy)
        self.password.setEnabled(not busy)
        self._changed()

    def show_error(self, text: str) -> None:
        self.error.show_error(text)

    def request_sign(self) -> None:
        if self.ready():
            self.error.clear_error()
            emit(self.sig_sign_requested)

    def _changed(self) -> None:
        typed = normalize_hash(self.confirm.text())
        if self._shown is None or typed == "0x":
            self.match.clear()
            self.match.set_tone("plain")
        elif typed == self._shown.safe_tx_hash:
            self.match.setText(f"✓ The same {self._shown.hash_name} as computed on this signer")
            self.match.set_tone("good")
        elif len(typed) >= HASH_LENGTH:
            self.match.setText(f"✗ Not the {self._shown.hash_name} computed on this signer: do not sign; compare the "
                               "screens again")
            self.match.set_tone("bad")
        else:
            self.match.setText(f"{max(0, len(typed) - 2)} of 64 hex digits typed")
            self.match.set_tone("muted")
        self.sign_button.setEnabled(self.ready())
