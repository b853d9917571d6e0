"""The evidence pack (issue 16, item 5) without a chain: the period, the manifest's EIP-191 signature checked against
eth-account, the issued-documents store, a pack exported from a profile with no node and verified, then refused
after any change (one byte of any file, a re-listed manifest, another key's signature, a file added or left out),
zips that are unsafe to read, and the command line's refusals, which write and record nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from sqlalchemy import func, select

from tests.support.evidence_zip import flip_one_byte, read_all, rezip
from wallet_app.audit.actions import EVIDENCE_EXPORT
from wallet_app.cli.program import main
from wallet_app.compliance.issued import KIND_STATEMENT, KIND_STORAGE_REPORT, IssuedDocuments
from wallet_app.config import ProfileConfig
from wallet_app.errors import ConfigError
from wallet_app.evidence import pack_zip
from wallet_app.evidence.manifest import MANIFEST_NAME, SIGNATURE_NAME
from wallet_app.evidence.period import build_period
from wallet_app.evidence.signing import compute_manifest_digest, recover_manifest_signer
from wallet_app.evidence.verify import PackReport, verify_pack
from wallet_app.profile_keys import build_key_service
from wallet_app.profiles import create_profile, open_profile
from wallet_app.storage.schema import audit_log, issued_documents, signing_journal

PROFILE = "desk"
PASSWORD = "correct horse battery"
OFFICER_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
OFFICER = Account.from_key(OFFICER_KEY).address
OTHER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
TODAY = datetime.now(UTC).date()


# -- the period -------------------------------------------------------------------------------------------------------

def test_a_period_is_two_utc_days_both_included() -> None:
    period = build_period("2026-03-01", "2026-03-31")
    assert period.start == datetime(2026, 3, 1, tzinfo=UTC) and period.end == datetime(2026, 4, 1, tzinfo=UTC)
    assert period.contains(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    assert not period.contains(datetime(2026, 4, 1, tzinfo=UTC)) and not period.contains(datetime(2026, 2, 28, 23,
                                                                                                   tzinfo=UTC))
    assert build_period("2026-03-01", "2026-03-01").end - build_period("2026-03-01", "2026-03-01").start == \
        timedelta(days=1)


@pytest.mark.parametrize(("first", "last", "words"), [
    ("2026-04-01", "2026-03-31", "--from 2026-04-01 is after --to 2026-03-31"),
    ("2026-3-1", "2026-03-31", "--from is a date written YYYY-MM-DD"),
    ("2026-02-30", "2026-03-31", "--from '2026-02-30' is not a day of the calendar"),
    ("2026-03-01", "yesterday", "--to is a date written YYYY-MM-DD"),
    ("2026-03-01", "2026-03-31T00:00", "--to is a date written YYYY-MM-DD"),
])
def test_a_bad_period_is_refused_in_words(first: str, last: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        build_period(first, last)


# -- the signature ----------------------------------------------------------------------------------------------------

def test_the_manifest_digest_is_eip191_personal_sign_as_eth_account_computes_it() -> None:
    manifest = json.dumps({"format": "custos-evidence-pack", "名稱": "清單"}, indent=2, ensure_ascii=False).encode()
    assert compute_manifest_digest(manifest) == _hash_eip191_message(encode_defunct(primitive=manifest))
    signed = Account.sign_message(encode_defunct(primitive=manifest), private_key=OFFICER_KEY)
    assert recover_manifest_signer(manifest, signed.signature.hex()) == OFFICER
    assert recover_manifest_signer(manifest + b" ", signed.signature.hex()) != OFFICER
    with pytest.raises(ValueError, match="65 bytes"):
        recover_manifest_signer(manifest, "0x1234")


# -- issued documents -------------------------------------------------------------------------------------------------

def test_issued_documents_keep_content_and_digest_and_are_read_by_period(tmp_path: Path) -> None:
    profile = create_profile(tmp_path, ProfileConfig(name=PROFILE, network="hashkey", chain_id=177))
    try:
        store = IssuedDocuments(profile.engine, 177)
        digest = store.record(None, kind=KIND_STATEMENT, subject="statement of 0xabc at block 7",
                              file_name="../../etc/statement.pdf", content=b"%PDF-1.7 statement", issued_by="ops")
        with profile.engine.begin() as conn:
            store.record(conn, kind=KIND_STORAGE_REPORT, subject="report", file_name="r.json", content=b"{}",
                         issued_by="ops")
        with pytest.raises(ValueError, match="is one of"):
            store.record(None, kind="memo", subject="", file_name="m.txt", content=b"", issued_by="ops")
        period = build_period(TODAY.isoformat(), TODAY.isoformat())
        found = store.between(period.start, period.end)
        assert [(d.kind, d.file_name, d.content) for d in found] == [
            (KIND_STATEMENT, "statement.pdf", b"%PDF-1.7 statement"), (KIND_STORAGE_REPORT, "r.json", b"{}")]
        assert found[0].sha256 == digest == hashlib.sha256(b"%PDF-1.7 statement").hexdigest()
        assert IssuedDocuments(profile.engine, 133).between(period.start, period.end) == []  # another chain
        tomorrow = TODAY + timedelta(days=1)
        later = build_period(tomorrow.isoformat(), tomorrow.isoformat())
        assert store.between(later.start, later.end) == []
    finally:
        profile.close()


# -- a pack exported from a profile without a node --------------------------------------------------------------------

@dataclass(frozen=True)
class Exported:
    template: Path  # the home with the officer's key, before any export
    home: Path  # after the export
    pack: bytes
    out: Path


def run(home: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--home", str(home), "--profile", PROFILE, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """A profile holding the officer's key (and another key), a statement issued today, and one pack of today."""
    base = tmp_path_factory.mktemp("evidence")
    template = base / "template"
    profile = create_profile(template, ProfileConfig(name=PROFILE, network="hashkey", chain_id=177))
    try:
        keys = build_key_service(profile)
        keys.import_private_key(OFFICER_KEY, "Officer", PASSWORD)
        keys.import_private_key(OTHER_KEY, "Other", PASSWORD)
    finally:
        profile.close()
    (base / "password").write_text(PASSWORD + "\n")
    home = base / "home"
    shutil.copytree(template, home)
    profile = open_profile(home, PROFILE)
    try:
        IssuedDocuments(profile.engine, 177).record(None, kind=KIND_STATEMENT, subject="statement of 0xabc",
                                                    file_name="statement.csv", content=b"asset,units\nHKDH,1\n",
                                                    issued_by="ops")
    finally:
        profile.close()
    out = base / "pack.zip"
    code = main(["--home", str(home), "--profile", PROFILE, "evidence", "export", "--from", TODAY.isoformat(),
                 "--to", TODAY.isoformat(), "--out", str(out), "--key", OFFICER, "--password-file",
                 str(base / "password")])
    assert code == 0
    return Exported(template, home, out.read_bytes(), out)


