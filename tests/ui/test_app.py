"""custos-gui's entry point: arguments, the start-up timing line, exit codes, and a light import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.fakes import FakeProfile, FakeServices, FakeSnapshot, builder, make_vaults, opener
from ui.app import build_parser, main
from wallet_app.errors import ProfileNotFound

REPO = Path(__file__).resolve().parents[2]
TIMING = re.compile(
    r"^custos-gui: window shown at \d+\.\d{3} s, cached data painted at \d+\.\d{3} s, "
    r"live data painted at \d+\.\d{3} s$",
    re.MULTILINE,
)


def test_profile_and_home_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path))
    monkeypatch.setenv("CUSTOS_PROFILE", "treasury-ops")
    args = build_parser().parse_args([])
    assert (args.home, args.profile, args.quit_after_load) == (tmp_path, "treasury-ops", False)
    args = build_parser().parse_args(["--profile", "other", "--home", "/x"])
    assert (args.home, args.profile) == (Path("/x"), "other")
    monkeypatch.delenv("CUSTOS_PROFILE")
    assert build_parser().parse_args([]).profile == "demo"


def test_quit_after_load_prints_the_timing_line(qapp: object, capsys: pytest.CaptureFixture[str]) -> None:
    profile = FakeProfile(snapshot=FakeSnapshot(make_vaults(100), 100))
    code = main(["--quit-after-load"], open_profile=opener(profile), build_services=builder(FakeServices()))
    out = capsys.readouterr().out
    assert code == 0
    assert TIMING.search(out), out
    shown, cached, live = (float(x) for x in re.findall(r" at (\d+\.\d{3}) s", out))
    assert shown <= cached <= live
    milestones = re.findall(r"^(shown|cached|live): (\d+\.\d{3}) s$", out, re.MULTILINE)
    assert milestones == [("shown", f"{shown:.3f}"), ("cached", f"{cached:.3f}"), ("live", f"{live:.3f}")]


def test_quit_after_load_fails_with_exit_code_1(qapp: object, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--quit-after-load", "--profile", "nope"],
        open_profile=opener(error=ProfileNotFound("There is no profile named 'nope'.")),
        build_services=builder(FakeServices()),
    )
    assert code == 1
    assert "There is no profile named 'nope'." in capsys.readouterr().err


def test_usage_errors_return_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) == 2
    assert "usage: custos-gui" in capsys.readouterr().err


def test_importing_the_gui_loads_no_chain_stack_and_no_database() -> None:
    code = (
        "import sys, ui.app, ui.session, ui.main_window, ui.tasks, ui.errors\n"
        "heavy = {'web3', 'eth_account', 'eth_tester', 'safe_eth', 'eth_abi', 'eth_keys', 'eth_utils', 'hexbytes',"
        " 'eth', 'sqlalchemy', 'alembic', 'wallet_app.services', 'wallet_app.profiles', 'wallet_app.chain'}\n"
        "loaded = sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)\n"
        "print(' '.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
