"""The signing ceremony's box on the Sign tab: the officers type the signing hash they compared with the online
screen, then K of them enter their shares one after another (a share file and its passphrase, or the share's words
typed into masked lines), each checked as it is entered (its passphrase, its checksum, that it is a share of this
vault's current set, and whose) and the fields wiped before the next officer steps up. Sign stays disabled until the
hash matches and K different shares were entered. Shares are kept only until the signature is made, the entry is
cleared, or another request is read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.fonts import fixed_font
from ui.offline.review_rows import normalize_hash
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
    from ui.offline.cold_work import ShownCold
    from wallet_app.cold.opening import EnteredShare
    from wallet_app.cold.store import Holder

HASH_LENGTH = 66
SHARE_WORDS = 33  # a SLIP-39 share of a 32-byte key
WORDS_PER_LINE = 4
COMPARE_TEXT = ("Compare the signing hash above with the online desktop's screen, character for character (for a large "
                "transfer, with a second person too), and type or paste it here. Then the officers enter their "
                "shares, one after another.")


class MaskedWords(QWidget):
    """A share's words typed into masked lines of four (words 1 to 4, 5 to 8 and so on): nothing typed is shown, but
    each line says how many words it holds, so that a missed word is found without showing any."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self.lines: list[SecretField] = []
        self.counts: list[PlainLabel] = []
        for i in range(0, SHARE_WORDS, WORDS_PER_LINE):
            last = min(i + WORDS_PER_LINE, SHARE_WORDS)
            field = SecretField(f"words {i + 1} to {last}" if last > i + 1 else f"word {last}")
            field.setObjectName("coldShareWordsLine")
            field.setAccessibleName(f"Share words {i + 1} to {last}")
            count = PlainLabel()
            row = i // WORDS_PER_LINE
            grid.addWidget(PlainLabel(f"{i + 1} to {last}" if last > i + 1 else f"{last}"), row, 0)
            grid.addWidget(field, row, 1)
            grid.addWidget(count, row, 2)
            field.textChanged.connect(lambda _t, f=field, c=count, n=last - i: self._count(f, c, n))
            self.lines.append(field)
            self.counts.append(count)

    def _count(self, field: SecretField, count: PlainLabel, wanted: int) -> None:
        typed = len(field.text().split())
        count.setText("" if not typed else f"{typed} of {wanted}" + (" ✓" if typed == wanted else ""))
        emit(self.sig_changed)

    def word_count(self) -> int:
        return sum(len(f.text().split()) for f in self.lines)

    def take_words(self) -> str:
        """The words, read once; every line is wiped."""
        words = " ".join(" ".join(f.text().split()) for f in self.lines)
        self.wipe()
        return " ".join(words.split())

    def set_words(self, words: str) -> None:
        """Fill the lines from `words` (pasted, or for tests)."""
        split = words.split()
        for i, field in enumerate(self.lines):
            field.setText(" ".join(split[i * WORDS_PER_LINE:(i + 1) * WORDS_PER_LINE]))
        if len(split) > len(self.lines) * WORDS_PER_LINE:
            self.lines[-1].setText(" ".join(split[(len(self.lines) - 1) * WORDS_PER_LINE:]))

    def wipe(self) -> None:
        for field in self.lines:
            field.wipe()


