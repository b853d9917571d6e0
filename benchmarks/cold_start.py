"""Cold start of `custos-gui` on the demo profile against a bare PySide6 QMainWindow, measured in the same run.

Each run is a fresh process; the parent measures wall time from spawn until the child prints its milestone, so
interpreter start-up counts for both. Prints medians and the ratio (target: at most 3x).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BIN = Path(sys.executable).parent

BARE_WINDOW = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QLabel("hello"))
window.resize(1280, 800)
window.show()
def painted():
    print("painted", flush=True)
    app.quit()
QTimer.singleShot(0, painted)
app.exec()
"""


def run_until_line(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawn until the child's first line of output, and that line."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.stdout.read()
    if process.wait() != 0 or not line:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return elapsed, line


def gui_milestones(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn until custos-gui printed each milestone line ("shown:", "cached:", "live:")."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert process.stdout is not None
    seen: dict[str, float] = {}
    for line in process.stdout:
        name = line.split(":", 1)[0].strip()
        if name in ("shown", "cached", "live"):
            seen[name] = time.perf_counter() - start
    if process.wait() != 0 or "live" not in seen:
        raise SystemExit(f"custos-gui failed with exit code {process.returncode}")
    return seen


def main() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([str(BIN / "custos"), "--home", home, "demo", "init"], check=True, capture_output=True)
        gui = [str(BIN / "custos-gui"), "--home", home, "--profile", "demo", "--quit-after-load"]
        gui_milestones(gui, env)  # the first start writes the snapshot that later starts paint at once
        bare, shown, cached, live = [], [], [], []
        for _ in range(RUNS):
            bare.append(run_until_line([sys.executable, "-c", BARE_WINDOW], env)[0])
            m = gui_milestones(gui, env)
            shown.append(m["shown"])
            cached.append(m["cached"])
            live.append(m["live"])
    base = statistics.median(bare)
    print(f"cold start, median of {RUNS} runs (seconds from process spawn):")
    print(f"  bare QMainWindow painted          {base:6.3f}")
    for name, values in (("custos-gui window shown", shown), ("custos-gui cached vaults painted", cached),
                         ("custos-gui live vaults painted", live)):
        median = statistics.median(values)
        print(f"  {name:<33}{median:6.3f}   ratio {median / base:4.1f}x")


if __name__ == "__main__":
    main()
