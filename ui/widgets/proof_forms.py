"""The two boxes of the Proofs page: "Create a proof" (an account, one of its holdings, what to make, and what to do
with the result) and "Check a bundle" (open a file, read QR images, or paste the JSON). They only hold controls; the
page runs the work."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.plain_label import PlainLabel


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button


class CreateBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Create a proof", parent)
        self.setObjectName("proofCreateBox")
        self.account = QComboBox()
        self.account.setObjectName("proofAccount")
        self.account.setMinimumContentsLength(30)
        self.account.setToolTip("The account whose holdings are proven")
        self.holding = QComboBox()
        self.holding.setObjectName("proofHolding")
        self.holding.setMinimumContentsLength(30)
        self.holding.setToolTip("The holding to prove: the native coin, a token, or one NFT")
        self.prove_button = _button("Prove &holding", "proofProve",
                                    "Prove the chosen holding from the chain's state at the latest block")
        self.statement_button = _button("&Statement of account", "proofStatement",
                                        "A statement of everything the account holds, each holding with its proof")
        self.export_button = _button("Export &JSON…", "proofExport",
                                     "Write the bundle just made to a new JSON file (never over an existing one)")
        self.qr_button = _button("Show as &QR…", "proofShowQr",
                                 "Show the bundle just made as QR codes, to be scanned or saved as images")
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("proofCreateStatus")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(PlainLabel("Account:"), self.account)
        form.addRow(PlainLabel("Holding:"), self.holding)
        make = QHBoxLayout()
        make.addWidget(self.prove_button)
        make.addWidget(self.statement_button)
        make.addStretch(1)
        out = QHBoxLayout()
        out.addWidget(self.export_button)
        out.addWidget(self.qr_button)
        out.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(make)
        layout.addLayout(out)
        layout.addWidget(self.status)
        layout.addStretch(1)


class VerifyBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Check a bundle", parent)
        self.setObjectName("proofVerifyBox")
        self.open_button = _button("Open &file…", "proofOpenFile", "Check a proof bundle saved as a JSON file")
        self.images_button = _button("Read QR &images…", "proofOpenImages",
                                     "Check a bundle from pictures of its QR codes (every part, in any order)")
        self.paste = QPlainTextEdit()
        self.paste.setObjectName("proofPaste")
        self.paste.setPlaceholderText("…or paste a bundle's JSON here, then Check")
        self.paste.setTabChangesFocus(True)
        self.paste.setMaximumHeight(96)
        self.check_button = _button("&Check", "proofCheckPasted", "Check the pasted bundle")
        self.note = PlainLabel()
        self.note.setObjectName("proofVerifyNote")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.images_button)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.paste, 1)
        layout.addLayout(bottom)
