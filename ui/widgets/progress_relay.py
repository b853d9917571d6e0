"""A progress callback for core calls that run on a worker lane (`QueueService.follow`, `QueueService.execute`).

The core calls it on the worker thread; it emits a signal on a QObject that lives on the GUI thread, so the text
arrives there through a queued connection. What the core passes (a string, or a value with a `message`/`text`) is
shown as plain text with hidden characters made visible. Calls after the owner is gone are dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.plain_text import reveal_invisible
from ui.signals import emit


def progress_text(*args: object) -> str:
    parts = []
    for arg in args:
        if isinstance(arg, str):
            parts.append(arg)
            continue
        text = getattr(arg, "message", None) or getattr(arg, "text", None)
        parts.append(str(text) if text else str(arg))
    return reveal_invisible(" ".join(p for p in parts if p), max_length=300)


class ProgressRelay(QObject):
    sig_progress = Signal(str)
    """A worker reported progress; carries the text (plain)."""

    def __call__(self, *args: object, **_kwargs: object) -> None:
        try:
            emit(self.sig_progress, progress_text(*args))
        except RuntimeError:  # the relay's C++ object is gone: its dialog or page was closed
            pass
