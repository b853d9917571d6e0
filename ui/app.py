"""`custos-gui`: the desktop application.

The window is shown before anything heavy is loaded: the profile is opened on the serial lane, its saved vaults
are painted (marked as cached), and only then are the services built, which is where the chain stack (web3) is
imported. Keep this module's imports light: Qt, `ui`, and the small pure parts of `wallet_app`.
"""

from __future__ import annotations

# isort: off
from ui.startup_clock import STARTED_AT  # first, so that the clock starts before Qt is imported

# isort: on
import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMainWindow

from ui.errors import ErrorPresenter, ErrorReport, one_line
from ui.gc_guard import GuiThreadCollector
from ui.main_window import MainWindow
from ui.offline.routing import profile_is_offline
from ui.session import (
    BuildServices,
    OpenProfile,
    WalletSession,
    default_build_services,
    default_open_profile,
    default_peek_profile,
)
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.offline.session import OfflineSession

log = logging.getLogger(__name__)

ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "ui" / "custos.svg"
SHUTDOWN_TIMEOUT_S = 10.0
QUIT_AFTER_LOAD_WATCHDOG_MS = 120_000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custos-gui", description="Custos desktop custody wallet")
    parser.add_argument(
        "--home",
        metavar="DIR",
        type=Path,
        default=os.environ.get("CUSTOS_HOME") or None,
        help="data directory holding the profiles (default: $CUSTOS_HOME, else the platform's data directory)",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=os.environ.get("CUSTOS_PROFILE") or "demo",
        help="profile to open (default: $CUSTOS_PROFILE, else 'demo')",
    )
    parser.add_argument(
        "--investor",
        action="store_true",
        help="investor view: holdings only, no key actions anywhere (for investors and auditors)",
    )
    parser.add_argument(
        "--account",
        metavar="ADDRESS",
        action="append",
        default=[],
        help="with --investor: show only this account (repeat for several)",
    )
    parser.add_argument("--quit-after-load", action="store_true", help=argparse.SUPPRESS)
    return parser


def configure_application(app: QApplication) -> None:
    app.setApplicationName("Custos")
    app.setApplicationDisplayName("Custos")
    app.setOrganizationName("Custos")
    app.setOrganizationDomain("custos.invalid")
    app.setDesktopFileName("custos")
    if ICON_PATH.is_file():
        app.setWindowIcon(QIcon(str(ICON_PATH)))


class _StartupClock(QObject):
    """For `--quit-after-load`: seconds from the first import of `ui.app` to the window's first paint, and to the
    paints of the cached and then the live vaults.

    Each milestone is printed the moment it is reached (`shown: 0.181 s`, `cached: …`, `live: …`) so that a parent
    process can also time it by wall clock; then one summary line, and the application quits (exit code 0, or 1
    when live data cannot be loaded)."""

    def __init__(self, app: QApplication, window: MainWindow, session: WalletSession) -> None:
        super().__init__(window)
        self._app = app
        self._window = window
        self.shown_at: float | None = None
        self.cached_at: float | None = None
        self.live_at: float | None = None
        window.installEventFilter(self)
        session.sig_snapshot_shown.connect(self._cached)
        session.sig_live_data_shown.connect(self._live)
        session.sig_load_failed.connect(self._failed)
        QTimer.singleShot(QUIT_AFTER_LOAD_WATCHDOG_MS, self, self._timed_out)

    @staticmethod
    def _now() -> float:
        return time.perf_counter() - STARTED_AT

    @staticmethod
    def _print(name: str, at: float) -> None:
        print(f"{name}: {at:.3f} s", flush=True)

    def _shown(self) -> None:
        if self.shown_at is None:
            self.shown_at = self._now()
            self._print("shown", self.shown_at)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._shown()
        return False

    def _painted_now(self) -> float:
        self._window.repaint()  # paint the new rows now, not at the next turn of the event loop
        self._shown()  # data painted before the first expose is painted by it
        return self._now()

    def _cached(self, _block: int) -> None:
        self.cached_at = self._painted_now()
        self._print("cached", self.cached_at)

    def _live(self, _count: int) -> None:
        self.live_at = self._painted_now()
        self._print("live", self.live_at)

        def fmt(value: float | None) -> str:
            return f"{value:.3f} s" if value is not None else "n/a"

        print(
            f"custos-gui: window shown at {fmt(self.shown_at)}, cached data painted at {fmt(self.cached_at)}, "
            f"live data painted at {fmt(self.live_at)}",
            flush=True,
        )
        self._window.close()
        self._app.exit(0)

    def _failed(self, reason: object) -> None:
        text = one_line(reason) if isinstance(reason, BaseException) else str(reason)
        print(f"custos-gui: could not load live data: {text}", file=sys.stderr, flush=True)
        self._app.exit(1)

    def _timed_out(self) -> None:
        print("custos-gui: live data did not arrive in time", file=sys.stderr, flush=True)
        self._app.exit(1)


