"""`custos cold` on a real offline signer profile in a data directory of its own (issue 15): the key ceremony with
encrypted share files, list and show, a reshare confirmed by the new holders, the refusals of bad input in words, and
SECURITY H4 for cold vaults: after the ceremonies no file of the profile (its database and WAL included), no output,
no log line and no OS keyring entry holds the key, the master secret or any share's words."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_account import Account

from wallet_app.cli.program import main
from wallet_app.cold import ceremony, share_file
from wallet_app.cold.share_file import LOWEST_N, decrypt_share

HOLDERS = ("Alice Chan", "Ben Wong", "Carol Ho")


@dataclass
class Signer:
    home: Path
    work: Path
    outputs: list[str] = field(default_factory=list)

    def cli(self, *args: str, profile: str = "signer") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(self.home), "--profile", profile, *args])
        self.outputs += [out.getvalue(), err.getvalue()]
        return code, out.getvalue(), err.getvalue()

    def ok(self, *args: str) -> str:
        code, out, err = self.cli(*args)
        assert code == 0, err
        return out

    def refused(self, *args: str, profile: str = "signer") -> str:
        code, out, err = self.cli(*args, profile=profile)
        assert code == 1 and out == "", (out, err)
        return err

    def passphrase(self, name: str, text: str | None = None) -> str:
        path = self.work / f"{name}.pass"
        path.write_text((text or f"{name} passphrase") + "\n")
        return str(path)

    def split_options(self, folder: str, holders: tuple[str, ...] = HOLDERS, threshold: int = 2) -> list[str]:
        (self.work / folder).mkdir()
        options = ["--threshold", str(threshold), "--shares", str(len(holders)), "--share-dir",
                   str(self.work / folder)]
        for holder in holders:
            options += ["--holder", holder, "--passphrase-file", self.passphrase(holder)]
        return options

    def share(self, folder: str, number: int) -> str:
        return str(next((self.work / folder).glob(f"{number}-of-*.custos-share")))


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    made = Signer(tmp_path / "offline", tmp_path)
    made.ok("profile", "create", "signer", "--offline", "--network", "devnet")
    return made


@pytest.fixture
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Share files at scrypt n=2^14 instead of 2^18, written and read (the CLI offers no way to lower it)."""
    monkeypatch.setattr(share_file, "SCRYPT_N", LOWEST_N)


def created(signer: Signer, folder: str = "shares") -> str:
    out = signer.ok("cold", "create", "--label", "Client cold", *signer.split_options(folder))
    return next(line.split()[2] for line in out.splitlines() if line.startswith("Cold vault"))


def test_a_cold_vault_is_created_reshared_and_confirmed_by_its_officers(signer: Signer) -> None:
    """At the real scrypt cost (n=2^18): what an officer runs."""
    out = signer.ok("cold", "create", "--label", "Client cold", *signer.split_options("shares"))
    address = next(line.split()[2] for line in out.splitlines() if line.startswith("Cold vault"))
    assert "Share 1      Alice Chan  (encrypted file)" in out and "The key was wiped" in out
    files = sorted(p.name for p in (signer.work / "shares").iterdir())
    assert files == ["1-of-3-alice-chan.custos-share", "2-of-3-ben-wong.custos-share", "3-of-3-carol-ho.custos-share"]
    assert json.loads((signer.work / "shares" / files[0]).read_text())["kdf"]["n"] == 2**18
    listed = json.loads(signer.ok("cold", "list", "--json"))
    assert listed == [{"address": address, "label": "Client cold", "share_set": listed[0]["share_set"],
                       "threshold": 2, "share_count": 3, "pending_share_set": None}]
    # Carol's share as words in a text file, Alice's as her encrypted file
    carol = decrypt_share((signer.work / "shares" / files[2]).read_bytes(), "Carol Ho passphrase")[1]
    (signer.work / "carol.txt").write_text(carol + "\n")
    reshared = signer.ok("cold", "reshare", address, "--share", str(signer.work / "carol.txt"), "--share",
                         signer.share("shares", 1), "--old-passphrase-file", signer.passphrase("Alice Chan"),
                         *signer.split_options("new", ("Ben Wong", "Dana Lee")))
    assert "pending" in reshared and f"custos cold confirm {address}" in reshared
    shown = json.loads(signer.ok("cold", "show", address, "--json"))
    assert [s["state"] for s in shown["share_sets"]] == ["active", "pending"]
    assert [h["holder"] for h in shown["share_sets"][1]["holders"]] == ["Ben Wong", "Dana Lee"]
    err = signer.refused("cold", "confirm", address, "--share", signer.share("shares", 2), "--passphrase-file",
                         signer.passphrase("Ben Wong"))
    assert "current share set; confirming the reshare takes shares of the new set" in err
    confirmed = signer.ok("cold", "confirm", address, "--share", signer.share("new", 1), "--share",
                          signer.share("new", 2), "--passphrase-file", signer.passphrase("Ben Wong"),
                          "--passphrase-file", signer.passphrase("Dana Lee"))
    assert "is now the vault's (2 of 2)" in confirmed
    shown = json.loads(signer.ok("cold", "show", address, "--json"))
    assert [s["state"] for s in shown["share_sets"]] == ["retired", "active"]
    text = signer.ok("cold", "show", address)
    assert "retired" in text and "Dana Lee  (encrypted file)" in text
    err = signer.refused("cold", "reshare", address, "--share", str(signer.work / "carol.txt"), "--share",
                         signer.share("shares", 1), "--old-passphrase-file", signer.passphrase("Alice Chan"),
                         *signer.split_options("again", ("Ben Wong", "Dana Lee")))
    assert "carol.txt belongs to a retired share set" in err
    assert list((signer.work / "again").iterdir()) == []


