"""The demo institution's policy (issue 5, part 6): after `custos demo init` the policy is in force, signed by the
three officers; its sanctions list, the SafeTx simulation probe and Dana Ho (operations), who proposes transfers and
owns no vault, are there; and a second `custos demo init` changes nothing."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from tests.integration.test_cli_demo import custos, demo_copy, demo_home  # noqa: F401  (module fixtures reused)
from wallet_app.demo.demo_policy import SANCTIONED_ADDRESS, SANCTIONED_LABEL, SANCTIONS_FILE
from wallet_app.demo.institution import HKD
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.policy.check_request import CheckRequest
from wallet_app.policy.checker import CheckResult
from wallet_app.policy.checker_setup import SIMULATION_PROBE
from wallet_app.policy.document import parse_denylist
from wallet_app.policy.rules.base import ACTIONS
from wallet_app.policy.rules.conditions import CONDITION_KEYS
from wallet_app.policy.service_setup import build_policy_service, policy_file_path
from wallet_app.policy.simulation_probe import probe_runtime_code
from wallet_app.policy.views import ActivePolicy
from wallet_app.profiles import Profile, open_profile
from wallet_app.services import Services, build_services

DANA = "Dana Ho (operations)"
OFFICERS = ("Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)")


@dataclass
class Demo:
    profile: Profile
    services: Services
    names: dict[str, str]  # label -> address, from the profile's address book and vault registry
    active: ActivePolicy


@pytest.fixture(scope="module")
def demo(demo_home: Path) -> Iterator[Demo]:
    profile = open_profile(demo_home, "demo")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        active = build_policy_service(profile, services.vaults, services.keys).active()
        yield Demo(profile, services, names, active)
    finally:
        services.close()
        profile.close()


def test_the_demo_policy_is_in_force_signed_by_the_three_officers(demo: Demo) -> None:
    active, names = demo.active, demo.names
    officers = {names[label] for label in OFFICERS}
    assert active.version == 1 and active.governance_vault == names["Harbour treasury"] and active.required == 3
    assert set(active.approved_by) == officers and active.proposed_by == names["Alice Chan (officer)"]
    assert not active.notes  # the on-disk copy is the text in force
    assert policy_file_path(demo.profile.paths).read_text(encoding="utf-8") == active.document.text
    assert not re.search(r"\{[a-z][a-z0-9_]*\}", active.document.text)  # every placeholder filled
    contacts = {c.label: c for c in active.document.contacts}
    assert contacts["Harbour client vault"].address == names["Harbour client vault"]
    assert {c.kind for c in contacts.values()} == {"vault", "investor"}  # its own vaults and its investors
    assert contacts["Kowloon Pension Trust"].address == names["Kowloon Pension Trust (investor)"]
    assert active.document.pinned_delegatecall[0].address == names["Safe multi send call only"]
    code = demo.services.chain.fetch_code(names["Safe multi send call only"])
    assert keccak(code) == active.document.pinned_delegatecall[0].code_hash  # batches through it can be allowed


def test_the_policy_exercises_every_rule_type(demo: Demo) -> None:
    document = demo.active.document
    used = {c.key for rule in document.rules for c in rule.conditions}
    assert used == set(CONDITION_KEYS)
    assert {rule.action for rule in document.rules} == set(ACTIONS)
    assert any(rule.roles for rule in document.rules) and document.governance.roles
    assert document.denylist_file == SANCTIONS_FILE and document.closed_days and document.require_simulation


def test_the_sanctions_list_names_the_sanctioned_counterparty(demo: Demo) -> None:
    path = demo.profile.paths.root / "policy" / SANCTIONS_FILE
    assert parse_denylist(path.read_text(encoding="utf-8")) == {SANCTIONED_ADDRESS}
    assert demo.names[SANCTIONED_LABEL] == SANCTIONED_ADDRESS
    assert demo.profile.load_labels()[SANCTIONED_ADDRESS].kind == "counterparty"
    assert SANCTIONED_ADDRESS not in {c.address for c in demo.active.document.contacts}


def test_the_simulation_probe_is_deployed_and_configured(demo: Demo) -> None:
    probe = demo.profile.config.extra[SIMULATION_PROBE]
    assert demo.services.chain.fetch_code(probe) == probe_runtime_code()
    assert demo.names["SafeTx simulation probe"] == probe


def test_dana_proposes_but_owns_no_vault(demo: Demo) -> None:
    from wallet_app.keys.custody import evaluate_custody
    from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file

    dana = demo.names[DANA]
    keys = {k.address: k for k in demo.services.keys.load_keys()}
    assert keys[dana].label == DANA and keys[dana].can_sign
    path = demo.profile.paths.keystores / f"{dana}.json"
    assert len(decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD)) == 32
    vaults = demo.services.vaults.fetch_vaults()
    assert all(dana not in v.owners for v in vaults) and keys[dana].vaults == ()
    assert 0 < demo.services.chain.fetch_balance(dana) <= 10 * 10**18  # a little gas money
    assert demo.profile.load_labels()[dana].kind == "officer"
    # The custody rule is unchanged: Dana shares no vault with the keys held; a second officer key would, which
    # only a demo profile allows.
    held = [a for a in keys if a != dana]
    assert evaluate_custody(dana, held, vaults) == []
    alice = demo.names["Alice Chan (officer)"]
    assert set(evaluate_custody(alice, [a for a in held if a != alice], vaults)) == {
        "Harbour client vault", "Harbour treasury"}
    assert demo.profile.allows_quorum_on_device


def test_the_demo_records_an_allow_an_escalate_and_a_deny(demo: Demo) -> None:
    # The three sample decisions come first; the demo's queue items were decided after them.
    recorded = list(reversed(demo.services.policy_checker.recent_decisions(50)))[:3]
    assert [r.decision for r in recorded] == ["allow", "escalate", "deny"]
    assert all(r.proposer == demo.names[DANA] and r.safe == demo.names["Harbour client vault"] for r in recorded)
    assert all((r.policy_version, r.policy_digest) == (1, demo.active.digest) for r in recorded)
    verdicts = [{v.id: v.verdict for v in r.rules} for r in recorded]
    assert verdicts[0]["small-hkdh-to-investors"] == "match" and verdicts[0]["simulation"] == "pass"
    assert verdicts[1]["large-hkdh-to-investors"] == "escalate"
    assert verdicts[2]["denylist"] == "deny"
    assert recorded[0].intent_text == ("transfer 10,000.00 HKDH from Harbour client vault to Kowloon Pension Trust "
                                       "(allowlisted)")
    assert "300,000.00 HKDH" in recorded[1].intent_text and SANCTIONED_LABEL in recorded[2].intent_text


def _transfer(demo: Demo, recipient: str, amount: int, approvers: tuple[str, ...] = ()) -> CheckResult:
    """An HKDH transfer from the client vault proposed by Dana, checked and not recorded."""
    data = build_call("transfer(address,uint256)", recipient, amount * HKD)
    request = CheckRequest(safe=demo.names["Harbour client vault"], to=demo.names["Harbour HKD"], data=data,
                           proposer=demo.names[DANA], approvers=approvers)
    return demo.services.policy_checker.check(request, record=False)


def test_the_documented_decisions(demo: Demo) -> None:
    names = demo.names
    recorded_before = len(demo.services.policy_checker.recent_decisions(50))
    kowloon = names["Kowloon Pension Trust (investor)"]
    small = _transfer(demo, kowloon, 10_000).decision
    assert small.decision == "allow", small.reasons
    assert (small.required_approvals, small.required_roles) == (2, ())  # the 2-of-3 vault's own threshold
    ben, carmen = names["Ben Wong (officer)"], names["Carmen Lee (offline signer)"]
    assert _transfer(demo, kowloon, 10_000, approvers=(ben, carmen)).decision.approvals_met
    large = _transfer(demo, kowloon, 300_000).decision
    assert large.decision == "escalate" and large.required_roles == ("compliance-officer",)
    assert not _transfer(demo, kowloon, 300_000, approvers=(names["Alice Chan (officer)"], ben)).decision.approvals_met
    for recipient, amount, rule in ((kowloon, 2_000_000, "default-deny"),
                                    ("0x000000000000000000000000000000000000dEaD", 5_000, "default-deny"),
                                    (SANCTIONED_ADDRESS, 5_000, "denylist"),
                                    (names["Pending KYC Ltd (investor, not verified)"], 10, "deny-pending-kyc")):
        denied = _transfer(demo, recipient, amount).decision
        assert denied.decision == "deny" and {v.id: v.verdict for v in denied.rules}[rule] == "deny"
    unlimited = build_call("approve(address,uint256)", names["Harbour treasury"], 2**256 - 1)
    request = CheckRequest(safe=names["Harbour client vault"], to=names["Harbour HKD"], data=unlimited,
                           proposer=names[DANA])
    approval = demo.services.policy_checker.check(request, record=False).decision
    assert approval.decision == "deny" and {v.id: v.verdict for v in approval.rules}["token-approvals"] == "deny"
    assert len(demo.services.policy_checker.recent_decisions(50)) == recorded_before  # nothing above was recorded


def test_demo_init_twice_changes_nothing_and_is_quick(demo_copy: Path) -> None:
    profile_dir = demo_copy / "profiles" / "demo"
    before = _contents(demo_copy)
    start = time.monotonic()
    result = custos(demo_copy, "demo", "init")
    assert "already exists" in result.stdout and time.monotonic() - start < 20
    assert _contents(demo_copy) == before
    config = json.loads((profile_dir / "profile.json").read_text())
    assert config["extra"][SIMULATION_PROBE].startswith("0x")


def _contents(home: Path) -> dict[str, object]:
    """The demo profile's files (but its database and devnet) and its policy, key and label rows."""
    from sqlalchemy import select

    from wallet_app.storage.schema import keys, labels, policies, policy_approvals, policy_decisions

    root = home / "profiles" / "demo"
    out: dict[str, object] = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                              if p.is_file() and "devnet" not in p.parts and not p.name.startswith("custos.db")}
    profile = open_profile(home, "demo")
    try:
        with profile.engine.connect() as conn:
            for table in (policies, policy_approvals, policy_decisions, keys, labels):
                out[table.name] = sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
    finally:
        profile.close()
    return out
