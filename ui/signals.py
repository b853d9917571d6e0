"""Emit Qt signals from Python without corrupting the interpreter on PySide6 6.12.0.

PySide6 6.12.0 (6.11.3 is fine) returns `True` from `SignalInstance.emit()` (and `.disconnect()`) without taking
a reference to it. Each call therefore steals one reference from `True`; after a few thousand emissions (a
long-running window polling the chain every few seconds gets there) CPython frees `True` and aborts with
"bool_dealloc: deallocating True or False". Every emission in `ui` goes through `emit()` below, which measures
the defect once and, where present, gives the reference back. An extra reference to `True` is harmless, so the
repair is safe on a fixed PySide6 as well; there `emit()` finds nothing to repair.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None

_PROBES = 16


class _Probe(QObject):
    sig_probed = Signal()
    """Emitted only to measure the defect."""


def give_back_true(count: int) -> None:
    """Add `count` references to `True` (to repair references a faulty binding took)."""
    for _ in range(max(0, count)):
        _incref(True)


def _measure() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.sig_probed.emit()
    lost = before - sys.getrefcount(True)
    steals = lost >= _PROBES // 2  # other threads may move the count a little; the defect moves it by 16
    if steals:
        give_back_true(_PROBES)
    return steals


EMIT_STEALS_TRUE = _measure()


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, repairing the reference PySide6 6.12.0 takes from `True`."""
    signal.emit(*args)
    if EMIT_STEALS_TRUE:
        _incref(True)
