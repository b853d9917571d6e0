"""The audit log of a demo profile, through the command line (SECURITY M4, M5): `custos demo init` leaves entries for
what it did (keys, the first policy, sample decisions); then a realistic session (a key created, exported and deleted;
a token discovered and approved; a feed removed and added again; a policy change proposed and approved by three
officers; a transaction checked; a statement and the log exported) leaves an entry for each action, with actor and
time, signing actions signed by their key; the chain verifies; no password or key is anywhere in the database or the
exports."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.audit.entry import recover_entry_signer
from wallet_app.config import profile_paths
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.policy.service_setup import policy_file_path

NEW_PASSWORD = "audit officer horse staple"
HKD = 10**6


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def entries(home: Path, *args: str) -> list[dict[str, Any]]:
    return list(reversed(as_json(custos(home, "audit", "list", "--limit", "100000", "--json", *args))))


@pytest.fixture(scope="module")
def session(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("audit")
    home = work / "home"
    shutil.copytree(demo_home, home)
    (work / "new").write_text(NEW_PASSWORD + "\n")
    (work / "demo").write_text(DEMO_PASSWORD + "\n")
    new_pw, demo_pw = ("--password-file", str(work / "new")), ("--password-file", str(work / "demo"))
    out: dict[str, Any] = {"home": home, "work": work, "seeded": entries(home)}
    keys = {k["label"].split()[0].lower(): k["address"] for k in as_json(custos(home, "keys", "list", "--json"))}
    out["keys"] = keys
    created = as_json(custos(home, "keys", "create", "--label", "Audit officer", *new_pw, "--json"))["address"]
    out["created"] = created
    custos(home, "keys", "export", created, "--out", str(work / "backup.json"), *new_pw)
    custos(home, "keys", "delete", created)
    spam = as_json(custos(home, "tokens", "discover", "--json"))["added"][0]["address"]
    out["spam"] = spam
    custos(home, "tokens", "approve", spam, "--key", keys["alice"], *demo_pw)
    fx = next(f for f in as_json(custos(home, "feeds", "list", "--json")) if f["kind"] == "fx")
    out["fx"] = fx["address"]
    custos(home, "feeds", "remove", fx["address"])
    custos(home, "feeds", "add", fx["address"], "--kind", "fx", "--currency", "USD", "--max-age-hours", "25",
           "--label", "=HYPERLINK(\"#claim\")")
    active = policy_file_path(profile_paths(home, "demo")).read_text(encoding="utf-8")
    tighter = active.replace("version = 1", "version = 2", 1).replace(
        'approvals = 2                           # the client vault\'s threshold',
        'approvals = 3                           # all three officers', 1)
    (work / "v2.toml").write_text(tighter)
    digest = as_json(custos(home, "policy", "propose", str(work / "v2.toml"), "--key", keys["alice"], *demo_pw,
                            "--json"))["digest"]
    out["digest"] = digest
    custos(home, "policy", "approve", digest, "--key", keys["ben"], *demo_pw)
    custos(home, "policy", "approve", digest, "--key", keys["carmen"], *demo_pw)
    tokens = {t["symbol"]: t["address"] for t in as_json(custos(home, "tokens", "list", "--json"))}
    vaults = {v["label"]: v["address"] for v in as_json(custos(home, "vaults", "list", "--json"))}
    out["vault"] = vault = vaults["Harbour client vault"]
    data = "0x" + build_call("transfer(address,uint256)", vaults["Harbour treasury"], 10 * HKD).hex()
    out["check"] = custos(home, "policy", "check", "--safe", vault, "--to", tokens["HKDH"], "--data", data,
                          "--json", check=False)
    custos(home, "statement", "--account", vault, "--out", str(work / "statement.csv"))
    custos(home, "audit", "export", "--format", "json", "--out", str(work / "audit.json"))
    custos(home, "audit", "export", "--format", "csv", "--out", str(work / "audit.csv"))
    out["after"] = entries(home)
    out["verify"] = custos(home, "audit", "verify", "--json", check=False)
    return out


def test_demo_init_leaves_entries_for_what_it_did(session: dict[str, Any]) -> None:
    seeded = session["seeded"]
    done = [e["action"] for e in seeded]
    assert done[:12] == ["key_create"] * 5 + ["policy_propose", "policy_approve", "policy_approve",
                                              "policy_active"] + ["policy_decision"] * 3
    # the compliance desk: the institution's and four investors' records, their addresses, one ownership proven
    assert done[12:23] == ["counterparty_add"] + ["counterparty_add", "counterparty_address"] * 4 + [
        "ownership_challenge", "ownership_proven"]
    queue = done[23:]  # the demo's queue: every proposal and approval decided by the policy first, one execution
    assert set(queue) == {"policy_decision", "propose", "travel_rule", "approve", "execute"}
    assert (queue.count("propose"), queue.count("approve"), queue.count("travel_rule")) == (4, 5, 4)
    assert all(e["signature"] for e in seeded[23:] if e["action"] in ("propose", "approve", "travel_rule"))
    keys = session["keys"]
    assert [e["actor"] for e in seeded[5:8]] == [keys["alice"], keys["ben"], keys["carmen"]]
    assert all(e["signature"] for e in seeded[5:8])
    assert {e["detail"]["decision"] for e in seeded[9:12]} == {"allow", "escalate", "deny"}
    assert "custos-demo" not in json.dumps(seeded)


def test_M5_every_action_is_logged(session: dict[str, Any]) -> None:
    new = session["after"][len(session["seeded"]):]
    keys, created = session["keys"], session["created"]
    got = [(e["action"], e["actor"], e["subject"]) for e in new]
    expected = [
        ("key_create", "operator", created),
        ("key_export", created, created),
        ("key_delete", "operator", created),
        ("token_add", "operator", session["spam"]),
        ("unlock", keys["alice"], keys["alice"]),
        ("token_approve", keys["alice"], session["spam"]),
        ("lock", keys["alice"], keys["alice"]),
        ("feed_change", "operator", session["fx"]),
        ("feed_change", "operator", session["fx"]),
        ("unlock", keys["alice"], keys["alice"]),
        ("policy_propose", keys["alice"], session["digest"]),
        ("lock", keys["alice"], keys["alice"]),
        ("unlock", keys["ben"], keys["ben"]),
        ("policy_approve", keys["ben"], session["digest"]),
        ("lock", keys["ben"], keys["ben"]),
        ("unlock", keys["carmen"], keys["carmen"]),
        ("policy_approve", keys["carmen"], session["digest"]),
        ("policy_active", "system", session["digest"]),
        ("lock", keys["carmen"], keys["carmen"]),
        ("policy_decision", "operator", as_json(session["check"])["safe_tx_hash"]),
        ("export", "operator", session["vault"]),
        ("export", "operator", "audit log"),
        ("export", "operator", "audit log"),
    ]
    assert [(a, b.lower(), c.lower()) for a, b, c in got] == [(a, b.lower(), c.lower()) for a, b, c in expected]
    for entry in new:
        assert entry["at"].endswith("+00:00") and entry["monotonic_ns"] > 0 and entry["host"] and entry["actor"]
        if entry["action"] in ("token_approve", "policy_propose", "policy_approve"):
            assert recover_entry_signer(entry["entry_hash"], entry["signature"]) == entry["actor"]
            assert entry["actor_label"] and "owner of Harbour" in entry["role"]
    decision = next(e for e in new if e["action"] == "policy_decision")
    assert decision["detail"]["decision"] == as_json(session["check"])["decision"]
    assert decision["detail"]["rules"] and decision["detail"]["policy_version"] == 2
    assert new[-3]["detail"] == {"kind": "holding statement", "format": "csv", "file": "statement.csv",
                                 "block": new[-3]["detail"]["block"]}
    assert [e["detail"]["file"] for e in new[-2:]] == ["audit.json", "audit.csv"]
    report = as_json(session["verify"])
    assert session["verify"].returncode == 0 and report["intact"], report
    seeded_signed = sum(1 for e in session["seeded"] if e["signature"])
    assert report["signed"] == seeded_signed + 4  # the seeding's, then a token approval and three policy votes


def test_M4_no_secrets_in_the_log_or_its_exports(session: dict[str, Any]) -> None:
    home, work = session["home"], session["work"]
    from eth_account import Account

    backup = json.loads((work / "backup.json").read_text())
    created_key = bytes(Account.decrypt(backup, NEW_PASSWORD)).hex()
    demo_keys = [bytes(Account.decrypt(json.loads(p.read_text()), DEMO_PASSWORD)).hex()
                 for p in (home / "profiles" / "demo" / "keystores").glob("*.json")]
    database = profile_paths(home, "demo").database_file
    haystacks = {p.name: p.read_bytes().lower() for p in (*database.parent.glob(database.name + "*"),
                                                         work / "audit.json", work / "audit.csv")}
    for name, haystack in haystacks.items():
        for needle in (NEW_PASSWORD, DEMO_PASSWORD, created_key, *demo_keys):
            assert needle.lower().encode() not in haystack, f"a secret is in {name}"
    csv_text = (work / "audit.csv").read_text(encoding="utf-8")
    assert "=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text  # the feed's label sits in the JSON detail
