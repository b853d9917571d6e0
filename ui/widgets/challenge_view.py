"""An ownership challenge as the officer hands it to the counterparty: its exact text, read-only in monospace (a
signature covers every character), a button that copies it, and until when it may be answered, with its nonce.

The text is the core's (`wallet_app.compliance.challenge_text`, or a satoshi test's instructions), shown as plain text
(the names in it passed the core's field checks: no control or invisible characters) and copied exactly as issued:
the counterparty must sign those very bytes."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.widgets.tone_label import ToneLabel


class ChallengeView(QWidget):
    def __init__(self, prefix: str, *, lines: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.challenge: Any = None  # the core's Challenge on screen, None before one is issued or loaded
        self.text = QPlainTextEdit()
        self.text.setObjectName(f"{prefix}Text")
        self.text.setReadOnly(True)
        self.text.setFont(fixed_font())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * lines + 14)
        self.copy_button = QPushButton("Copy text")
        self.copy_button.setObjectName(f"{prefix}Copy")
        self.copy_button.setToolTip("Copy the text exactly as issued, to send to the counterparty")
        self.copy_button.clicked.connect(self.copy)
        self.expiry = ToneLabel(selectable=True)
        self.expiry.setObjectName(f"{prefix}Expiry")
        self.expiry.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.expiry, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addLayout(row)
        self.show_challenge(None)

    def show_challenge(self, challenge: Any, placeholder: str = "") -> None:
        self.challenge = challenge
        if challenge is None:
            self.text.setPlainText("")
            self.text.setPlaceholderText(placeholder)
            self.expiry.setText("")
            self.copy_button.setEnabled(False)
            return
        self.text.setPlainText(challenge.text)
        used = " It was answered already: issue a new one." if challenge.used else ""
        self.expiry.setText(f"Valid until {challenge.expires_at:%Y-%m-%d %H:%M} UTC; nonce {challenge.nonce}."
                            f"{used}")
        self.expiry.set_tone("bad" if challenge.used else "plain")
        self.copy_button.setEnabled(True)

    def copy(self) -> None:
        if self.challenge is not None:
            QGuiApplication.clipboard().setText(self.challenge.text)