class ColdShareBox(QGroupBox):
    sig_share_entered = Signal()
    """An officer pressed Add with a file and passphrase, or words, filled in (read them with `take_entry`)."""
    sig_sign_requested = Signal()
    """The hash matches, K shares were entered, and Sign was pressed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Confirm the hash, enter the shares, sign", parent)
        self.setObjectName("coldShareBox")
        self._shown: ShownCold | None = None
        self._busy = False
        self._checking = False
        self.shares: list[tuple[EnteredShare, Holder]] = []
        self.instruction = PlainLabel(COMPARE_TEXT)
        self.instruction.setWordWrap(True)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("coldConfirmHash")
        self.confirm.setFont(fixed_font())
        self.confirm.setPlaceholderText("0x… the signing hash shown on the online screen")
        self.confirm.setAccessibleName("The signing hash as the online screen shows it")
        self.match = ToneLabel(selectable=True)
        self.match.setObjectName("coldConfirmMatch")
        self.match.setWordWrap(True)
        self.entered = ToneLabel(selectable=True)
        self.entered.setObjectName("coldSharesEntered")
        self.entered.setWordWrap(True)

        self.entry = QGroupBox()
        self.entry.setObjectName("coldShareEntry")
        self.by_file = QRadioButton("Share &file")
        self.by_file.setObjectName("coldShareByFile")
        self.by_words = QRadioButton("&Words")
        self.by_words.setObjectName("coldShareByWords")
        self.by_file.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_file)
        group.addButton(self.by_words)
        self.file_path = QLineEdit()
        self.file_path.setObjectName("coldShareFile")
        self.file_path.setPlaceholderText("The officer's .custos-share file")
        self.file_button = QPushButton("C&hoose…")
        self.file_button.setObjectName("coldChooseShareFile")
        self.file_button.clicked.connect(self.choose_file)
        self.passphrase = SecretField("The officer's share passphrase")
        self.passphrase.setObjectName("coldSharePassphrase")
        file_page = QWidget()
        file_form = QFormLayout(file_page)
        file_form.setContentsMargins(0, 0, 0, 0)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_path, 1)
        file_row.addWidget(self.file_button)
        file_form.addRow(PlainLabel("File:"), file_row)
        file_form.addRow(PlainLabel("Passphrase:"), self.passphrase)
        self.words = MaskedWords()
        self.how = QStackedWidget()
        self.how.addWidget(file_page)
        self.how.addWidget(self.words)
        self.add_button = QPushButton("&Add this share")
        self.add_button.setObjectName("coldAddShare")
        self.add_button.clicked.connect(self.request_add)
        self.checking = PlainLabel("Checking the share (decrypting it takes about half a second)…")
        self.checking.hide()
        self.entry_error = ErrorLine()
        self.entry_error.setObjectName("coldShareError")
        choice = QHBoxLayout()
        choice.addWidget(self.by_file)
        choice.addWidget(self.by_words)
        choice.addStretch(1)
        entry_layout = QVBoxLayout(self.entry)
        entry_layout.addLayout(choice)
        entry_layout.addWidget(self.how)
        entry_layout.addWidget(self.add_button)
        entry_layout.addWidget(self.checking)
        entry_layout.addWidget(self.entry_error)

        self.clear_button = QPushButton("Clear the shares entered")
        self.clear_button.setObjectName("coldClearShares")
        self.clear_button.clicked.connect(self.clear_shares)
        self.sign_button = QPushButton("&Sign with these shares")
        self.sign_button.setObjectName("coldSignButton")
        self.sign_button.setToolTip("Rebuild the vault's key in memory from the shares, sign the transfer, and wipe "
                                    "the key")
        self.sign_button.clicked.connect(self.request_sign)
        self.busy = PlainLabel("Signing: rebuilding the key from the shares…")
        self.busy.hide()
        self.error = ErrorLine()
        self.error.setObjectName("coldSignError")
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.instruction)
        layout.addWidget(PlainLabel("Signing hash as the online screen shows it:"))
        layout.addWidget(self.confirm)
        layout.addWidget(self.match)
        layout.addSpacing(6)
        layout.addWidget(self.entered)
        layout.addWidget(self.entry)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.by_file.toggled.connect(lambda on: self.how.setCurrentIndex(0 if on else 1))
        for field in (self.confirm, self.file_path, self.passphrase):
            field.textChanged.connect(lambda _t: self._update())
        self.words.sig_changed.connect(self._update)
        self.passphrase.returnPressed.connect(self.request_add)
        self.set_review(None)

    # -- what the panel tells it ------------------------------------------------------------------------------------
    def set_review(self, shown: ShownCold | None) -> None:
        """Ask for the hash and shares of `shown` (None or refused: nothing to sign); whatever was entered goes."""
        self._shown = shown if shown is not None and shown.can_sign else None
        self.confirm.clear()
        self.clear_shares()
        self.error.clear_error()
        self.setEnabled(self._shown is not None)
        self._update()

    @property
    def review(self) -> ShownCold | None:
        return self._shown

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.confirm.setReadOnly(busy)
        self._update()

    def set_checking(self, checking: bool) -> None:
        """An entered share is being checked (off the GUI thread): the entry waits."""
        self._checking = checking
        self.checking.setVisible(checking)
        for widget in (self.how, self.by_file, self.by_words):
            widget.setEnabled(not checking)
        self._update()

    # -- entering shares --------------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "The officer's share file", "",
                                                    "Custos share files (*.custos-share);;All files (*)")
        if path:
            self.file_path.setText(path)

    def request_add(self) -> None:
        if self._entry_ready():
            self.entry_error.clear_error()
            emit(self.sig_share_entered)

    def take_entry(self) -> dict[str, str]:
        """What the officer entered, read once ({"path", "passphrase"} or {"words"}); the fields are wiped."""
        if self.by_file.isChecked():
            entry = {"path": self.file_path.text().strip(), "passphrase": self.passphrase.text()}
        else:
            entry = {"words": self.words.take_words()}
        self.passphrase.wipe()
        self.file_path.clear()
        self.words.wipe()
        return entry

    def add_share(self, share: EnteredShare, holder: Holder) -> bool:
        """Keep a checked share; False (and why, in words) when that holder's share was entered already."""
        if any(h.member_index == holder.member_index for _s, h in self.shares):
            self.entry_error.show_error(f"Share {holder.member_index + 1} ({holder.name}) was entered already; the "
                                        "next officer enters their own share.")
            return False
        self.shares.append((share, holder))
        self._update()
        return True

    def show_entry_error(self, text: str) -> None:
        self.entry_error.show_error(f"{text} The share was not added; try again.")

    def take_shares(self) -> list[EnteredShare]:
        """The shares entered, handed over once; the box forgets them."""
        shares = [s for s, _h in self.shares]
        self.shares = []
        self._update()
        return shares

    def clear_shares(self) -> None:
        self.shares = []
        self.passphrase.wipe()
        self.file_path.clear()
        self.words.wipe()
        self.entry_error.clear_error()
        self.set_checking(False)

    # -- signing ----------------------------------------------------------------------------------------------------
    def hash_matches(self) -> bool:
        return self._shown is not None and normalize_hash(self.confirm.text()) == self._shown.signing_hash

    def confirmed_hash(self) -> str:
        return normalize_hash(self.confirm.text())

    def ready(self) -> bool:
        return (self._shown is not None and not self._busy and self.hash_matches()
                and len(self.shares) >= self._shown.threshold)

    def request_sign(self) -> None:
        if self.ready():
            self.error.clear_error()
            emit(self.sig_sign_requested)

    def show_error(self, text: str) -> None:
        self.error.show_error(text)

    def _entry_ready(self) -> bool:
        if self._shown is None or self._busy or self._checking:
            return False
        if len(self.shares) >= self._shown.threshold or not self.hash_matches():
            return False
        if self.by_file.isChecked():
            return bool(self.file_path.text().strip())
        return self.words.word_count() == SHARE_WORDS

    def _update(self) -> None:
        shown = self._shown
        typed = normalize_hash(self.confirm.text())
        if shown is None or typed == "0x":
            self.match.clear()
            self.match.set_tone("plain")
        elif typed == shown.signing_hash:
            self.match.setText("✓ The same signing hash as computed on this signer")
            self.match.set_tone("good")
        elif len(typed) >= HASH_LENGTH:
            self.match.setText("✗ Not the signing hash computed on this signer: do not sign; compare the screens "
                               "again")
            self.match.set_tone("bad")
        else:
            self.match.setText(f"{max(0, len(typed) - 2)} of 64 hex digits typed")
            self.match.set_tone("muted")
        need = shown.threshold if shown is not None else 0
        names = "; ".join(f"✓ share {h.member_index + 1}, {reveal_invisible(h.name, max_length=80)}"
                          for _s, h in self.shares)
        self.entered.setText(f"{len(self.shares)} of the {need} shares needed entered" + (f": {names}" if names else
                                                                                           "."))
        self.entered.set_tone("good" if shown is not None and len(self.shares) >= need else "plain")
        full = shown is not None and len(self.shares) >= need
        self.entry.setVisible(not full)
        self.entry.setEnabled(self.hash_matches() and not self._busy)
        self.entry.setTitle(f"Officer {len(self.shares) + 1} of {need}: enter your share, alone at the keyboard"
                            if shown is not None else "Enter a share")
        self.add_button.setEnabled(self._entry_ready())
        self.clear_button.setEnabled(bool(self.shares) and not self._busy)
        self.sign_button.setEnabled(self.ready())