def failed_names(report: PackReport) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in report.failed]


def test_the_pack_verifies_is_signed_by_the_exporter_and_is_logged(exported: Exported) -> None:
    report = verify_pack(exported.out)
    assert report.ok, failed_names(report)
    assert report.signer == OFFICER
    files = read_all(exported.pack)
    manifest = json.loads(files[MANIFEST_NAME])
    assert manifest["exporter"] == OFFICER and manifest["chain_id"] == 177
    assert manifest["period"]["from"] == manifest["period"]["to"] == TODAY.isoformat()
    listed = {f["path"] for f in manifest["files"]}
    assert set(files) == listed | {MANIFEST_NAME, SIGNATURE_NAME}
    assert {"README.txt", "audit/audit-log.json", "audit/verification.json", "audit/heads.json",
            "policy/versions.json", "transfers/index.json", "address-book/labels.json",
            "address-book/counterparties.json", "documents/index.json"} <= listed
    assert all(set(f["description"]) == {"en", "zh-Hant-HK"} and f["description"]["zh-Hant-HK"]
               for f in manifest["files"])
    statement = json.loads(files["documents/index.json"])["documents"][0]
    assert files[statement["file"]] == b"asset,units\nHKDH,1\n" and statement["kind"] == KIND_STATEMENT
    readme = files["README.txt"].decode()
    assert OFFICER in readme and "sha256sum" in readme and "清單" in readme and "審計日誌" in readme
    assert not files[MANIFEST_NAME].endswith(b"\n")  # "$(cat manifest.json)" passes exactly the signed bytes

    manifest_sha = hashlib.sha256(files[MANIFEST_NAME]).hexdigest()
    profile = open_profile(exported.home, PROFILE)
    try:
        with profile.engine.connect() as conn:
            (row,) = conn.execute(select(audit_log).where(audit_log.c.action == EVIDENCE_EXPORT)).all()
            kept = conn.execute(select(issued_documents.c.kind, issued_documents.c.content,
                                       issued_documents.c.sha256, issued_documents.c.issued_by)
                                .where(issued_documents.c.kind == "evidence-manifest")).all()
            journal = conn.execute(select(signing_journal.c.state, signing_journal.c.signer)
                                   .where(signing_journal.c.kind == "evidence_manifest")).all()
    finally:
        profile.close()
    detail = json.loads(row.detail)
    assert row.actor == OFFICER and row.subject == manifest_sha and row.signature  # signed by the exporter
    assert detail["exporter"] == OFFICER and detail["manifest_sha256"] == manifest_sha
    assert detail["file"] == "pack.zip" and detail["from"] == TODAY.isoformat()
    assert [(k.content, k.sha256, k.issued_by) for k in kept] == [(files[MANIFEST_NAME], manifest_sha, OFFICER)]
    assert journal == [("released", OFFICER)]


