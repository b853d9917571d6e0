"""Queue notifications: while the window is open, the approval queue is read every few seconds (PARALLEL lane,
`QueueService.load`) and a desktop notification says when a transaction newly needs a signature from one of this
profile's keys, or newly became ready to execute. Team members whose desktops share a PostgreSQL queue see each
other's proposals and signatures within one interval.

Where the desktop has a system tray the notification is `QSystemTrayIcon.showMessage` (its text escaped: some
notification servers read markup); otherwise it is a notice above the tabs (ui/widgets/notice_bar.py), plain text.
Either opens the Approvals tab. The tab's title counts what waits for this profile: "Approvals (2)".

The first read sets the baseline and, if anything already waits, says so once. A failed read is retried at the next
tick without a dialog (the Approvals page reports errors when it is on screen).

`ui.queue_wiring.attach_queue` wires the Approvals page and this notifier to the services.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QStyle, QSystemTrayIcon, QVBoxLayout

from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.widgets.notice_bar import NoticeBar
    from wallet_app.keys.views import KeyView

DEFAULT_INTERVAL_MS = 5000
NEEDS_SIGNATURE = "needs your signature"
READY = "ready to execute"
APPROVALS_TAB = "Appr&ovals"

Notify = Callable[[str, str], None]
"""Shows one notification: (title, text), both plain text."""


@dataclass(frozen=True, slots=True)
class Waiting:
    safe_tx_hash: str
    reason: str  # NEEDS_SIGNATURE or READY
    text: str  # one line: what it does, the vault, the nonce, whose signature


@dataclass(frozen=True, slots=True)
class QueuePoll:
    waiting: tuple[Waiting, ...]
    fingerprint: frozenset[tuple[str, str, int, int]]  # (hash, state, valid signatures, rows) of every item
    total: int


def read_waiting(load: Callable[[], Sequence[Any]], load_keys: Callable[[], Sequence[KeyView]],
                 load_names: Callable[[], Any] = dict) -> QueuePoll:
    """One read of the queue: what waits for this profile's keys (run on a worker lane)."""
    from ui.models.queue_rows import attention_of, label_of, names_from, plain
    from wallet_app.domain.hex_text import short_hex

    entries = list(load())
    keys = list(load_keys())
    names = names_from({k.address: k.label for k in keys}, load_names())
    waiting: list[Waiting] = []
    for entry in entries:
        attention = attention_of(entry, keys)
        intent = plain((entry.intent_text or "a transaction").splitlines()[0] if entry.intent_text else
                       "a transaction", 160)
        where = f"{label_of(entry.item.safe, names) or entry.item.safe}, nonce {entry.item.nonce}"
        if attention.approvers:
            who = ", ".join(label_of(a, names) or short_hex(a, head=4, tail=4) for a in attention.approvers)
            waiting.append(Waiting(entry.safe_tx_hash, NEEDS_SIGNATURE, f"{intent} ({where}; for {who})"))
        if attention.executable:
            waiting.append(Waiting(entry.safe_tx_hash, READY, f"{intent} ({where})"))
    fingerprint = frozenset((e.safe_tx_hash, e.state, e.valid_signatures, e.signature_rows) for e in entries)
    return QueuePoll(tuple(waiting), fingerprint, len(entries))


