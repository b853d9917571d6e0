"""SoftHSM2 for the tests: a private token folder for the pytest process and a fresh token per test.

`softhsm_home()` writes a SoftHSM2 configuration whose `directories.tokendir` is a temporary folder and points
SOFTHSM2_CONF at it; enter it once per pytest process (a session-scoped fixture) before anything loads the library.
`softhsm_token(home)` then initialises a token with a label of its own and yields `(module_path, token_label, pin)`.
SoftHSM2 lists only the tokens that existed when the library was initialised; Custos re-initialises the library when
it does not find a token label (it holds no session between operations), so tokens made later are found, and so is a
later SOFTHSM2_CONF, since SoftHSM2 re-reads it on every initialisation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "1234"
SO_PIN = "5678"


class SoftHsmToken(NamedTuple):
    module: str
    label: str
    pin: str


class SoftHsmHome(NamedTuple):
    root: Path
    config: Path


def require_softhsm() -> str:
    """The path of softhsm2-util; fails the test (never skips) when SoftHSM2 is not installed."""
    util = shutil.which("softhsm2-util")
    if util is None or not Path(MODULE).is_file():
        pytest.fail(f"SoftHSM2 is not installed (need softhsm2-util and {MODULE}): run `make test`, which installs it")
    return util


@contextmanager
def softhsm_home() -> Iterator[SoftHsmHome]:
    """A SoftHSM2 configuration with its own temporary token folder, in SOFTHSM2_CONF until exit."""
    require_softhsm()
    previous = os.environ.get("SOFTHSM2_CONF")
    with tempfile.TemporaryDirectory(prefix="custos-softhsm-") as tmp:
        root = Path(tmp)
        (root / "tokens").mkdir()
        config = root / "softhsm2.conf"
        config.write_text(
            f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )
        os.environ["SOFTHSM2_CONF"] = str(config)
        try:
            yield SoftHsmHome(root, config)
        finally:
            if previous is None:
                os.environ.pop("SOFTHSM2_CONF", None)
            else:
                os.environ["SOFTHSM2_CONF"] = previous


def _util(home: SoftHsmHome, *args: str) -> None:
    env = {**os.environ, "SOFTHSM2_CONF": str(home.config)}
    result = subprocess.run([require_softhsm(), *args], env=env, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.fail(f"softhsm2-util {args[0]} failed: {(result.stderr or result.stdout).strip()[-300:]}")


def init_token(home: SoftHsmHome, label: str | None = None, pin: str = PIN) -> SoftHsmToken:
    label = label or f"custos-{uuid.uuid4().hex[:16]}"
    _util(home, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN)
    return SoftHsmToken(MODULE, label, pin)


def delete_token(home: SoftHsmHome, label: str) -> None:
    """Remove the token, as if it were pulled out."""
    _util(home, "--delete-token", "--token", label)


@contextmanager
def softhsm_token(home: SoftHsmHome, label: str | None = None, pin: str = PIN) -> Iterator[SoftHsmToken]:
    """A fresh token in `home`, deleted on exit unless the test already removed it."""
    token = init_token(home, label, pin)
    try:
        yield token
    finally:
        env = {**os.environ, "SOFTHSM2_CONF": str(home.config)}
        subprocess.run([require_softhsm(), "--delete-token", "--token", token.label], env=env, capture_output=True,
                       timeout=30)
