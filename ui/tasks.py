"""Run blocking core calls off the GUI thread, on two lanes.

The core is synchronous, so every call that may block (disk, network, scrypt, the devnet) goes through a
`TaskRunner`:

- the *serial lane* is one worker thread. Commands run there one at a time, in the order they were submitted:
  opening services, unlocking keys, signing, database writes, nonce assignment.
- the *parallel lane* is a small pool for read-only queries (RPC reads). Queries may run concurrently.

Builders in the spirit of Anki's QueryOp/CollectionOp describe what to do with the result::

    runner.query(services.network.fetch_status).with_key("status").with_owner(page).on_success(page.show).run()
    runner.command(partial(open_profile, home, name)).on_success(window.show_profile).run()

Results travel back to the GUI thread through a queued signal. A task's callbacks are dropped when its owner
widget has been destroyed, when a newer query with the same key superseded it, or when it was cancelled.
Failures go to the one presenter (`ui.errors.ErrorPresenter`); an `on_failure` callback runs first so that a
screen can show what state it is left in. A `quietly()` task leaves presenting to its `on_failure` callback.

Worker threads are daemon threads: `shutdown` lets the serial lane finish what it was given (writes are not
thrown away), drops queries that have not started, and waits at most `timeout` seconds, so a hung node can never
stop the application from exiting.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from ui.signals import emit

T = TypeVar("T")

Presenter = Callable[[BaseException, "QWidget | None"], None]

log = logging.getLogger(__name__)

SERIAL = "serial"
PARALLEL = "parallel"


@dataclass(eq=False)
class _Job:
    ticket: int
    lane: str
    fn: Callable[[], Any]
    key: Hashable | None
    owner: weakref.ref[QObject] | None
    on_success: Callable[[Any], object] | None
    on_failure: Callable[[BaseException], object] | None
    quiet: bool
    cancelled: bool = False  # set on the GUI thread, read by the worker: a plain bool needs no lock
    ran: bool = False
    result: Any = None
    error: BaseException | None = None
    submitted_at: float = field(default_factory=time.monotonic)


def _done() -> None:
    """Stands in for a handled job's function, so that the job holds nothing."""


class TaskHandle:
    """What `run()` returns: lets the submitter drop a task's callbacks (and skip it if not yet started)."""

    def __init__(self, job: _Job) -> None:
        self._job = job

    @property
    def ticket(self) -> int:
        return self._job.ticket

    def cancel(self) -> None:
        self._job.cancelled = True


class _Lane:
    """A FIFO queue served by `size` daemon threads, started on first use."""

    def __init__(self, name: str, size: int, execute: Callable[[_Job], None], finished: Callable[[int], None]):
        self.name = name
        self._size = size
        self._execute = execute
        self._finished = finished
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job: _Job) -> None:
        with self._lock:
            if not self._threads:
                for i in range(self._size):
                    thread = threading.Thread(target=self._work, name=f"custos-{self.name}-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
        self._queue.put(job)

    def drop_pending(self) -> list[_Job]:
        dropped: list[_Job] = []
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return dropped
            if job is not None:
                dropped.append(job)

    def stop(self, deadline: float) -> bool:
        """Let queued work finish, then end the threads; True if they all ended before `deadline`."""
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in threads if t.is_alive()]
        if alive:
            log.warning("task runner: %s still busy at shutdown; abandoning it", ", ".join(alive))
        return not alive

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._execute(job)
            ticket = job.ticket
            # Let go of the job before announcing it: the runner's registry keeps it alive, so the last
            # reference (and with it any QObject its callbacks hold) is always dropped on the GUI thread.
            # A QObject destroyed on a worker thread corrupts Qt's timer lists.
            del job
            self._finished(ticket)


class _Relay(QObject):
    """Lives on the GUI thread; workers emit on it so delivery is queued onto the GUI thread."""

    sig_job_finished = Signal(object)
    """A job finished (or was skipped) on a worker thread; carries its ticket (an int)."""


