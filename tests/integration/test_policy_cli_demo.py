"""`custos policy ...` on a real demo profile and its embedded devnet: the decisions a user or a script sees (exit 0
allow, 1 deny, 2 escalate), the Bybit payload (A1), refund smuggling (A6), governance (A4), a tampered policy row
(I9), the decision record, governance of policy changes from the command line, and one-line input errors (B3).

The fixture starts from `custos demo init` and puts in force the demo policy with one more member of the
treasury-officer role, Eve Lam, who is not yet an owner (so that adding her as an owner is a governance action the
policy can escalate rather than refuse); it deploys the simulation probe, writes the sanctions list and names an
operations proposer only where the demo seeding has not done so already.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from sqlalchemy import delete

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.config import profile_paths, save_config
from wallet_app.demo.deployer import Deployer
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file, new_private_key
from wallet_app.policy.checker_setup import SIMULATION_PROBE, policy_directory
from wallet_app.policy.document import fill_policy_template
from wallet_app.policy.service_setup import install_signed_policy, policy_file_path, vault_owner_reader
from wallet_app.policy.simulation_probe import deploy_probe
from wallet_app.profiles import Profile, open_profile
from wallet_app.services import Services, build_services
from wallet_app.storage.labels import AddressLabel
from wallet_app.storage.schema import policies, policy_approvals

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "resources" / "policy" / "demo-policy.toml"
HKD = 10**6
BYBIT_TARGET = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
BYBIT_DATA = build_call("transfer(address,uint256)", "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516", 0)
OFFICERS = {"alice": "Alice Chan (officer)", "ben": "Ben Wong (officer)", "carmen": "Carmen Lee (offline signer)"}
INVESTORS = {"kowloon_pension": "Kowloon Pension Trust (investor)",
             "lion_rock": "Lion Rock Family Office (investor)",
             "victoria_harbour": "Victoria Harbour Endowment (investor)",
             "pending_kyc": "Pending KYC Ltd (investor, not verified)"}
OPERATIONS = "Dana Ho (operations)"
INCOMING = "Eve Lam (incoming officer)"
ROLE_LINE = 'members = ["{alice}", "{ben}"]'


@dataclass(frozen=True)
class Demo:
    home: Path
    names: dict[str, str]  # template placeholder (and "dana", "eve", "issuer") -> address

    @property
    def vault(self) -> str:
        return self.names["client_vault"]

    @property
    def hkdh(self) -> str:
        return self.names["hkdh"]


def transfer(to: str, amount: int) -> str:
    return "0x" + build_call("transfer(address,uint256)", to, amount).hex()


def _placeholders(profile: Profile) -> dict[str, str]:
    labels = {entry.label: address for address, entry in profile.load_labels().items()}
    vaults = {v.label: v.address for v in profile.vault_registry.load_entries()}
    tokens = {t.symbol: t.address for t in TokenRegistry(engine=profile.engine,
                                                         chain_id=profile.config.chain_id).load_tokens()}
    names = {key: labels[label] for key, label in {**OFFICERS, **INVESTORS}.items()}
    names.update(client_vault=vaults["Harbour client vault"], treasury=vaults["Harbour treasury"],
                 cold_vault=vaults["Harbour cold vault"],
                 multi_send_call_only=labels["Safe multi send call only"], issuer=labels["Harbour issuer agent"])
    names.update({symbol.lower(): tokens[symbol] for symbol in ("HKDH", "HMMF", "HUST", "HGB29", "HDEED")})
    names["dana"] = labels.get(OPERATIONS, names["issuer"])  # a proposer who owns no vault
    return names


def _prepare(profile: Profile, services: Services) -> dict[str, str]:
    names = _placeholders(profile)
    if not profile.config.extra.get(SIMULATION_PROBE):
        issuer = decrypt_keystore(load_keystore_file(profile.paths.keystores / f"{names['issuer']}.json"),
                                  DEMO_PASSWORD)
        probe = deploy_probe(Deployer(services.chain, profile.config.chain_id, issuer))
        save_config(profile.paths, replace(profile.config, extra={**profile.config.extra, SIMULATION_PROBE: probe}),
                    create=False)
    directory = policy_directory(profile.paths)
    directory.mkdir(exist_ok=True)
    sanctions = directory / "sanctions.txt"
    if not sanctions.exists():
        sanctions.write_text(f"{from_bytes(keccak(b'sanctioned')[-20:])}  # a sanctioned address\n")
    eve = str(Account.from_key(new_private_key()).address)
    profile.label_book.save_many([AddressLabel(eve, INCOMING, "officer")])
    names["eve"] = eve
    # The demo policy with Eve in the treasury-officer role, in force through the officers' quorum.
    with profile.engine.begin() as conn:
        conn.execute(delete(policy_approvals))
        conn.execute(delete(policies))
    policy_file_path(profile.paths).unlink(missing_ok=True)
    template = TEMPLATE.read_text(encoding="utf-8")
    assert template.count(ROLE_LINE) == 1, "the demo template's treasury-officer role changed"
    text = fill_policy_template(template.replace(ROLE_LINE, 'members = ["{alice}", "{ben}", "{eve}"]'), names)
    signers = []
    for who in ("alice", "ben", "carmen"):
        services.keys.unlock(names[who], DEMO_PASSWORD)
        signers.append(services.keys.signer(names[who]))
    install_signed_policy(profile, text, signers, load_owners=vault_owner_reader(services.vaults))
    services.keys.lock_all()
    return names


@pytest.fixture(scope="module")
def demo(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    home = tmp_path_factory.mktemp("policy-cli") / "home"
    shutil.copytree(demo_home, home)
    profile = open_profile(home, "demo")
    try:
        services = build_services(profile)
        try:
            names = _prepare(profile, services)
        finally:
            services.close()
    finally:
        profile.close()
    return Demo(home, names)


@pytest.fixture
def own_demo(demo: Demo, tmp_path: Path) -> Iterator[Demo]:
    """A private copy for tests that change the profile."""
    home = tmp_path / "home"
    shutil.copytree(demo.home, home)
    yield Demo(home, demo.names)


def check(demo: Demo, *args: str, safe: str | None = None, proposer: str | None = None) -> tuple[int, Any]:
    more = ["--proposer", proposer] if proposer else []
    result = custos(demo.home, "policy", "check", "--safe", safe or demo.vault, *args, *more, "--json", check=False)
    assert result.returncode in (0, 1, 2), result.stderr
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)


def verdict(decision: dict[str, Any], rule_id: str) -> tuple[str, str]:
    found = next(r for r in decision["rules"] if r["id"] == rule_id)
    return found["verdict"], found["reason"]


# -- decisions ----------------------------------------------------------------------------------------------------

def test_a_small_hkdh_payout_proposed_by_a_non_owner_is_allowed(demo: Demo) -> None:
    code, out = check(demo, "--to", demo.hkdh, "--data", transfer(demo.names["kowloon_pension"], 10_000 * HKD),
                      proposer=demo.names["dana"])
    assert (code, out["decision"]) == (0, "allow"), out["rules"]
    assert verdict(out, "small-hkdh-to-investors")[0] == "match"
    assert verdict(out, "simulation") == ("pass", verdict(out, "simulation")[1])
    assert "simulated at block" in str(out["simulation"])
    assert out["required_approvals"] == 2 and out["proposer"] == demo.names["dana"]
    assert "transfer 10,000.00 HKDH from Harbour client vault to Kowloon Pension Trust" in str(out["intent_text"])


def test_a_large_hkdh_payout_escalates_to_the_compliance_officer(demo: Demo) -> None:
    code, out = check(demo, "--to", demo.hkdh, "--data", transfer(demo.names["kowloon_pension"], 300_000 * HKD),
                      proposer=demo.names["dana"])
    assert (code, out["decision"]) == (2, "escalate"), out["rules"]
    assert verdict(out, "large-hkdh-to-investors")[0] == "escalate"
    assert out["required_roles"] == ["compliance-officer"]


def test_a_payout_to_an_unknown_address_is_denied(demo: Demo) -> None:
    stranger = from_bytes(keccak(b"a stranger")[-20:])
    code, out = check(demo, "--to", demo.hkdh, "--data", transfer(stranger, 10 * HKD), proposer=demo.names["dana"])
    assert (code, out["decision"]) == (1, "deny")
    assert verdict(out, "default-deny")[0] == "deny" and stranger in verdict(out, "default-deny")[1]


def test_A1_bybit_payload_denied_on_the_demo_vault(demo: Demo) -> None:
    result = custos(demo.home, "policy", "check", "--safe", demo.vault, "--to", BYBIT_TARGET, "--data",
                    "0x" + BYBIT_DATA.hex(), "--operation", "1", "--safe-tx-gas", "45746", check=False)
    assert result.returncode == 1 and result.stderr == ""
    assert "DENY" in result.stdout and "untrusted DELEGATECALL to 0x96221423681A6d52E184D440a8eFCEbB105C7242" in \
        result.stdout
    code, out = check(demo, "--to", BYBIT_TARGET, "--data", "0x" + BYBIT_DATA.hex(), "--operation", "1",
                      "--safe-tx-gas", "45746")
    assert (code, out["decision"], verdict(out, "delegatecall")[0]) == (1, "deny", "deny")
    assert out["intent"]["kind"] == "delegatecall"


def test_A6_refund_smuggling_denied(demo: Demo) -> None:
    payout = transfer(demo.names["kowloon_pension"], 10 * HKD)
    attacker = from_bytes(keccak(b"attacker")[-20:])
    code, out = check(demo, "--to", demo.hkdh, "--data", payout, "--gas-token", demo.hkdh, "--refund-receiver",
                      attacker, "--gas-price", "50", proposer=demo.names["dana"])
    assert (code, out["decision"]) == (1, "deny")
    status, reason = verdict(out, "gas-refund")
    assert status == "deny" and "gas price 50" in reason and attacker in reason
    code, out = check(demo, "--to", demo.hkdh, "--data", payout, "--gas-price", "1", "--base-gas", "100000",
                      proposer=demo.names["dana"])
    assert (code, verdict(out, "gas-refund")[0]) == (1, "deny")  # one field alone is enough


def test_A4_add_owner_escalates_to_governance(demo: Demo) -> None:
    add_eve = "0x" + build_call("addOwnerWithThreshold(address,uint256)", demo.names["eve"], 2).hex()
    code, out = check(demo, "--to", demo.vault, "--data", add_eve, proposer=demo.names["dana"])
    assert (code, out["decision"]) == (2, "escalate"), out["rules"]
    assert verdict(out, "governance")[0] == "escalate"
    assert out["required_approvals"] == 3 and out["required_roles"] == ["compliance-officer"]
    assert out["delay_seconds"] == 48 * 3600
    assert verdict(out, "simulation")[0] == "pass"  # the owner change is exactly what the governance call says
    stranger = from_bytes(keccak(b"not an officer")[-20:])
    add_stranger = "0x" + build_call("addOwnerWithThreshold(address,uint256)", stranger, 2).hex()
    code, out = check(demo, "--to", demo.vault, "--data", add_stranger, proposer=demo.names["dana"])
    assert (code, verdict(out, "governance")[0]) == (1, "deny")


def test_json_carries_the_signed_fields_and_their_hash(demo: Demo) -> None:
    data = transfer(demo.names["lion_rock"], 1_234_567)
    _code, out = check(demo, "--to", demo.hkdh, "--data", data, "--nonce", "9", proposer=demo.names["dana"])
    for key in ("decision", "rules", "intent", "intent_text", "safe_tx", "safe_tx_hash", "domain_hash",
                "message_hash", "policy_version", "policy_digest", "simulation", "checked_at", "decision_id"):
        assert key in out, key
    tx = out["safe_tx"]
    rebuilt = SafeTx(safe=tx["safe"], chain_id=tx["chain_id"], version=tx["version"], to=tx["to"],
                     value=int(tx["value"]), data=bytes.fromhex(tx["data"][2:]), operation=Operation(tx["operation"]),
                     nonce=int(tx["nonce"]), safe_tx_gas=int(tx["safe_tx_gas"]), base_gas=int(tx["base_gas"]),
                     gas_price=int(tx["gas_price"]), gas_token=tx["gas_token"], refund_receiver=tx["refund_receiver"])
    assert (tx["nonce"], tx["version"], tx["data"]) == ("9", "1.4.1", data)
    assert out["safe_tx_hash"] == "0x" + compute_hashes(rebuilt).safe_tx_hash.hex()
    intent = out["intent"]
    assert (intent["kind"], intent["amount"], intent["recipient"], intent["asset"]) == (
        "token_transfer", "1234567", demo.names["lion_rock"], demo.hkdh)
    shown = json.loads(custos(demo.home, "policy", "show", "--json").stdout)
    assert out["policy_digest"] == shown["active"]["digest"] and out["policy_version"] == 1


# -- the policy ---------------------------------------------------------------------------------------------------

def test_policy_show_lists_the_policy_its_approvals_and_rules(demo: Demo) -> None:
    shown = json.loads(custos(demo.home, "policy", "show", "--json").stdout)
    active = shown["active"]
    assert shown["state"] == "active" and shown["reason"] is None and shown["drafts"] == []
    assert (active["version"], active["governance_vault"], active["required"]) == (1, demo.names["treasury"], 3)
    assert set(active["approved_by"]) == {demo.names[w] for w in ("alice", "ben", "carmen")}
    assert active["rules"][1]["id"] == "small-hkdh-to-investors" and "50,000.00 HKDH" in active["rules"][1]["text"]
    text = custos(demo.home, "policy", "show").stdout
    assert "Policy in force: version 1" in text and active["digest"] in text
    assert "Alice Chan (officer)" in text and "1. deny-pending-kyc" in text and "No drafts waiting." in text


def test_I9_a_tampered_policy_row_denies_every_transaction_and_show_exits_1(own_demo: Demo) -> None:
    database = own_demo.home / "profiles" / "demo" / "custos.db"
    with sqlite3.connect(database) as conn:
        changed = conn.execute("UPDATE policies SET text = replace(text, '\"50000.00\"', '\"90000.00\"') "
                               "WHERE state = 'active'").rowcount
    assert changed == 1
    code, out = check(own_demo, "--to", own_demo.hkdh, "--data",
                      transfer(own_demo.names["kowloon_pension"], 10 * HKD), proposer=own_demo.names["dana"])
    assert (code, out["decision"], out["policy_version"]) == (1, "deny", None)
    [only] = out["rules"]
    assert only["id"] == "policy" and "does not match its digest" in only["reason"]
    show = custos(own_demo.home, "policy", "show", "--json", check=False)
    shown = json.loads(show.stdout)
    assert show.returncode == 1 and shown["state"] == "tampered" and shown["active"] is None
    text = custos(own_demo.home, "policy", "show", check=False)
    assert text.returncode == 1 and text.stdout.startswith("NO POLICY IN FORCE (tampered)")


def test_decisions_are_recorded_and_listed_newest_first(own_demo: Demo) -> None:
    _c, allowed = check(own_demo, "--to", own_demo.hkdh, "--data",
                        transfer(own_demo.names["kowloon_pension"], 20 * HKD), proposer=own_demo.names["dana"])
    _c, denied = check(own_demo, "--to", BYBIT_TARGET, "--data", "0x" + BYBIT_DATA.hex(), "--operation", "1")
    listed = json.loads(custos(own_demo.home, "policy", "decisions", "--limit", "2", "--json").stdout)
    assert [d["safe_tx_hash"] for d in listed] == [denied["safe_tx_hash"], allowed["safe_tx_hash"]]
    assert [d["decision"] for d in listed] == ["deny", "allow"]
    assert [d["id"] for d in listed] == [denied["decision_id"], allowed["decision_id"]]
    assert listed[1]["proposer"] == own_demo.names["dana"] and listed[1]["policy_version"] == 1
    assert listed[1]["rules"] == allowed["rules"]
    text = custos(own_demo.home, "policy", "decisions", "--limit", "2").stdout
    assert f"#{denied['decision_id']}" in text and "DENY" in text and "delegatecall:" in text


def test_a_tightening_change_proposed_approved_and_in_force_from_the_command_line(own_demo: Demo,
                                                                                tmp_path: Path) -> None:
    names, home = own_demo.names, own_demo.home
    password = tmp_path / "password"
    password.write_text(DEMO_PASSWORD + "\n")
    sign = ("--password-file", str(password))
    active = policy_file_path(profile_paths(home, "demo")).read_text(encoding="utf-8")
    tighter = active.replace("version = 1", "version = 2", 1).replace(
        'approvals = 2                           # the client vault\'s threshold',
        'approvals = 3                           # all three officers', 1)
    assert tighter.count("approvals = 3 ") == 1
    draft_file = tmp_path / "v2.toml"
    draft_file.write_text(tighter)
    proposed = json.loads(custos(home, "policy", "propose", str(draft_file), "--key", names["alice"], *sign,
                                 "--json").stdout)
    assert (proposed["state"], proposed["approvals"], proposed["required"]) == ("proposed", 1, 3)
    digest = proposed["digest"]
    diff = json.loads(custos(home, "policy", "diff", digest, "--json").stdout)
    assert diff["loosens"] is False and any(c["direction"] == "tightens" for c in diff["changes"])
    assert "tightens" in custos(home, "policy", "diff", digest).stdout
    waiting = json.loads(custos(home, "policy", "show", "--json").stdout)["drafts"]
    assert [(d["digest"], d["approvals"]) for d in waiting] == [(digest, 1)]
    custos(home, "policy", "approve", digest, "--key", names["ben"], *sign)
    done = json.loads(custos(home, "policy", "approve", digest.upper().replace("0X", "0x"), "--key",
                             names["carmen"], *sign, "--json").stdout)
    assert done["state"] == "active"
    shown = json.loads(custos(home, "policy", "show", "--json").stdout)
    assert shown["active"]["version"] == 2 and shown["active"]["digest"] == digest
    code, out = check(own_demo, "--to", own_demo.hkdh, "--data", transfer(names["kowloon_pension"], 10 * HKD),
                      proposer=names["dana"])
    assert (code, out["required_approvals"], out["policy_version"]) == (0, 3, 2)
    # A change can be rejected by an owner of the governance vault; it never takes effect.
    again = draft_file.read_text().replace("version = 2", "version = 3", 1).replace("approvals = 3 ", "approvals = 2 ")
    draft_file.write_text(again)
    second = json.loads(custos(home, "policy", "propose", str(draft_file), "--key", names["ben"], *sign,
                               "--json").stdout)
    rejected = custos(home, "policy", "reject", second["digest"], "--key", names["carmen"], *sign, "--reason",
                      "not now")
    assert "now rejected" in rejected.stdout
    assert json.loads(custos(home, "policy", "show", "--json").stdout)["drafts"] == []


# -- input errors -------------------------------------------------------------------------------------------------

def _wrong_case(address: str) -> str:
    """One letter of a checksummed address in the other case (B3)."""
    index = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:index] + address[index].swapcase() + address[index + 1:]


@pytest.mark.parametrize(("args", "message"), [
    (("--to", "WRONG_CASE"), "wrong checksum"),
    (("--to", "HKDH", "--data", "0xzz"), "--data must be 0x followed by an even number of hex digits"),
    (("--to", "HKDH", "--data", "a9059cbb"), "--data must be 0x"),
    (("--to", "HKDH", "--value", "-5"), "--value must not be negative"),
    (("--to", "HKDH", "--value", "1.5"), "--value must be a whole number"),
    (("--to", "HKDH", "--operation", "2"), "--operation must be 0"),
    (("--to", "HKDH", "--nonce", "x"), "--nonce must be a whole number"),
    (("--value", "5",), "the following arguments are required: --to"),
])
def test_input_errors_exit_1_with_one_line_on_stderr(demo: Demo, args: tuple[str, ...], message: str) -> None:
    given = [demo.hkdh if a == "HKDH" else _wrong_case(demo.hkdh) if a == "WRONG_CASE" else a for a in args]
    result = custos(demo.home, "policy", "check", "--safe", demo.vault, *given, check=False)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("custos: error:") and message in lines[0], result.stderr


def test_a_bad_digest_or_limit_is_a_one_line_error(demo: Demo) -> None:
    for args in (("diff", "0x1234"), ("decisions", "--limit", "0")):
        result = custos(demo.home, "policy", *args, check=False)
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr


def test_a_user_abi_names_an_unknown_call_but_never_makes_it_allowed(own_demo: Demo, tmp_path: Path) -> None:
    target = from_bytes(keccak(b"settlement contract")[-20:])
    receiver = own_demo.names["kowloon_pension"]
    data = "0x" + build_call("settle(uint256,address)", 7, receiver).hex()
    _code, before = check(own_demo, "--to", target, "--data", data, proposer=own_demo.names["dana"])
    assert before["intent"]["kind"] == "unknown_call"
    abi = tmp_path / "settle.json"
    abi.write_text('[{"type":"function","name":"settle","inputs":[{"name":"trade","type":"uint256"},'
                   '{"name":"to","type":"address"}],"outputs":[],"stateMutability":"nonpayable"}]')
    custos(own_demo.home, "policy", "abi", "add", target, str(abi))
    listed = json.loads(custos(own_demo.home, "policy", "abi", "list", "--json").stdout)
    assert listed == [{"address": target, "functions": ["settle(uint256,address)"]}]
    code, after = check(own_demo, "--to", target, "--data", data, proposer=own_demo.names["dana"])
    assert after["intent"]["kind"] == "user_abi_call" and "settle" in after["intent"]["text"]
    assert (code, after["decision"]) == (1, "deny")  # readable now, but no rule allows calls to an unknown contract
    assert receiver in json.dumps(after["intent"])
    bad = tmp_path / "bad.json"
    bad.write_text('[{"type": "function"')
    refused = custos(own_demo.home, "policy", "abi", "add", target, str(bad), check=False)
    assert refused.returncode == 1 and "not valid JSON" in refused.stderr
    custos(own_demo.home, "policy", "abi", "remove", target)
    assert json.loads(custos(own_demo.home, "policy", "abi", "list", "--json").stdout) == []
