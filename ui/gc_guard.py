"""Run Python's cycle collector on the GUI thread only.

CPython runs its cyclic garbage collector on whichever thread happens to allocate when a threshold is crossed,
which in Custos is often a worker of the task runner. If that collection frees the last reference to a QObject
owned by Python (a window, a timer, a session), Qt destroys it on the wrong thread and the process crashes
(seen in testing: a QMainWindow freed inside a worker segfaulted in ~QAbstractItemView). So automatic collection
is switched off while the application runs and a timer on the GUI thread collects instead, generation by
generation, as the thresholds would have. The task runner already makes sure that plain reference drops of
callbacks and results happen on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more here, then give collection back to the interpreter."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the generations whose thresholds were crossed; returns the oldest collected, or -1."""
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return generation
        return -1