class _TaskBuilder(Generic[T]):
    _lane = PARALLEL

    def __init__(self, runner: TaskRunner, fn: Callable[[], T]) -> None:
        self._runner = runner
        self._fn = fn
        self._key: Hashable | None = None
        self._owner: QObject | None = None
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None
        self._quiet = False

    def on_success(self, callback: Callable[[T], object]) -> Self:
        """Call `callback(result)` on the GUI thread."""
        self._on_success = callback
        return self

    def on_failure(self, callback: Callable[[BaseException], object]) -> Self:
        """Call `callback(exc)` on the GUI thread before the failure is presented."""
        self._on_failure = callback
        return self

    def with_owner(self, owner: QObject) -> Self:
        """Drop the callbacks if `owner` has been destroyed by the time the result arrives."""
        self._owner = owner
        return self

    def quietly(self) -> Self:
        """Do not present a failure: the `on_failure` callback decides (it may call `TaskRunner.present`);
        without one the failure is only logged. For background polling that reports its state elsewhere."""
        self._quiet = True
        return self

    def run(self) -> TaskHandle:
        return self._runner._submit(
            lane=self._lane,
            fn=self._fn,
            key=self._key,
            owner=self._owner,
            on_success=self._on_success,
            on_failure=self._on_failure,
            quiet=self._quiet,
        )


class QueryOp(_TaskBuilder[T]):
    """A read-only call on the parallel lane."""

    _lane = PARALLEL

    def with_key(self, key: Hashable) -> Self:
        """A newer query with the same key supersedes this one: its result is dropped, or it is not even run."""
        self._key = key
        return self


class CommandOp(_TaskBuilder[T]):
    """A call that writes or holds secrets, on the serial lane. Commands are never superseded or skipped."""

    _lane = SERIAL