class QueueNotifier(QObject):
    sig_polled = Signal(object)
    """A read of the queue arrived; carries the `QueuePoll`."""
    sig_notified = Signal(str, str)
    """A notification was shown; carries its title and text."""
    sig_attention_changed = Signal(int)
    """How many transactions wait for this profile's keys (signature or execution) changed; carries the count."""
    sig_queue_changed = Signal()
    """The queue's content (items, states, signatures) differs from the previous read."""

    def __init__(self, *, runner: TaskRunner, load: Callable[[], Sequence[Any]],
                 load_keys: Callable[[], Sequence[KeyView]], load_names: Callable[[], Any] = dict,
                 notify: Notify | None = None, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load, self._load_keys, self._load_names = load, load_keys, load_names
        self._notify: Notify = notify or (lambda title, text: None)
        self._seen: set[tuple[str, str]] | None = None  # None until the first read (the baseline)
        self._fingerprint: frozenset[tuple[str, str, int, int]] | None = None
        self._attention = -1
        self._in_flight = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        if self._runner.is_shut_down:
            self._timer.stop()
            return
        if self._in_flight:
            return
        self._in_flight = True
        load, load_keys, load_names = self._load, self._load_keys, self._load_names
        (self._runner.query(lambda: read_waiting(load, load_keys, load_names)).with_key((id(self), "poll"))
         .with_owner(self).on_success(self._arrived).on_failure(self._failed).quietly().run())

    def _failed(self, _exc: BaseException) -> None:
        self._in_flight = False  # tried again at the next tick

    def _arrived(self, poll: QueuePoll) -> None:
        self._in_flight = False
        current = {(w.safe_tx_hash, w.reason) for w in poll.waiting}
        changed = self._fingerprint is not None and poll.fingerprint != self._fingerprint
        self._fingerprint = poll.fingerprint
        if self._seen is None:
            if poll.waiting:
                self._say_summary(poll.waiting)
        else:
            for waiting in poll.waiting:
                if (waiting.safe_tx_hash, waiting.reason) not in self._seen:
                    title = "Needs your signature" if waiting.reason == NEEDS_SIGNATURE else "Ready to execute"
                    self._say(title, waiting.text)
        self._seen = current
        count = len({w.safe_tx_hash for w in poll.waiting})
        if count != self._attention:
            self._attention = count
            emit(self.sig_attention_changed, count)
        emit(self.sig_polled, poll)
        if changed:
            emit(self.sig_queue_changed)

    def _say_summary(self, waiting: Sequence[Waiting]) -> None:
        signatures = sum(1 for w in waiting if w.reason == NEEDS_SIGNATURE)
        ready = sum(1 for w in waiting if w.reason == READY)
        parts = []
        if signatures:
            verb = "needs" if signatures == 1 else "need"
            parts.append(f"{signatures} transaction{'s' if signatures != 1 else ''} {verb} your signature")
        if ready:
            parts.append(f"{ready} {'is' if ready == 1 else 'are'} ready to execute")
        self._say("Approval queue", "; ".join(parts) + ".")

    def _say(self, title: str, text: str) -> None:
        self._notify(title, text)
        emit(self.sig_notified, title, text)


class DesktopNotice:
    """Shows a notification in the system tray when there is one, else above the window's tabs."""

    def __init__(self, window: QMainWindow, open_approvals: Callable[[], None]) -> None:
        self._window = window
        self._open = open_approvals
        self._tray: QSystemTrayIcon | None = None
        self.bar: NoticeBar | None = None

    def __call__(self, title: str, text: str) -> None:
        if not shiboken6.isValid(self._window):
            return
        title = reveal_invisible(title, max_length=80)
        text = reveal_invisible(text, max_length=300)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_message(title, text)
        else:
            self._bar().show_notice(title, text)

    def _tray_message(self, title: str, text: str) -> None:
        if self._tray is None:
            icon = QApplication.windowIcon()
            if icon.isNull():
                icon = self._window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            self._tray = QSystemTrayIcon(icon, self._window)
            self._tray.setToolTip("Custos")
            self._tray.messageClicked.connect(self._open)
            self._tray.show()
        # Some notification servers read a subset of HTML: the text is escaped so that it is shown, never obeyed.
        self._tray.showMessage(html.escape(title), html.escape(text), QSystemTrayIcon.MessageIcon.Information, 15000)

    def _bar(self) -> NoticeBar:
        if self.bar is None:
            from ui.widgets.notice_bar import NoticeBar

            self.bar = NoticeBar(on_open=self._open)
            central = self._window.centralWidget()
            layout = central.layout() if central is not None else None
            if isinstance(layout, QVBoxLayout):
                layout.insertWidget(min(1, layout.count()), self.bar)
        return self.bar


def approvals_tab_text(count: int) -> str:
    return f"{APPROVALS_TAB} ({count})" if count > 0 else APPROVALS_TAB
