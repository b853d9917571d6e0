"""One `custos demo init` per test process, shared: every test module that needs a demo profile works on its own copy
of it (`copy_demo`), so the seconds the demo takes to build are paid once, not once per module.

The template is made by the real command in a child process (its standard output is kept for the tests of what
`demo init` prints) and removed at exit. CUSTOS_TEST_DEMO_HOME names a home made earlier instead (only ever copied).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_LOCK = threading.Lock()
_MADE: dict[str, object] = {}


def demo_template() -> Path:
    with _LOCK:
        if "home" not in _MADE:
            given = os.environ.get("CUSTOS_TEST_DEMO_HOME")
            if given:
                _MADE["home"], _MADE["stdout"] = Path(given), ""
            else:
                home = Path(tempfile.mkdtemp(prefix="custos-demo-template-"))
                atexit.register(shutil.rmtree, home, True)
                env = {**os.environ, "CUSTOS_HOME": "", "WALLET_FAULT": ""}
                result = subprocess.run([sys.executable, "-m", "wallet_app.cli", "--home", str(home), "demo", "init"],
                                        capture_output=True, text=True, env=env, timeout=300, cwd=REPO)
                if result.returncode != 0:
                    raise RuntimeError(f"custos demo init failed: {result.stderr[-2000:]}")
                _MADE["home"], _MADE["stdout"] = home, result.stdout
        home = _MADE["home"]
        assert isinstance(home, Path)
        return home


def demo_init_output() -> str:
    """What `custos demo init` printed when it made the template."""
    demo_template()
    return str(_MADE["stdout"])


def copy_demo(target: Path) -> Path:
    """A private copy of the demo home at `target` (which must not exist yet)."""
    shutil.copytree(demo_template(), target, symlinks=True)
    return target
