"""`custos audit list | verify | head | export` on a profile (no chain needed): exit codes, the first bad entry named,
truncation found against an anchored head (M3), exports never overwriting a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from wallet_app.audit import actions
from wallet_app.cli import main
from wallet_app.config import ProfileConfig
from wallet_app.profiles import create_profile, open_profile
from wallet_app.services import build_audit_log
from wallet_app.storage.schema import audit_log

DESK = ProfileConfig(name="desk", network="hashkey", chain_id=177)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    profile = create_profile(home, DESK)
    try:
        audit = build_audit_log(profile)
        for i in range(20):
            audit.record(actor=actions.OPERATOR, action=actions.TOKEN_ADD if i % 2 else actions.FEED_CHANGE,
                         subject=f"0x{i:040x}", detail={"n": i, "label": "=1+1" if i == 7 else f"item {i}"})
    finally:
        profile.close()
    return home


def run(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), "--profile", "desk", "audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


def tamper(home: Path, *statements: object) -> None:
    profile = open_profile(home, "desk")
    try:
        with profile.engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[call-overload]
    finally:
        profile.close()


def test_verify_names_the_first_bad_entry_and_exits_1(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(home, capsys, "verify")
    assert code == 0 and out.startswith("The audit log is intact: 20 entries, 0 signed, head 20:0x")
    tamper(home, update(audit_log).where(audit_log.c.seq == 17).values(subject="0x" + "ff" * 20))
    code, out, _ = run(home, capsys, "verify")
    assert (code, out) == (1, "entry 17: its hash does not match its content (edited?)\n")
    code, out, _ = run(home, capsys, "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["intact"] is False
    assert report["first_bad"] == {"seq": 17, "kind": "edited",
                                   "message": "entry 17: its hash does not match its content (edited?)"}


def test_M3_head_anchors_the_log_and_verify_finds_entries_deleted_from_the_end(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, head, _ = run(home, capsys, "head")
    assert code == 0 and head.startswith("20:0x") and len(head.strip()) == 3 + 66
    code, out, _ = run(home, capsys, "head", "--json")
    assert json.loads(out)["head"] == head.strip()
    assert run(home, capsys, "verify", "--expect-head", head.strip())[0] == 0
    tamper(home, delete(audit_log).where(audit_log.c.seq > 17))
    assert run(home, capsys, "verify")[0] == 0  # alone, a cut log is a valid chain
    code, out, _ = run(home, capsys, "verify", "--expect-head", head.strip())
    assert code == 1 and out.startswith("entry 18: missing: the log ends at entry 17, but the anchored head is "
                                        "entry 20 (3 entries deleted from the end)")
    code, _out, err = run(home, capsys, "verify", "--expect-head", "20:0xnothex")
    assert code == 1 and "SEQ:HASH" in err


def test_list_filters(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(home, capsys, "list", "--action", "token_add", "--limit", "3", "--json")
    listed = json.loads(out)
    assert code == 0 and [e["seq"] for e in listed] == [20, 18, 16]
    assert {e["action"] for e in listed} == {"token_add"} and listed[0]["detail"] == {"n": 19, "label": "item 19"}
    code, out, _ = run(home, capsys, "list", "--actor", "operator", "--limit", "2")
    assert code == 0 and out.splitlines()[0].split()[0] == "20" and "operator" in out
    code, out, _ = run(home, capsys, "list", "--search", "item 3", "--json")
    assert [e["seq"] for e in json.loads(out)] == [4]
    code, out, _ = run(home, capsys, "list", "--action", "execute")
    assert (code, out) == (0, "No audit entries.\n")


def test_export_to_stdout_and_to_a_new_file_only(home: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(home, capsys, "export", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("seq,at,monotonic_ns,host,actor") and len(lines) == 21
    target = tmp_path / "audit.json"
    code, out, _ = run(home, capsys, "export", "--format", "json", "--out", str(target))
    assert code == 0 and out.startswith("Wrote 21 audit entries (json, head 21:0x")  # the stdout export is logged
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == "custos-audit-log" and len(document["entries"]) == 21
    before = target.read_bytes()
    code, _out, err = run(home, capsys, "export", "--format", "csv", "--out", str(target))
    assert code == 1 and "already exists" in err and target.read_bytes() == before
    code, out, _ = run(home, capsys, "list", "--action", "export", "--json")
    exports = json.loads(out)
    assert [e["detail"]["file"] for e in exports] == ["audit.json", "(standard output)"]
    assert run(home, capsys, "verify")[0] == 0
