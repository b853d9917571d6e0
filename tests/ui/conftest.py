"""pytest-qt runs offscreen; the platform must be chosen before Qt is imported anywhere."""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
if not os.environ.get("XDG_RUNTIME_DIR"):  # Qt warns (and warnings fail tests) without one
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="custos-xdg-")

import gc
import sys
from collections.abc import Iterator

import pytest

from tests.ui.fakes import RecordingPresenter
from ui.signals import give_back_true
from ui.tasks import TaskRunner


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_gui_thread() -> Iterator[None]:
    """As the application does (ui/gc_guard.py): no automatic cycle collection, which could run on a worker
    thread and destroy Qt objects there; each test's garbage is collected on the main thread instead."""
    enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _repair_true_refcount() -> Iterator[None]:
    """pytest-qt's waitSignal disconnects its signals; on PySide6 6.12.0 each disconnect steals a reference to
    True (see ui/signals.py). Give back what a test lost so that a long run cannot free True and abort."""
    before = sys.getrefcount(True)
    yield
    give_back_true(before - sys.getrefcount(True))


@pytest.fixture
def presenter() -> RecordingPresenter:
    return RecordingPresenter()


@pytest.fixture
def runner(qapp: object, presenter: RecordingPresenter) -> Iterator[TaskRunner]:
    task_runner = TaskRunner(presenter=presenter, parallel_workers=3)
    yield task_runner
    task_runner.shutdown(timeout=3.0)


# The offscreen platform plugin warns about features it lacks (size hints, raising a window); that says
# nothing about Custos. Every other Qt warning still fails the test (qt_log_level_fail = WARNING).
_OFFSCREEN_NOISE = r"^This plugin does not support (propagateSizeHints|raise)\(\)$"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_NOISE))