@pytest.mark.usefixtures("fast_scrypt")
def test_bad_input_is_refused_in_words_and_keeps_nothing(signer: Signer) -> None:
    signer.ok("profile", "create", "online", "--network", "sepolia", "--rpc-url", "http://127.0.0.1:9")
    err = signer.refused("cold", "list", profile="online")
    assert "Cold vaults live on an offline signer profile" in err
    err = signer.refused("cold", "create", "--label", "x", "--threshold", "2", "--shares", "3", *[
        a for h in HOLDERS for a in ("--holder", h)])
    assert "only on an interactive terminal" in err  # pytest's stdin is no terminal
    err = signer.refused("cold", "create", "--label", "x", "--threshold", "2", "--shares", "2", *[
        a for h in HOLDERS for a in ("--holder", h)])
    assert "--shares 2 needs as many --holder options (3 given)" in err
    err = signer.refused("cold", "create", "--label", "x", *signer.split_options("t1", threshold=1))
    assert "threshold must be from 2" in err
    err = signer.refused("cold", "create", "--label", "x", "--threshold", "2", "--shares", "2", "--holder", "A",
                         "--holder", "a", "--share-dir", str(signer.work), "--passphrase-file",
                         signer.passphrase("A"), "--passphrase-file", signer.passphrase("a2"))
    assert "named twice" in err
    (signer.work / "taken").mkdir()
    (signer.work / "taken" / "3-of-3-carol-ho.custos-share").write_text("Carol's old share file")
    options = signer.split_options("taken2")
    options[options.index("--share-dir") + 1] = str(signer.work / "taken")
    err = signer.refused("cold", "create", "--label", "x", *options)
    assert "3-of-3-carol-ho.custos-share exists" in err and "never overwritten" in err
    assert sorted(p.name for p in (signer.work / "taken").iterdir()) == ["3-of-3-carol-ho.custos-share"]
    assert json.loads(signer.ok("cold", "list", "--json")) == []

    address = created(signer)
    alice, ben = signer.share("shares", 1), signer.share("shares", 2)
    split = signer.split_options("new", ("Dana", "Eve"))
    err = signer.refused("cold", "reshare", address, "--share", alice, "--share", ben, "--old-passphrase-file",
                         signer.passphrase("Alice Chan"), *split)
    assert "2 of the --share files are encrypted share files: give one --old-passphrase-file for each" in err
    err = signer.refused("cold", "reshare", address, "--share", alice, "--share", ben, "--old-passphrase-file",
                         signer.passphrase("Alice Chan"), "--old-passphrase-file", signer.passphrase("nobody"),
                         *split)
    assert "The passphrase is wrong, or the share file was altered" in err
    err = signer.refused("cold", "reshare", address, "--share", alice, "--old-passphrase-file",
                         signer.passphrase("Alice Chan"), *split)
    assert "1 share given; 2 of the 3 holders' shares are needed" in err
    err = signer.refused("cold", "reshare", address, "--share", alice, "--share", alice, "--old-passphrase-file",
                         signer.passphrase("Alice Chan"), "--old-passphrase-file", signer.passphrase("Alice Chan"),
                         *split)
    assert "given twice" in err
    (signer.work / "junk.txt").write_text("abandon " * 33)
    err = signer.refused("cold", "reshare", address, "--share", alice, "--share", str(signer.work / "junk.txt"),
                         "--old-passphrase-file", signer.passphrase("Alice Chan"), *split)
    assert err.startswith("custos: junk.txt: ") and "abandon" not in err
    err = signer.refused("cold", "confirm", address, "--share", alice, "--passphrase-file",
                         signer.passphrase("Alice Chan"))
    assert "no reshare waiting for confirmation" in err
    other = created(signer, "other")
    err = signer.refused("cold", "reshare", address, "--share", alice, "--share", signer.share("other", 2),
                         "--old-passphrase-file", signer.passphrase("Alice Chan"), "--old-passphrase-file",
                         signer.passphrase("Ben Wong"), *split)
    assert f"holds a share of {other}, not of {address}" in err
    assert list((signer.work / "new").iterdir()) == []
    assert [s["state"] for s in json.loads(signer.ok("cold", "show", address, "--json"))["share_sets"]] == ["active"]
    err = signer.refused("cold", "show", "0x62cffD175226D795307E97Aa45e53c4B45027802")
    assert "is not a cold vault of this offline signer" in err


