"""The task runner: two lanes, results on the GUI thread, dropped callbacks, failures to the presenter."""

from __future__ import annotations

import threading
import time

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.fakes import RecordingPresenter
from ui.tasks import TaskRunner
from wallet_app.errors import NodeUnreachable, UserCancelled


def wait_idle(qtbot: QtBot, runner: TaskRunner, timeout: int = 3000) -> None:
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=timeout)


def test_serial_lane_runs_commands_one_at_a_time_in_order(qtbot: QtBot, runner: TaskRunner) -> None:
    lock = threading.Lock()
    running = 0
    most_at_once = 0
    started: list[int] = []
    delivered: list[int] = []

    def work(n: int) -> int:
        nonlocal running, most_at_once
        with lock:
            running += 1
            most_at_once = max(most_at_once, running)
            started.append(n)
        time.sleep(0.02)
        with lock:
            running -= 1
        return n

    busy: list[bool] = []
    runner.sig_busy_changed.connect(busy.append)
    for n in range(6):
        runner.command(lambda n=n: work(n)).on_success(delivered.append).run()
    wait_idle(qtbot, runner)
    assert busy == [True, False]  # one busy period for the whole batch (for a progress indicator)
    assert most_at_once == 1
    assert started == list(range(6))
    assert delivered == list(range(6))


def test_parallel_lane_runs_queries_concurrently(qtbot: QtBot, runner: TaskRunner) -> None:
    barrier = threading.Barrier(3, timeout=2)  # only passes if three queries run at the same moment
    results: list[str] = []

    def meet(name: str) -> str:
        barrier.wait()
        return name

    for name in ("a", "b", "c"):
        runner.query(lambda name=name: meet(name)).on_success(results.append).run()
    wait_idle(qtbot, runner)
    assert sorted(results) == ["a", "b", "c"]


