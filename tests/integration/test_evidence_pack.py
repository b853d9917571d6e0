"""The evidence pack (issue 16, item 5) on a real demo profile and its embedded devnet, end to end.

A holding statement and a storage report are issued with the command line, then Alice exports the pack of the
period holding the demo's activity: it verifies (`custos evidence verify`, exit 0) and holds every queued transfer
of the demo with its decisions, signatures, Travel Rule record and receipt read from the devnet, the statement and the
report byte for byte, and the export is in the audit log with Alice's address and the manifest's SHA-256. Then one
byte of each file in turn, a re-listed manifest, Ben's signature, an added file and a missing one are each refused,
naming what changed. The export goes on when the node cannot be reached (the receipts say "not fetched"), and it
works the same on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import select

from tests.support.demo_template import copy_demo
from tests.support.evidence_zip import flip_one_byte, read_all, rezip
from tests.support.queue_worker import move_profile_to_postgres
from wallet_app.cli.program import main
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.profiles import open_profile
from wallet_app.storage.schema import queue_items, travel_rule_records

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ALICE, BEN, DANA = "Alice Chan (officer)", "Ben Wong (officer)", "Dana Ho (operations)"
CLIENT_VAULT, HKDH = "Harbour client vault", "Harbour HKD"
INVESTOR = "Kowloon Pension Trust (investor)"
TODAY = datetime.now(UTC).date()
FROM, TO = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=1)).isoformat()


def run(home: Path, *argv: str, profile: str = "demo") -> tuple[int, str, str]:
    """`custos` in this process (the devnet is opened and closed again by each command)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--home", str(home), "--profile", profile, *argv])
    return code, out.getvalue(), err.getvalue()


