"""Named crash points for the kill-point tests (SECURITY 6.3).

`faultpoint("exec.after_sign_before_persist")` does nothing unless the environment variable WALLET_FAULT names that
point, as `<name>` or `<name>:<hit-count>` (the n-th time the point is reached, 1 by default); then the process kills
itself with SIGKILL, exactly as a crash or a power cut of the application would, with no cleanup and no flush.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "WALLET_FAULT"
_hits: dict[str, int] = {}
_lock = threading.Lock()


def faultpoint(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        hit = _hits[name]
    if hit == (int(count) if count.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
