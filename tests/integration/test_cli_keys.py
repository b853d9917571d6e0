"""`custos keys ...` as a script uses it, on a fresh profile: create, import, export, watch, delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_cli_demo import custos

MNEMONIC = "test test test test test test test test test test test junk"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    custos(tmp_path, "profile", "create", "desk", "--network", "hashkey", "--rpc-url", "http://127.0.0.1:9")
    (tmp_path / "pw").write_text("officer-password\n")
    return tmp_path


def keys(home: Path, *args: str, check: bool = True):  # type: ignore[no-untyped-def]
    return custos(home, "--profile", "desk", "keys", *args, check=check)


def test_the_key_commands_work_end_to_end(home: Path, tmp_path: Path) -> None:
    created = json.loads(keys(home, "create", "--label", "Alice", "--password-file", str(home / "pw"),
                              "--json").stdout)
    assert created["kind"] == "keystore" and created["label"] == "Alice"
    (tmp_path / "words").write_text(MNEMONIC + "\n")
    imported = json.loads(keys(home, "import", "--mnemonic-file", str(tmp_path / "words"), "--path",
                               "m/44'/60'/0'/0/1", "--label", "Ben", "--password-file", str(home / "pw"),
                               "--json").stdout)
    assert imported["address"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    (tmp_path / "pk").write_text("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a\n")
    keys(home, "import", "--private-key-file", str(tmp_path / "pk"), "--label", "Carmen",
         "--password-file", str(home / "pw"))
    keys(home, "watch", "0xd8da6bf26964af9d7eed9e03e53415d37aa96045", "--label", "Auditor")
    listed = json.loads(keys(home, "list", "--json").stdout)
    assert [(k["label"], k["kind"]) for k in listed] == [
        ("Alice", "keystore"), ("Ben", "keystore"), ("Carmen", "keystore"), ("Auditor", "watch")]

    backup = tmp_path / "alice.json"
    keys(home, "export", created["address"], "--out", str(backup), "--password-file", str(home / "pw"))
    assert json.loads(backup.read_text())["crypto"]["kdf"] == "scrypt"
    keys(home, "delete", created["address"])
    assert created["address"] not in keys(home, "list").stdout
    assert not (home / "profiles" / "desk" / "keystores" / f"{created['address']}.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "--private-key-file", "{tmp}/pk", "--label", "x", "--password-file", "{home}/pw"], "64 hex"),
        (["import", "--mnemonic-file", "{tmp}/pk", "--label", "x", "--password-file", "{home}/pw"], "12, 15"),
        (["create", "--label", "x", "--password-file", "{tmp}/missing"], "cannot be read"),
        (["watch", "0x1234", "--label", "x"], "not an address"),
        (["export", "0xd8da6bf26964af9d7eed9e03e53415d37aa96045", "--out", "{tmp}/o", "--password-file",
          "{home}/pw"], "no key"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(home: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "pk").write_text("not a key\n")
    before = keys(home, "list", "--json").stdout
    result = keys(home, *[a.format(tmp=tmp_path, home=home) for a in args], check=False)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert "not a key" not in result.stderr  # secrets are never echoed
    assert keys(home, "list", "--json").stdout == before
