"""Run every benchmark in this folder (`make bench`): cold (the cold ceremony), cold_start, evidence (checking an
evidence pack), holdings, policy, proofs, queue, reserves, signers, statement, ur."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The scripts are run from here, not imported: this folder must not shadow the standard library (queue.py is named
# like the `queue` module urllib3 imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

for script in sorted(HERE.glob("*.py")):
    if script.name != "run.py":
        print(f"== {script.stem}")
        runpy.run_path(str(script), run_name="__main__")