# -- SECURITY H4: no plaintext key or share at rest --------------------------------------------------------------

@dataclass
class Secrets:
    keys: list[bytes] = field(default_factory=list)
    mnemonics: list[str] = field(default_factory=list)

    def needles(self) -> list[tuple[str, bytes]]:
        found = []
        for key in self.keys:
            found += [("key", key), ("key hex", key.hex().encode()), ("key 0x", ("0x" + key.hex()).encode()),
                      ("key HEX", key.hex().upper().encode())]
        for number, words in enumerate(self.mnemonics):
            split = words.split()
            found += [(f"share {number}", words.encode()), (f"share {number} as hex", words.encode().hex().encode()),
                      (f"share {number} words 5-12", " ".join(split[4:12]).encode())]
        return found


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    """Every key the ceremonies split (the master secret) and every share they made, as the splitting returned them."""
    secrets = Secrets()
    split = ceremony.split_key

    def recording(secret: bytes, threshold: int, count: int) -> list[str]:
        mnemonics = split(secret, threshold, count)
        secrets.keys.append(bytes(secret))
        secrets.mnemonics.extend(mnemonics)
        return mnemonics

    monkeypatch.setattr(ceremony, "split_key", recording)
    return secrets


@pytest.fixture
def keyring_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    import keyring

    from wallet_app.keys.os_keyring import OsKeyring

    calls: list[str] = []
    for owner, names in ((OsKeyring, ("save", "load", "delete")),
                         (keyring, ("set_password", "get_password", "delete_password", "get_keyring"))):
        for name in names:
            original = getattr(owner, name)

            def spy(*args: object, _name: str = name, _original: object = original, **kwargs: object) -> object:
                calls.append(_name)
                return _original(*args, **kwargs)  # type: ignore[operator]

            monkeypatch.setattr(owner, name, spy)
    yield calls


def secret_service_items() -> list[bytes]:
    """Every item of every collection of the Secret Service: label, attributes and secret."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        items = []
        for collection in secretstorage.get_all_collections(connection):
            if collection.is_locked():
                collection.unlock()
            for item in collection.get_all_items():
                items.append(item.get_label().encode() + json.dumps(item.get_attributes()).encode()
                             + item.get_secret())
        return items
    finally:
        connection.close()


@pytest.mark.usefixtures("fast_scrypt")
def test_H4_cold_ceremonies_leave_no_key_or_share_in_the_profile(signer: Signer, recorded: Secrets,
                                                                 keyring_calls: list[str],
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    if not os.environ.get("CUSTOS_TEST_KEYRING"):
        pytest.fail("run the suite through `make test`, which starts gnome-keyring on a private D-Bus session")
    keyring_before = secret_service_items()
    caplog.set_level(logging.DEBUG)
    address = created(signer)
    signer.ok("cold", "reshare", address, "--share", signer.share("shares", 3), "--share", signer.share("shares", 1),
              "--old-passphrase-file", signer.passphrase("Carol Ho"), "--old-passphrase-file",
              signer.passphrase("Alice Chan"), *signer.split_options("new", ("Dana Lee", "Eve Ng", "Frank Wu"), 3))
    signer.ok("cold", "confirm", address, *[a for n, h in ((1, "Dana Lee"), (2, "Eve Ng"), (3, "Frank Wu")) for a in (
        "--share", signer.share("new", n), "--passphrase-file", signer.passphrase(h))])
    signer.ok("cold", "show", address, "--json")
    signer.ok("cold", "list")
    signer.ok("audit", "verify")
    # the recording saw the real thing: one key, split twice (3 + 3 shares), and it is the vault's
    assert len(recorded.keys) == 2 and recorded.keys[0] == recorded.keys[1] and len(recorded.mnemonics) == 6
    assert Account.from_key(recorded.keys[0]).address == address
    assert decrypt_share(Path(signer.share("new", 2)).read_bytes(), "Eve Ng passphrase",
                         min_n=LOWEST_N)[1] in recorded.mnemonics[3:]

    haystacks: dict[str, bytes] = {}
    profile_files = [p for p in signer.home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite") or p.suffix == ".db" for p in profile_files), profile_files
    for path in profile_files:
        haystacks[str(path.relative_to(signer.home))] = path.read_bytes()
    for path in [*(signer.work / "shares").iterdir(), *(signer.work / "new").iterdir()]:
        haystacks[f"share file {path.name}"] = path.read_bytes()  # encrypted: no words in the clear
    haystacks["command output"] = "\n".join(signer.outputs).encode()
    haystacks["log records"] = caplog.text.encode() + "\n".join(str(r.__dict__) for r in caplog.records).encode()
    for number, item in enumerate(secret_service_items()):
        haystacks[f"keyring item {number}"] = item
    hits = [(where, what) for where, data in haystacks.items() for what, needle in recorded.needles()
            if needle in data]
    assert hits == []
    assert keyring_calls == [] and secret_service_items() == keyring_before  # the offline profile used no keyring