def test_one_byte_changed_in_any_file_is_named(exported: Exported) -> None:
    files = read_all(exported.pack)
    for name, content in files.items():
        report = verify_pack(rezip(exported.pack, change={name: flip_one_byte(content)}))
        assert not report.ok, name
        assert any(name in f"{c.name} {c.detail}" for c in report.failed), (name, failed_names(report))
        if name not in (MANIFEST_NAME, SIGNATURE_NAME):
            assert f"file {name}" in [c.name for c in report.failed]
            assert report.signer == OFFICER  # the signature itself still holds: the file is what changed


def test_a_relisted_manifest_another_key_and_added_or_missing_files_are_refused(exported: Exported) -> None:
    files = read_all(exported.pack)
    manifest = json.loads(files[MANIFEST_NAME])
    changed = b'{"n": 1}\n'
    for entry in manifest["files"]:
        if entry["path"] == "policy/versions.json":
            entry["size"], entry["sha256"] = len(changed), hashlib.sha256(changed).hexdigest()
    relisted = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    report = verify_pack(rezip(exported.pack, change={MANIFEST_NAME: relisted, "policy/versions.json": changed}))
    assert [c.name for c in report.failed][:1] == ["signature"]
    assert "manifest.json was changed" in report.failed[0].detail

    other = Account.sign_message(encode_defunct(primitive=files[MANIFEST_NAME]), private_key=OTHER_KEY)
    report = verify_pack(rezip(exported.pack, change={SIGNATURE_NAME: ("0x" + other.signature.hex()).encode()}))
    assert report.signer == Account.from_key(OTHER_KEY).address
    assert failed_names(report) == [f"signature: manifest.sig recovers to {report.signer}, not to the exporter "
                                    f"{OFFICER} that manifest.json names (manifest.json was changed, or another "
                                    "key signed it)"]

    report = verify_pack(rezip(exported.pack, add={"transfers/safe-0xextra.json": b"{}"}))
    assert failed_names(report) == ["unlisted files: 1 file(s) the manifest does not list: "
                                    "transfers/safe-0xextra.json"]
    report = verify_pack(rezip(exported.pack, drop=("address-book/labels.json",)))
    assert failed_names(report) == ["file address-book/labels.json: missing from the zip"]
    report = verify_pack(rezip(exported.pack, drop=(SIGNATURE_NAME,)))
    assert failed_names(report) == ["signature: manifest.sig is missing from the zip"] and report.signer is None


