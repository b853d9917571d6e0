"""One holder's share words, shown once during the key ceremony: first a screen that names the holder and hides the
words ("Only Ben Wong should see this screen now"), then, when that holder steps up, the words in a large monospace
grid, numbered, with "I have written them down". The words are never selectable, copied or read aloud by an
accessibility name; they are cleared from every label as soon as the holder confirms, or the ceremony stops."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.offline.cold_delivery import WordsTurn
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel

COLUMNS = 4
MAX_WORDS = 40  # SLIP-39 shares of a 32-byte key have 33 words


def _scaled(label: PlainLabel, scale: float, *, bold: bool = False) -> None:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    label.setFont(font)


class WordsView(QStackedWidget):
    sig_written = Signal()
    """The holder confirmed they wrote their words down; the words are already cleared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coldWordsView")
        self._turn: WordsTurn | None = None

        self.ready_page = QWidget()
        self.ready_title = ToneLabel(bold=True, scale=1.5)
        self.ready_title.setObjectName("coldWordsReadyTitle")
        self.ready_text = PlainLabel()
        self.ready_text.setObjectName("coldWordsReadyText")
        self.ready_text.setWordWrap(True)
        _scaled(self.ready_text, 1.15)
        self.show_button = QPushButton()
        self.show_button.setObjectName("coldShowWords")
        self.show_button.clicked.connect(self.reveal)
        ready = QVBoxLayout(self.ready_page)
        ready.addStretch(1)
        for widget in (self.ready_title, self.ready_text):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            ready.addWidget(widget)
        ready.addSpacing(12)
        ready.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignCenter)
        ready.addStretch(2)

        self.words_page = QWidget()
        self.words_title = ToneLabel(bold=True, scale=1.3)
        self.words_title.setObjectName("coldWordsTitle")
        self.grid_frame = QFrame()
        self.grid_frame.setObjectName("coldWordsGrid")
        self.grid_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.grid = QGridLayout(self.grid_frame)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(8)
        self.grid.setContentsMargins(24, 16, 24, 16)
        font = fixed_font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.word_labels: list[PlainLabel] = []
        for i in range(MAX_WORDS):
            label = PlainLabel()
            label.setObjectName("coldWord")
            label.setFont(font)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            label.setAccessibleName(f"Word {i + 1}")
            self.grid.addWidget(label, i // COLUMNS, i % COLUMNS)
            self.word_labels.append(label)
        self.words_note = PlainLabel()
        self.words_note.setObjectName("coldWordsNote")
        self.words_note.setWordWrap(True)
        self.written_button = QPushButton("&I have written them down")
        self.written_button.setObjectName("coldWordsWritten")
        self.written_button.setToolTip("Hide these words and go on to the next holder; they are not shown again")
        self.written_button.clicked.connect(self.confirm_written)
        buttons = QHBoxLayout()  # the dialog's "Cancel the ceremony" stops it from here too
        buttons.addStretch(1)
        buttons.addWidget(self.written_button)
        words = QVBoxLayout(self.words_page)
        words.addWidget(self.words_title)
        words.addWidget(self.grid_frame, 0, Qt.AlignmentFlag.AlignHCenter)
        words.addWidget(self.words_note)
        words.addStretch(1)
        words.addLayout(buttons)

        self.addWidget(self.ready_page)
        self.addWidget(self.words_page)

    @property
    def turn(self) -> WordsTurn | None:
        return self._turn

    def ask_ready(self, turn: WordsTurn) -> None:
        """Name the holder whose turn it is; their words stay hidden until they press Show."""
        self.clear_words()
        self._turn = turn
        who = reveal_invisible(turn.holder, max_length=80)
        self.ready_title.setText(f"Share {turn.number} of {turn.count}: for {who}")
        self.ready_text.setText(f"Only {who} should see this screen now; everyone else looks away. When {who} is "
                                "ready, with paper and pen, show the words.")
        self.show_button.setText(f"Show {who}'s words")
        self.setCurrentWidget(self.ready_page)
        self.show_button.setFocus()

    def reveal(self) -> None:
        turn = self._turn
        if turn is None:
            return
        who = reveal_invisible(turn.holder, max_length=80)
        self.words_title.setText(f"{who}: share {turn.number} of {turn.count}")
        width = len(str(len(turn.words)))
        for i, label in enumerate(self.word_labels):
            label.setText(f"{i + 1:>{width}}. {turn.words[i]:<10}" if i < len(turn.words) else "")
            label.setVisible(i < len(turn.words))
        self.words_note.setText(f"Write these {len(turn.words)} words down, in order, on paper only: no photo, no "
                                f"file. Any {turn.threshold} of the {turn.count} shares rebuild the vault's key; "
                                "Custos shows these words this once and keeps no copy.")
        self.setCurrentWidget(self.words_page)
        self.written_button.setFocus()

    def confirm_written(self) -> None:
        if self._turn is None or self.currentWidget() is not self.words_page:
            return
        self.clear_words()
        emit(self.sig_written)

    def clear_words(self) -> None:
        """Forget the turn and blank every word label."""
        self._turn = None
        for label in self.word_labels:
            label.setText("")
        self.words_title.setText("")
        self.setCurrentWidget(self.ready_page)

    def shown_words(self) -> list[str]:
        """The words as on screen now, without their numbers (for tests)."""
        return [label.text().split(". ", 1)[1].strip() for label in self.word_labels if label.text()]