def test_results_and_failures_arrive_on_the_gui_thread(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    gui = threading.get_ident()
    seen: dict[str, int] = {}
    worker: list[int] = []

    def fail() -> None:
        worker.append(threading.get_ident())
        raise NodeUnreachable("node down")

    runner.query(lambda: worker.append(threading.get_ident()) or 1).on_success(
        lambda _r: seen.__setitem__("success", threading.get_ident())
    ).run()
    runner.command(fail).on_failure(lambda _e: seen.__setitem__("failure", threading.get_ident())).run()
    wait_idle(qtbot, runner)
    assert seen == {"success": gui, "failure": gui}
    assert gui not in worker
    assert presenter.threads == [gui]


def test_failures_reach_the_one_presenter_after_on_failure(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    order: list[str] = []
    error = NodeUnreachable("Cannot reach the node at http://127.0.0.1:8545.")

    def boom() -> None:
        raise error

    owner = QWidget()
    runner.query(boom).with_owner(owner).on_failure(lambda _e: order.append("on_failure")).run()
    wait_idle(qtbot, runner)
    assert presenter.calls == [(error, owner)]
    assert order == ["on_failure"]


def test_quiet_failures_are_left_to_on_failure(qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter) -> None:
    handled: list[BaseException] = []

    def boom() -> None:
        raise NodeUnreachable("down")

    runner.query(boom).on_failure(handled.append).quietly().run()
    wait_idle(qtbot, runner)
    assert len(handled) == 1
    assert presenter.calls == []


def test_a_failing_callback_reaches_the_presenter(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    def bad_callback(_value: int) -> None:
        raise KeyError("bug in a page")

    runner.query(lambda: 1).on_success(bad_callback).run()
    wait_idle(qtbot, runner)
    assert [type(e) for e in presenter.errors] == [KeyError]


def test_user_cancelled_still_goes_to_the_presenter_which_decides(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    def cancel() -> None:
        raise UserCancelled

    runner.command(cancel).run()
    wait_idle(qtbot, runner)
    assert [type(e) for e in presenter.errors] == [UserCancelled]  # ErrorPresenter shows nothing for it


def test_superseded_query_result_is_dropped(qtbot: QtBot, runner: TaskRunner) -> None:
    release = threading.Event()
    delivered: list[str] = []

    def old() -> str:
        release.wait(3)
        return "old"

    runner.query(old).with_key("balances").on_success(delivered.append).run()
    runner.query(lambda: "new").with_key("balances").on_success(delivered.append).run()
    qtbot.waitUntil(lambda: delivered == ["new"], timeout=2000)
    release.set()
    wait_idle(qtbot, runner)
    assert delivered == ["new"]


def test_superseded_query_that_has_not_started_is_not_run(qtbot: QtBot, presenter: RecordingPresenter) -> None:
    runner = TaskRunner(presenter=presenter, parallel_workers=1)
    release = threading.Event()
    ran: list[str] = []
    try:
        runner.query(lambda: release.wait(3)).run()  # occupies the only worker
        runner.query(lambda: ran.append("first")).with_key("k").run()
        runner.query(lambda: ran.append("second")).with_key("k").run()
        release.set()
        wait_idle(qtbot, runner)
        assert ran == ["second"]
    finally:
        runner.shutdown(2)


def test_callbacks_are_dropped_when_the_owner_was_destroyed(
    qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter
) -> None:
    release = threading.Event()
    delivered: list[object] = []
    owner = QWidget()

    def slow_fail() -> None:
        release.wait(3)
        raise NodeUnreachable("down")

    runner.query(lambda: release.wait(3)).with_owner(owner).on_success(delivered.append).run()
    runner.command(slow_fail).with_owner(owner).on_failure(delivered.append).run()
    shiboken6.delete(owner)
    release.set()
    wait_idle(qtbot, runner)
    assert delivered == []
    assert presenter.calls == []


def test_cancelled_task_delivers_nothing(qtbot: QtBot, runner: TaskRunner) -> None:
    release = threading.Event()
    delivered: list[object] = []
    handle = runner.query(lambda: release.wait(3)).on_success(delivered.append).run()
    handle.cancel()
    release.set()
    wait_idle(qtbot, runner)
    assert delivered == []


def test_event_loop_keeps_turning_while_a_slow_call_runs(qtbot: QtBot, runner: TaskRunner) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    done: list[str] = []

    def slow_chain_call() -> str:
        time.sleep(1.5)  # a node that takes its time
        return "block 42"

    timer.start()
    started = time.perf_counter()
    runner.query(slow_chain_call).on_success(done.append).run()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    timer.stop()
    assert done == ["block 42"]
    assert time.perf_counter() - started >= 1.5
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert len(ticks) > 50
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"


def test_shutdown_finishes_commands_drops_queries_and_does_not_hang(presenter: RecordingPresenter) -> None:
    runner = TaskRunner(presenter=presenter, parallel_workers=1)
    release = threading.Event()
    written: list[int] = []
    queried: list[int] = []
    hung = threading.Event()
    runner.query(lambda: (hung.set(), release.wait(3))).run()  # a hung read occupying the parallel lane
    runner.query(lambda: queried.append(1)).run()  # queued behind it: dropped at shutdown
    assert hung.wait(2)
    for n in range(3):
        runner.command(lambda n=n: (time.sleep(0.01), written.append(n))).run()
    started = time.monotonic()
    finished = runner.shutdown(timeout=0.5)
    elapsed = time.monotonic() - started
    release.set()
    time.sleep(0.05)  # let the abandoned worker finish before the runner is collected
    assert written == [0, 1, 2]  # queued writes are never thrown away
    assert queried == []
    assert finished is False  # the hung read was abandoned...
    assert elapsed < 1.5  # ...without holding up the exit
    try:
        runner.query(lambda: 1).run()
    except RuntimeError:
        pass
    else:
        raise AssertionError("a shut-down runner must refuse new work")