class TaskRunner(QObject):
    """Two lanes of worker threads whose results come back on the GUI thread. Create it on the GUI thread."""

    sig_busy_changed = Signal(bool)
    """Emitted when the runner went from idle to busy (True) or back (False)."""

    def __init__(self, *, presenter: Presenter, parallel_workers: int = 4, parent: QObject | None = None):
        super().__init__(parent)
        self._present = presenter
        self._tickets = itertools.count(1)
        self._latest: dict[Hashable, int] = {}
        self._latest_lock = threading.Lock()
        self._jobs: dict[int, _Job] = {}  # submitted, not yet handled; touched on the GUI thread only
        self._closed = False
        self._serial = _Lane(SERIAL, 1, self._execute, self._announce)
        self._parallel = _Lane(PARALLEL, parallel_workers, self._execute, self._announce)
        self._relay = _Relay(self)
        self._relay.sig_job_finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- building -------------------------------------------------------------------------------------------
    def query(self, fn: Callable[[], T]) -> QueryOp[T]:
        return QueryOp(self, fn)

    def command(self, fn: Callable[[], T]) -> CommandOp[T]:
        return CommandOp(self, fn)

    @property
    def in_flight(self) -> int:
        """Tasks submitted whose result has not yet been handled on the GUI thread."""
        return len(self._jobs)

    @property
    def is_shut_down(self) -> bool:
        return self._closed

    def _submit(
        self,
        *,
        lane: str,
        fn: Callable[[], Any],
        key: Hashable | None,
        owner: QObject | None,
        on_success: Callable[[Any], object] | None,
        on_failure: Callable[[BaseException], object] | None,
        quiet: bool,
    ) -> TaskHandle:
        if self._closed:
            raise RuntimeError("the task runner has been shut down")
        job = _Job(
            ticket=next(self._tickets),
            lane=lane,
            fn=fn,
            key=key,
            owner=weakref.ref(owner) if owner is not None else None,
            on_success=on_success,
            on_failure=on_failure,
            quiet=quiet,
        )
        if key is not None:
            with self._latest_lock:
                self._latest[key] = job.ticket
        self._jobs[job.ticket] = job
        if len(self._jobs) == 1:
            emit(self.sig_busy_changed, True)
        (self._serial if lane == SERIAL else self._parallel).submit(job)
        return TaskHandle(job)

    # -- worker side ----------------------------------------------------------------------------------------
    def _is_superseded(self, job: _Job) -> bool:
        if job.key is None:
            return False
        with self._latest_lock:
            return self._latest.get(job.key) != job.ticket

    def _execute(self, job: _Job) -> None:
        # Queries that nobody will look at are not run; commands always run (they may write).
        skip = job.lane == PARALLEL and (job.cancelled or self._closed or self._is_superseded(job))
        if not skip:
            job.ran = True
            try:
                job.result = job.fn()
            except BaseException as exc:
                job.error = exc

    def _announce(self, ticket: int) -> None:
        try:
            emit(self._relay.sig_job_finished, ticket)
        except RuntimeError:  # the relay is gone: the application is exiting
            log.debug("task %s finished after the runner was deleted", ticket)

    # -- GUI side -------------------------------------------------------------------------------------------
    @Slot(object)
    def _deliver(self, ticket: int) -> None:
        job = self._jobs.pop(ticket, None)
        if job is None:  # dropped at shutdown
            return
        try:
            self._handle(job)
        finally:
            # Break the cycle error -> traceback -> worker frame -> job here, on the GUI thread, rather than
            # leaving it to the cyclic collector, which may run on any thread.
            job.error = job.result = job.on_success = job.on_failure = job.owner = None
            job.fn = _done
            if not self._jobs:
                emit(self.sig_busy_changed, False)

    def _handle(self, job: _Job) -> None:
        if job.key is not None:
            with self._latest_lock:
                superseded = self._latest.get(job.key) != job.ticket
                if not superseded:
                    del self._latest[job.key]
            if superseded:
                log.debug("task %s superseded; result dropped", job.ticket)
                return
        owner = job.owner() if job.owner is not None else None
        owner_gone = job.owner is not None and (owner is None or not shiboken6.isValid(owner))
        if self._closed or job.cancelled or owner_gone or not job.ran:
            if job.error is not None:
                log.info("dropped failure of task %s: %s", job.ticket, type(job.error).__name__)
            return
        if job.error is None:
            if job.on_success is not None:
                self._call_back(job.on_success, job.result, owner)
            return
        if job.on_failure is not None:
            self._call_back(job.on_failure, job.error, owner)
        if not job.quiet:
            self._present(job.error, owner if isinstance(owner, QWidget) else None)
        elif job.on_failure is None:
            log.warning("background task failed: %s", type(job.error).__name__, exc_info=job.error)

    def _call_back(self, callback: Callable[[Any], object], value: Any, owner: QObject | None) -> None:
        try:
            callback(value)
        except Exception as exc:  # a bug in a callback must reach the presenter, not vanish in the event loop
            self._present(exc, owner if isinstance(owner, QWidget) else None)

    def present(self, exc: BaseException, parent: QWidget | None = None) -> None:
        """Hand an exception to the one presenter (for failures found on the GUI thread)."""
        self._present(exc, parent)

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop taking work, finish queued commands, drop queued queries; wait at most `timeout` seconds.

        Returns True if every worker ended in time. Results that arrive afterwards are dropped.
        """
        if self._closed:
            return True
        self._closed = True
        dropped = self._parallel.drop_pending()
        for job in dropped:
            self._jobs.pop(job.ticket, None)
        if dropped:
            log.debug("dropped %d queued queries at shutdown", len(dropped))
        deadline = time.monotonic() + timeout
        parallel_ok = self._parallel.stop(deadline)
        serial_ok = self._serial.stop(deadline)
        return parallel_ok and serial_ok
