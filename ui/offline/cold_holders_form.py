"""The key ceremony's holders step: for each of the N shares, who holds it and how they take it (shown once as
words, or an encrypted share file under a passphrase they type twice), and the one folder the share files go to.
The passphrases stay in their SecretFields until the ceremony starts, and are wiped when the dialog closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.offline.cold_delivery import FILE, WORDS, HolderPlan
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField

DELIVERY_CHOICES = ((WORDS, "Shown once as words"), (FILE, "Encrypted share file"))
MIN_PASSPHRASE = 8  # wallet_app.keys.keystore.MIN_PASSWORD_LENGTH, checked again by the core


class HolderRow:
    """The widgets of one holder's line."""

    def __init__(self, index: int) -> None:
        self.number = PlainLabel(f"Share {index + 1}")
        self.name = QLineEdit()
        self.name.setObjectName(f"coldHolderName{index}")
        self.name.setPlaceholderText("Officer's name")
        self.name.setMaxLength(80)
        self.delivery = QComboBox()
        self.delivery.setObjectName(f"coldHolderDelivery{index}")
        for value, text in DELIVERY_CHOICES:
            self.delivery.addItem(text, value)
        self.passphrase = SecretField("Passphrase (this officer types it)")
        self.passphrase.setObjectName(f"coldHolderPassphrase{index}")
        self.confirm = SecretField("The same passphrase again")
        self.confirm.setObjectName(f"coldHolderConfirm{index}")
        self.delivery.currentIndexChanged.connect(lambda _i: self.update())
        self.update()

    def widgets(self) -> tuple[QWidget, ...]:
        return self.number, self.name, self.delivery, self.passphrase, self.confirm

    def way(self) -> str:
        return str(self.delivery.currentData())

    def update(self) -> None:
        is_file = self.way() == FILE
        for field in (self.passphrase, self.confirm):
            field.setEnabled(is_file)
            if not is_file:
                field.wipe()

    def wipe(self) -> None:
        self.passphrase.wipe()
        self.confirm.wipe()


class HoldersForm(QWidget):
    sig_changed = Signal()
    """A name, a delivery choice, a passphrase or the folder changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coldHoldersForm")
        self.rows: list[HolderRow] = []
        self.intro = PlainLabel()
        self.intro.setWordWrap(True)
        self._grid_widget = QWidget()
        self._grid = QGridLayout(self._grid_widget)
        self._grid.setContentsMargins(0, 0, 0, 0)
        for column, title in enumerate(("", "Holder", "How they take their share", "Passphrase", "Again")):
            self._grid.addWidget(PlainLabel(title), 0, column)
        self._grid.setColumnStretch(1, 3)
        self._grid.setColumnStretch(3, 2)
        self._grid.setColumnStretch(4, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.addWidget(self._grid_widget)
        inner_layout.addStretch(1)
        scroll.setWidget(inner)
        self.folder = QLineEdit()
        self.folder.setObjectName("coldShareFolder")
        self.folder.setPlaceholderText("Folder for the share files (a removable drive, for instance)")
        self.folder.textChanged.connect(lambda _t: emit(self.sig_changed))
        self.folder_button = QPushButton("C&hoose…")
        self.folder_button.setObjectName("coldChooseFolder")
        self.folder_button.clicked.connect(self.choose_folder)
        self.folder_row = QWidget()
        folder_layout = QHBoxLayout(self.folder_row)
        folder_layout.setContentsMargins(0, 0, 0, 0)
        folder_layout.addWidget(PlainLabel("Share files go to:"))
        folder_layout.addWidget(self.folder, 1)
        folder_layout.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.folder_row)

    def set_count(self, count: int, threshold: int) -> None:
        """Show `count` holder lines, keeping what was typed in the first ones."""
        self.intro.setText(f"Name the {count} officers who each hold one share; any {threshold} of them together can "
                           "sign for the vault. Each chooses how to take their share: shown once on this screen as "
                           "words to write on paper, or an encrypted share file under a passphrase only they know.")
        while len(self.rows) > count:
            row = self.rows.pop()
            row.wipe()
            for widget in row.widgets():
                self._grid.removeWidget(widget)
                widget.deleteLater()
        while len(self.rows) < count:
            row = HolderRow(len(self.rows))
            for column, widget in enumerate(row.widgets()):
                self._grid.addWidget(widget, len(self.rows) + 1, column)
            for field in (row.name, row.passphrase, row.confirm):
                field.textChanged.connect(lambda _t: emit(self.sig_changed))
            row.delivery.currentIndexChanged.connect(lambda _i: self._delivery_changed())
            self.rows.append(row)
        self._delivery_changed()

    def _delivery_changed(self) -> None:
        self.folder_row.setVisible(any(row.way() == FILE for row in self.rows))
        emit(self.sig_changed)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the share files", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def problem(self) -> str:
        """What keeps the ceremony from starting, in words; "" when the form is complete."""
        names = [" ".join(row.name.text().split()) for row in self.rows]
        for number, name in enumerate(names, start=1):
            if not name:
                return f"Name the holder of share {number}."
        if len({n.casefold() for n in names}) != len(names):
            return "A holder is named twice; each share goes to a different person."
        files = [row for row in self.rows if row.way() == FILE]
        for row in files:
            who = " ".join(row.name.text().split())
            if len(row.passphrase.text()) < MIN_PASSPHRASE:
                return f"{who}'s passphrase needs at least {MIN_PASSPHRASE} characters."
            if row.passphrase.text() != row.confirm.text():
                return f"{who}'s passphrase and its repetition differ."
        if len({row.passphrase.text() for row in files}) != len(files):
            return "Two holders typed the same passphrase; each officer chooses their own."
        if files and not self.folder.text().strip():
            return "Choose the folder the share files go to."
        if files and not Path(self.folder.text().strip()).is_dir():
            return "The folder for the share files does not exist."
        return ""

    def names(self) -> list[str]:
        return [" ".join(row.name.text().split()) for row in self.rows]

    def plans(self) -> list[HolderPlan]:
        """What each holder chose (with the passphrases, read once)."""
        return [HolderPlan(name, row.way(), row.passphrase.text() if row.way() == FILE else "")
                for name, row in zip(self.names(), self.rows, strict=True)]

    def directory(self) -> Path | None:
        return Path(self.folder.text().strip()) if any(row.way() == FILE for row in self.rows) else None

    def set_editable(self, editable: bool) -> None:
        self.setEnabled(editable)

    def wipe(self) -> None:
        for row in self.rows:
            row.wipe()
