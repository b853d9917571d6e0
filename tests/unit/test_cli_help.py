"""Every command and subcommand of `custos` answers `--help` (exit 0, nothing on stderr) with the very words users'
scripts and the README were written against: `cli_help_pages.txt` beside this file, made by
`python -m tests.support.cli_help` (regenerate it only for a deliberate change of wording, and review the diff)."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.support.cli_help import WIDTH, command_paths, render_all
from wallet_app.cli import main

REFERENCE = Path(__file__).with_name("cli_help_pages.txt")
PATHS = command_paths()


@cache
def reference_pages() -> dict[tuple[str, ...], str]:
    pages: dict[tuple[str, ...], str] = {}
    chunks = REFERENCE.read_text(encoding="utf-8").split("=== custos ")[1:]
    for number, chunk in enumerate(chunks, start=1):
        title, _, text = chunk.partition(" --help\n")
        pages[tuple(title.split())] = text if number == len(chunks) else text.removesuffix("\n")  # the separator
    return pages


def test_every_command_has_a_reference_page() -> None:
    assert len(PATHS) > 50  # the walk reached the subcommands, not just the top
    assert set(PATHS) == set(reference_pages()), "a command was added or removed: regenerate cli_help_pages.txt"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "custos")
def test_help_of_every_command_is_unchanged(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", WIDTH)
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    out = capsys.readouterr()
    assert done.value.code == 0
    assert out.err == ""
    assert out.out == reference_pages()[path], f"`custos {' '.join(path)} --help` changed"


def test_the_reference_is_what_the_parser_prints_now() -> None:
    assert render_all() == REFERENCE.read_text(encoding="utf-8")


def test_the_installed_custos_command_and_python_m_print_the_same_help() -> None:
    env = {**os.environ, "COLUMNS": WIDTH}
    custos = Path(sys.executable).with_name("custos")
    for command in ([str(custos)], [sys.executable, "-m", "wallet_app.cli"]):
        done = subprocess.run([*command, "safe", "propose", "--help"], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        assert (done.returncode, done.stderr) == (0, ""), command
        assert done.stdout == reference_pages()[("safe", "propose")]
