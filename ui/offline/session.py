"""Drives the offline signer's window from start-up: the window is on screen first; then, on the serial lane, the
profile is opened and its offline signer built (keys, anchored vaults, imported policy, audit log; no chain client,
no socket), and the window's tabs get it. At exit the keys are locked and the profile closed on the serial lane,
after any command still queued there."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ui.errors import one_line
from ui.offline import work
from ui.offline.window import OfflineSignerWindow
from ui.signals import emit
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

QUIT_AFTER_LOAD_WATCHDOG_MS = 120_000


class OfflineSession(QObject):
    sig_ready = Signal(object)
    """The signer was built and handed to the window; carries the SignerContext."""
    sig_load_failed = Signal(object)
    """The profile could not be opened as an offline signer; carries the exception."""

    def __init__(self, *, window: OfflineSignerWindow, runner: TaskRunner, home: Path | None, profile_name: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._runner = runner
        self._home = home
        self._name = profile_name
        self._opened: list[work.SignerContext] = []  # touched on the serial lane only, under the lock
        self._lock = threading.Lock()
        self._context: work.SignerContext | None = None
        self._phase = "idle"  # idle, opening, ready, failed, closed

    @property
    def phase(self) -> str:
        return self._phase

    @property
    def context(self) -> work.SignerContext | None:
        return self._context

    def start(self) -> None:
        if self._phase in ("opening", "ready", "closed"):
            return
        self._phase = "opening"
        home, name, opened, lock = self._home, self._name, self._opened, self._lock

        def open_and_keep() -> work.SignerContext:
            context = work.open_signer(home, name)
            with lock:
                opened.append(context)  # so that close() closes it even if the window never received it
            return context

        (self._runner.command(open_and_keep).with_owner(self._window).on_success(self._ready)
         .on_failure(self._failed).run())

    def _ready(self, context: work.SignerContext) -> None:
        if self._phase == "closed":
            return
        self._context = context
        self._phase = "ready"
        self._window.attach(context, self._runner)
        emit(self.sig_ready, context)

    def _failed(self, exc: BaseException) -> None:
        self._phase = "failed"
        self._window.show_failure(one_line(exc))
        emit(self.sig_load_failed, exc)

    def close(self) -> None:
        """Stop using the signer; lock the keys and close the profile on the serial lane."""
        if self._phase == "closed" or not shiboken6.isValid(self):
            return
        self._phase = "closed"
        if shiboken6.isValid(self._window):
            self._window.detach()
        if self._runner.is_shut_down:
            return
        opened, lock = self._opened, self._lock

        def close_opened() -> None:
            with lock:
                contexts = list(opened)
                opened.clear()
            for context in contexts:
                try:
                    context.close()
                except Exception:
                    log.exception("closing the offline signer failed")

        self._runner.command(close_opened).quietly().run()


class QuitWhenReady(QObject):
    """For `custos-gui --quit-after-load` on an offline profile: prints `ready: N s` once the signer is on screen
    and quits (exit code 0), or exits 1 when it cannot be opened."""

    def __init__(self, app: QApplication, session: OfflineSession, window: OfflineSignerWindow, *,
                 started_at: float) -> None:
        super().__init__(window)
        self._app = app
        self._started_at = started_at  # time.perf_counter() when the application started
        self._window = window
        session.sig_ready.connect(self._ready)
        session.sig_load_failed.connect(self._failed)
        QTimer.singleShot(QUIT_AFTER_LOAD_WATCHDOG_MS, self, self._timed_out)

    def _ready(self, _context: object) -> None:
        self._window.repaint()
        print(f"ready: {time.perf_counter() - self._started_at:.3f} s", flush=True)
        self._window.close()
        self._app.exit(0)

    def _failed(self, reason: object) -> None:
        text = one_line(reason) if isinstance(reason, BaseException) else str(reason)
        print(f"custos-gui: the offline signer could not be opened: {text}", file=sys.stderr, flush=True)
        self._app.exit(1)

    def _timed_out(self) -> None:
        print("custos-gui: the offline signer did not open in time", file=sys.stderr, flush=True)
        self._app.exit(1)