def _zip(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, which is the point
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for info, content in entries:
                archive.writestr(info, content)
    return out.getvalue()


def _info(name: str, *, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    return info


@pytest.mark.parametrize(("entries", "words"), [
    ([("../evil.json", b"{}")], "climbs out"),
    ([("audit/../../evil.json", b"{}")], "climbs out"),
    ([("/etc/passwd", b"x")], "absolute name"),
    ([("C:/Windows/evil.json", b"x")], "absolute name"),
    ([("audit\\evil.json", b"x")], "backslashes"),
    ([("audit//evil.json", b"x")], "empty or '.' part"),
    ([("manifest.json", b"{}"), ("manifest.json", b"[]")], "appears twice"),
    ([("README.txt", b"a"), ("readme.TXT", b"b")], "appears twice"),
    ([(_info("link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd")], "symbolic link"),
    ([("bomb.json", bytes(4 * 1024 * 1024))], "zip bomb"),
])
def test_a_zip_unsafe_to_read_is_refused_before_anything_is_read(entries: list[tuple[zipfile.ZipInfo | str, bytes]],
                                                                 words: str) -> None:
    report = verify_pack(_zip(*entries))
    assert [c.name for c in report.checks] == ["zip"] and not report.ok
    assert words in report.checks[0].detail


def test_an_encrypted_entry_is_refused() -> None:
    data = bytearray(_zip(("secret.json", b"{}")))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the local and the central header's flags
        at = data.index(signature) + offset
        data[at] |= 0x1
    report = verify_pack(bytes(data))
    assert [c.name for c in report.checks] == ["zip"] and "secret.json is encrypted" in report.checks[0].detail


def test_sizes_are_bounded_by_the_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_zip, "MAX_FILE_BYTES", 1000)
    report = verify_pack(_zip(("big.json", b"x" * 1001)))
    assert "would inflate to 1,001 bytes" in report.checks[0].detail
    monkeypatch.setattr(pack_zip, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(pack_zip, "MAX_TOTAL_BYTES", 1500)
    report = verify_pack(_zip(("a.json", b"x" * 1000), ("b.json", b"y" * 1000)))
    assert "more than 1,500 bytes" in report.checks[0].detail


def test_verify_says_in_one_line_what_is_not_a_pack(exported: Exported, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    for path, words in ((tmp_path / "absent.zip", "does not exist"), (text, "not a zip file"),
                        (tmp_path, "is a folder")):
        code, out, err = run(exported.home, "evidence", "verify", str(path), capsys=capsys)
        assert code == 1 and err == "" and "Traceback" not in out
        (line,) = out.splitlines()  # one line saying what is wrong, naming the file
        assert line.startswith("FAIL  zip: ") and words in line and str(path) in line
        code, out, _err = run(exported.home, "evidence", "verify", str(path), "--json", capsys=capsys)
        assert code == 1 and json.loads(out) == {"ok": False, "signer": None, "checks": [
            {"name": "zip", "ok": False, "detail": json.loads(out)["checks"][0]["detail"]}]}
    code, out, _err = run(exported.home, "evidence", "verify", str(exported.out), "--json", capsys=capsys)
    answer = json.loads(out)
    assert code == 0 and set(answer) == {"ok", "signer", "checks"} and answer["ok"] is True
    assert answer["signer"] == OFFICER
    assert all(set(c) == {"name", "ok", "detail"} and c["ok"] for c in answer["checks"])
    code, out, _err = run(exported.home, "evidence", "verify", str(exported.out), capsys=capsys)
    assert code == 0 and out.splitlines()[-1].startswith("The evidence pack verifies")
    assert all(line.startswith("ok    ") for line in out.splitlines()[:-1])


# -- refusals change nothing ------------------------------------------------------------------------------------------

@pytest.fixture
def fresh(exported: Exported, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    shutil.copytree(exported.template, home)
    yield home


def _counts(home: Path) -> tuple[int, int, int]:
    profile = open_profile(home, PROFILE)
    try:
        with profile.engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(audit_log)
                                 .where(audit_log.c.action == EVIDENCE_EXPORT)).scalar_one(),
                    conn.execute(select(func.count()).select_from(issued_documents)).scalar_one(),
                    conn.execute(select(func.count()).select_from(signing_journal)).scalar_one())
    finally:
        profile.close()


@pytest.mark.parametrize(("change", "words"), [
    ({"--from": "2026-05-02", "--to": "2026-05-01"}, "--from 2026-05-02 is after --to 2026-05-01"),
    ({"--from": "01/05/2026"}, "--from is a date written YYYY-MM-DD"),
    ({"--out": "EXISTING"}, "already exists. Evidence packs are never overwritten"),
    ({"--out": "pack.txt"}, "an evidence pack is written as a .zip file"),
    ({"--out": "missing-folder/pack.zip"}, "does not exist"),
    ({"--password-file": "WRONG"}, "password"),
    ({"--key": "0x" + "12" * 20}, "0x1212121212121212121212121212121212121212"),
])
def test_a_refusal_writes_nothing_and_logs_no_export(fresh: Path, tmp_path: Path, change: dict[str, str],
                                                     words: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "password").write_text(PASSWORD)
    (tmp_path / "wrong").write_text("not the password")
    existing = tmp_path / "existing.zip"
    existing.write_bytes(b"kept")
    options = {"--from": TODAY.isoformat(), "--to": TODAY.isoformat(), "--out": str(tmp_path / "pack.zip"),
               "--key": OFFICER, "--password-file": str(tmp_path / "password")}
    for flag, value in change.items():
        options[flag] = {"EXISTING": str(existing), "WRONG": str(tmp_path / "wrong")}.get(value, value)
        if flag == "--out" and value not in ("EXISTING",):
            options[flag] = str(tmp_path / value)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(fresh, "evidence", "export", *[x for pair in options.items() for x in pair], capsys=capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and words in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before and existing.read_bytes() == b"kept"
    assert not list(tmp_path.glob(".*part")) and not list(tmp_path.glob(".*.tmp"))
    assert _counts(fresh) == (0, 0, 0)


def test_a_pack_of_a_day_without_activity_still_verifies(exported: Exported, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "password").write_text(PASSWORD)
    home = tmp_path / "home"
    shutil.copytree(exported.home, home)
    day = date(2020, 2, 29).isoformat()
    out = tmp_path / "empty.zip"
    code, stdout, err = run(home, "evidence", "export", "--from", day, "--to", day, "--out", str(out), "--key",
                            OFFICER, "--password-file", str(tmp_path / "password"), "--json", capsys=capsys)
    assert code == 0, err
    result = json.loads(stdout)
    assert result["path"] == str(out) and result["exporter"] == OFFICER and result["receipts"] == {
        "fetched": 0, "not_fetched": 0}
    files = read_all(out.read_bytes())
    assert json.loads(files["audit/audit-log.json"])["entries"] == []  # nothing before the end of that day
    assert json.loads(files["documents/index.json"])["documents"] == []
    assert verify_pack(out).ok
