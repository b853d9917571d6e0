"""Cycle collection happens on the GUI thread's timer, never on a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from ui.gc_guard import GuiThreadCollector


def test_cycles_are_collected_by_the_gui_thread_timer(qtbot: QtBot) -> None:
    freed_on: list[int] = []
    collector = GuiThreadCollector(interval_ms=10)
    collector.start()
    try:
        assert not gc.isenabled()
        owned = QObject()  # a Python-owned QObject caught in a reference cycle
        owned.setProperty("note", "cyclic")
        holder = {"object": owned}
        holder["self"] = holder
        weakref.finalize(owned, lambda: freed_on.append(threading.get_ident()))
        del owned, holder

        kept: list[list[int]] = []

        def churn() -> None:  # a worker allocating plenty: it must not be the one that collects
            kept.extend([i] for i in range(50_000))

        worker = threading.Thread(target=churn)
        worker.start()
        worker.join()
        assert freed_on == []  # automatic collection would have run on the worker by now
        qtbot.waitUntil(lambda: bool(freed_on), timeout=3000)
        assert freed_on == [threading.get_ident()]
        kept.clear()
    finally:
        collector.stop()
