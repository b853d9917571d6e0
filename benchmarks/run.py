"""Run every benchmark in this folder (`make bench`)."""

from __future__ import annotations

import runpy
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name != "run.py":
        print(f"== {script.stem}")
        runpy.run_path(str(script), run_name="__main__")