def _log_only(report: ErrorReport, _parent: object) -> None:
    """Presenter output for the non-interactive benchmark mode: no modal dialog."""
    print(f"custos-gui: {report.code}: {report.text}", file=sys.stderr, flush=True)


def main(
    argv: Sequence[str] | None = None,
    *,
    open_profile: OpenProfile = default_open_profile,
    build_services: BuildServices = default_build_services,
) -> int:
    """Run the application; `open_profile`/`build_services` may be replaced (tests, screenshots)."""
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help or a usage error
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "custos-gui"])
    assert isinstance(app, QApplication)
    configure_application(app)
    collector = GuiThreadCollector()
    collector.start()
    presenter = ErrorPresenter(show=_log_only if args.quit_after_load else None)
    runner = TaskRunner(presenter=presenter)
    home = args.home.expanduser() if args.home is not None else None
    window: QMainWindow
    session: WalletSession | OfflineSession
    clock: QObject | None
    # An offline signer profile gets its own window and never reaches the main window's session, which builds the
    # chain stack; its settings file says which it is (a caller that brings its own profiles gets the main window).
    if open_profile is default_open_profile and profile_is_offline(home, args.profile):
        from ui.offline.session import OfflineSession, QuitWhenReady
        from ui.offline.window import OfflineSignerWindow

        window = OfflineSignerWindow(profile_name=args.profile)
        session = OfflineSession(window=window, runner=runner, home=home, profile_name=args.profile, parent=window)
        clock = QuitWhenReady(app, session, window, started_at=STARTED_AT) if args.quit_after_load else None
    else:
        window = main_window = MainWindow(profile_name=args.profile)
        if args.investor:
            main_window.enter_investor_view(args.account or None)
        session = wallet_session = WalletSession(
            window=main_window,
            runner=runner,
            home=home,
            profile_name=args.profile,
            open_profile=open_profile,
            build_services=build_services,
            # The saved snapshot is painted from disk first, unless a caller (tests) brings its own profiles.
            peek_profile=default_peek_profile if open_profile is default_open_profile else None,
            parent=window,
        )
        clock = _StartupClock(app, main_window, wallet_session) if args.quit_after_load else None
    # Ctrl+C or a polite kill closes the window like the Quit action, so that the services (and the devnet's
    # state) are closed properly. The collector's timer gives Python the chance to run these handlers.
    previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in (signal.SIGINT, signal.SIGTERM)}
    window.show()
    session.start()
    try:
        code = app.exec()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        session.close()
        if not runner.shutdown(timeout=SHUTDOWN_TIMEOUT_S):
            log.warning("some background work did not finish within %.0f s", SHUTDOWN_TIMEOUT_S)
        # Destroy the Qt objects here, on the GUI thread, rather than whenever the last reference goes.
        for qobject in (window, runner):
            if shiboken6.isValid(qobject):
                shiboken6.delete(qobject)
        del clock, session
        collector.stop()
        shiboken6.delete(collector)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