def custos(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`custos` as its own process, as an inspector or a script runs it."""
    return subprocess.run([sys.executable, "-m", "wallet_app.cli", "--home", str(home), "--profile", "demo", *argv],
                          capture_output=True, text=True, env={**os.environ, "CUSTOS_HOME": ""}, timeout=300, cwd=REPO)


def names_of(home: Path) -> dict[str, str]:
    profile = open_profile(home, "demo")
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        return names
    finally:
        profile.close()


@dataclass(frozen=True)
class Exported:
    home: Path
    base: Path
    out: Path
    pack: bytes
    files: dict[str, bytes]
    names: dict[str, str]
    password: Path
    statement: bytes  # the statement file as written
    storage_json: str  # what `custos storage report --json` printed
    stdout: str


def export(home: Path, out: Path, names: dict[str, str], password: Path, *extra: str) -> tuple[int, str, str]:
    return run(home, "evidence", "export", "--from", FROM, "--to", TO, "--out", str(out), "--key", names[ALICE],
               "--password-file", str(password), *extra)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    base = tmp_path_factory.mktemp("evidence")
    home = copy_demo(base / "home")
    names = names_of(home)
    password = base / "password"
    password.write_text(DEMO_PASSWORD + "\n")
    statement = base / "statement.json"
    code, _out, err = run(home, "statement", "--account", names[INVESTOR], "--out", str(statement))
    assert code == 0, err
    code, storage_json, err = run(home, "storage", "report", "--json")
    assert code == 0, err
    cold = json.loads(run(home, "cold", "list", "--json", profile="demo-signer")[1])[0]["address"]
    code, out, err = run(home, "account-vault", "propose", "--vault", cold, "--asset", names[HKDH], "--amount", "1",
                         "--to", names[CLIENT_VAULT], "--key", names[DANA], "--password-file", str(password), "--json")
    assert code == 0, err + out
    code, out, err = run(home, "account-vault", "approve", json.loads(out)["item"]["tx_hash"], "--key", names[ALICE],
                         "--password-file", str(password))
    assert code == 0, err + out
    out = base / "pack.zip"
    code, stdout, err = export(home, out, names, password)
    assert code == 0, err
    pack = out.read_bytes()
    return Exported(home, base, out, pack, read_all(pack), names, password, statement.read_bytes(), storage_json,
                    stdout)


def test_the_pack_verifies_with_the_command_line(exported: Exported) -> None:
    assert "Wrote the evidence pack" in exported.stdout and "Manifest SHA-256: " in exported.stdout
    result = custos(exported.home, "evidence", "verify", str(exported.out))
    assert result.returncode == 0 and result.stderr == "", result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == ("The evidence pack verifies: "
                                              f"{len(result.stdout.splitlines()) - 1} checks hold; signed by "
                                              f"{exported.names[ALICE]}.")
    answer = json.loads(custos(exported.home, "evidence", "verify", str(exported.out), "--json").stdout)
    assert answer["ok"] is True and answer["signer"] == exported.names[ALICE]
    names = [c["name"] for c in answer["checks"]]
    assert names[:3] == ["zip", "manifest", "signature"]
    assert {"unlisted files", "audit chain", "audit heads", "policy digests", "documents"} <= set(names)
    assert {f"file {path}" for path in exported.files if path not in ("manifest.json", "manifest.sig")} <= set(names)


def test_every_transfer_of_the_demo_is_there_with_its_record(exported: Exported) -> None:
    profile = open_profile(exported.home, "demo")
    try:
        with profile.engine.connect() as conn:
            queued = {r.safe_tx_hash: r for r in conn.execute(select(queue_items))}
            travel = {r.safe_tx_hash.lower(): r for r in conn.execute(select(travel_rule_records))}
    finally:
        profile.close()
    index = json.loads(exported.files["transfers/index.json"])["transfers"]
    assert {t["hash"] for t in index if t["kind"] == "safe"} == set(queued) and len(queued) >= 4
    for key, row in queued.items():
        body = json.loads(exported.files[f"transfers/safe-{key}.json"])
        assert body["state"] == row.state and body["fields_match"] is True
        assert body["proposed"]["record_signer"] == row.proposer
        assert body["intent"]["decoded"] is True and body["intent"]["text"]
        assert body["decisions"] and all(d["safe_tx_hash"] == key for d in body["decisions"])
        assert all(s["recovers_to"] == s["owner"] for s in body["signatures"])
        if key in travel:
            assert body["travel_rule"]["digest"] == travel[key].digest
            assert body["travel_rule"]["required"] == bool(travel[key].required)
        else:
            assert body["travel_rule"] is None
        if row.exec_tx_hash:
            receipt = body["receipt"]
            assert receipt["fetched"] is True and receipt["found"] is True, receipt
            assert receipt["transaction_hash"] == row.exec_tx_hash and receipt["block_number"] == row.mined_block
            assert receipt["status"] == (1 if row.outcome == "success" else 0) and receipt["logs"]
        else:
            assert body["receipt"] == {"fetched": False, "reason": "no transaction was sent for it"}
    (account,) = [t for t in index if t["kind"] == "account"]  # Dana's 1 HKDH from the cold vault, Alice approved
    body = json.loads(exported.files[account["file"]])
    assert body["vault"] == account["vault"] and body["quarantined"] == "" and body["state"] == "proposed"
    assert body["proposed"]["record_signer"] == exported.names[DANA] and body["intent"]["decoded"] is True
    assert body["transaction"]["to"] == exported.names[HKDH] and body["decisions"]
    assert [(a["approver"], a["recovers_to"]) for a in body["approvals"]] == [(exported.names[ALICE],) * 2]
    assert body["receipt"] == {"fetched": False, "reason": "no transaction was sent for it"}
    final = [json.loads(exported.files[f"transfers/safe-{k}.json"]) for k, r in queued.items() if r.state == "final"]
    assert final and all(len(t["signatures"]) >= 2 for t in final)
    versions = json.loads(exported.files["policy/versions.json"])["versions"]
    assert versions and all(v["approvals"] for v in versions if v["state"] == "active")
    labels = {e["label"] for e in json.loads(exported.files["address-book/labels.json"])["labels"]}
    assert {ALICE, BEN, INVESTOR} <= labels


def test_the_statement_and_the_storage_report_issued_are_in_documents(exported: Exported) -> None:
    listed = json.loads(exported.files["documents/index.json"])["documents"]
    by_kind = {d["kind"]: d for d in listed}
    assert {"statement", "storage-report"} <= set(by_kind)
    statement, report = by_kind["statement"], by_kind["storage-report"]
    assert exported.files[statement["file"]] == exported.statement
    assert statement["sha256"] == hashlib.sha256(exported.statement).hexdigest()
    assert statement["file_name"] == "statement.json" and exported.names[INVESTOR] in statement["subject"]
    assert exported.files[report["file"]].decode() == exported.storage_json  # what --json printed, byte for byte


def test_the_export_is_in_the_audit_log_with_the_exporter_and_the_manifest_digest(exported: Exported) -> None:
    code, out, err = run(exported.home, "audit", "list", "--action", "evidence_export", "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    manifest_sha = hashlib.sha256(exported.files["manifest.json"]).hexdigest()
    assert entry["actor"] == exported.names[ALICE] and entry["signature"]
    assert entry["subject"] == manifest_sha
    assert entry["detail"]["exporter"] == exported.names[ALICE]
    assert entry["detail"]["manifest_sha256"] == manifest_sha
    assert entry["detail"]["pack_sha256"] == hashlib.sha256(exported.pack).hexdigest()
    heads = json.loads(exported.files["audit/heads.json"])
    assert entry["detail"]["audit_head"] == heads["period_end"]["head"]
    assert entry["seq"] > heads["period_end"]["seq"]  # logged after the pack was made
    code, out, err = run(exported.home, "audit", "verify")
    assert code == 0, out + err


def test_one_byte_changed_in_any_file_fails_naming_it(exported: Exported) -> None:
    tampered = exported.base / "tampered.zip"
    for name, content in exported.files.items():
        tampered.unlink(missing_ok=True)
        tampered.write_bytes(rezip(exported.pack, change={name: flip_one_byte(content)}))
        code, out, err = run(exported.home, "evidence", "verify", str(tampered))
        failed = [line for line in out.splitlines() if line.startswith("FAIL")]
        assert code == 1 and err == "", name
        assert failed and any(name in line for line in failed), (name, failed)
        assert "does NOT verify" in out.splitlines()[-1]


def test_a_relisted_manifest_ben_s_signature_and_added_or_missing_files_fail(exported: Exported) -> None:
    def verify(data: bytes) -> tuple[int, dict[str, Any]]:
        path = exported.base / "changed.zip"
        path.unlink(missing_ok=True)
        path.write_bytes(data)
        code, out, _err = run(exported.home, "evidence", "verify", str(path), "--json")
        return code, json.loads(out)

    def failed(answer: dict[str, Any]) -> list[str]:
        return [c["name"] for c in answer["checks"] if not c["ok"]]

    manifest = json.loads(exported.files["manifest.json"])
    changed = b'{"versions": []}\n'
    for entry in manifest["files"]:
        if entry["path"] == "policy/versions.json":
            entry["size"], entry["sha256"] = len(changed), hashlib.sha256(changed).hexdigest()
    relisted = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    code, answer = verify(rezip(exported.pack, change={"manifest.json": relisted, "policy/versions.json": changed}))
    assert code == 1 and failed(answer) == ["signature"] and answer["signer"] != exported.names[ALICE]

    ben = exported.names[BEN]
    key = decrypt_keystore(load_keystore_file(exported.home / "profiles" / "demo" / "keystores" / f"{ben}.json"),
                           DEMO_PASSWORD)
    signature = Account.sign_message(encode_defunct(primitive=exported.files["manifest.json"]), private_key=key)
    code, answer = verify(rezip(exported.pack, change={"manifest.sig": ("0x" + signature.signature.hex()).encode()}))
    assert code == 1 and failed(answer) == ["signature"] and answer["signer"] == ben

    code, answer = verify(rezip(exported.pack, add={"documents/999999-extra.pdf": b"%PDF-1.7"}))
    assert code == 1 and failed(answer) == ["unlisted files"]
    code, answer = verify(rezip(exported.pack, drop=("audit/audit-log.json",)))
    assert code == 1 and failed(answer) == ["file audit/audit-log.json", "audit chain", "audit heads"]


def test_the_export_goes_on_when_the_node_cannot_be_reached(exported: Exported, tmp_path: Path) -> None:
    from wallet_app.chain.devnet import Devnet

    home = tmp_path / "home"
    shutil.copytree(exported.home, home)
    out = tmp_path / "offline.zip"
    with Devnet.open(home / "profiles" / "demo" / "devnet"):  # another process holds the node
        result = custos(home, "evidence", "export", "--from", FROM, "--to", TO, "--out", str(out), "--key",
                        exported.names[ALICE], "--password-file", str(exported.password), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["receipts"]["fetched"] == 0 and answer["receipts"]["not_fetched"] >= 1
    files = read_all(out.read_bytes())
    receipts = [json.loads(files[p])["receipt"] for p in files if p.startswith("transfers/safe-")]
    sent = [r for r in receipts if r["reason"] != "no transaction was sent for it"]
    assert sent and all(r["fetched"] is False and r["reason"].startswith("not fetched: ") and "in use" in r["reason"]
                        for r in sent)
    assert custos(home, "evidence", "verify", str(out)).returncode == 0


def test_a_profile_on_postgresql_exports_and_verifies(exported: Exported, tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "home"
    shutil.copytree(exported.home, home)
    move_profile_to_postgres(home, postgres_url)
    out = tmp_path / "postgres.zip"
    code, stdout, err = export(home, out, exported.names, exported.password, "--json")
    assert code == 0, err
    result = json.loads(stdout)
    files = read_all(out.read_bytes())
    documents = json.loads(files["documents/index.json"])["documents"]
    assert {"statement", "storage-report", "evidence-manifest"} <= {d["kind"] for d in documents}  # the first pack's
    code, verified, _err = run(home, "evidence", "verify", str(out), "--json")
    assert code == 0 and json.loads(verified)["ok"] is True
    code, listed, _err = run(home, "audit", "list", "--action", "evidence_export", "--json")
    newest = json.loads(listed)[0]  # newest first
    assert newest["detail"]["manifest_sha256"] == result["manifest_sha256"]
