"""Re-checks on a fresh demo profile (SECURITY A15, I7): a decision holds only for the state it was made on. The same
transaction checked again after the policy was tightened, after the vault's threshold was changed on chain, or after
the policy row was edited in the database is decided on the new state, never on what an earlier check saw.

The module's demo home comes from its own `custos demo init` (the demo policy is in force, signed by the officers
Alice, Ben and Carmen, who own both vaults; Dana Ho proposes and owns none); every test works on a private copy of it,
with its devnet, so the tests do not depend on one another.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from wallet_app.demo.institution import HKD, Person, _execute
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.domain.vaults import VaultInfo
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.policy.check_request import CheckRequest
from wallet_app.policy.checker import CheckResult
from wallet_app.policy.governance import PolicyTampered
from wallet_app.policy.service_setup import policy_file_path
from wallet_app.profiles import Profile, open_profile
from wallet_app.services import Services, build_services

ALICE, BEN, CARMEN = "Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)"
DANA = "Dana Ho (operations)"
KOWLOON = "Kowloon Pension Trust (investor)"
CLIENT_VAULT = "Harbour client vault"
HKDH = "Harbour HKD"
# The investor's entry in the demo policy's allowlist, as the demo seeding writes it (placeholder filled).
KOWLOON_CONTACT = ('[[contacts]]\nlabel = "Kowloon Pension Trust"\naddress = "{address}"\nkind = "investor"\n'
                   'added = 2025-01-06T00:00:00Z\ncounterparty = "Kowloon Pension Trust"\n\n')


@dataclass
class Desk:
    home: Path
    profile: Profile
    services: Services
    names: dict[str, str]  # label -> address: the profile's address book and vaults

    def payout(self, *, approvers: tuple[str, ...] = (), proposer: str = DANA, nonce: int | None = None,
               ) -> CheckRequest:
        """10,000.00 HKDH from the client vault to Kowloon Pension Trust: allowed by the demo policy."""
        data = build_call("transfer(address,uint256)", self.names[KOWLOON], 10_000 * HKD)
        return CheckRequest(safe=self.names[CLIENT_VAULT], to=self.names[HKDH], data=data,
                            proposer=self.names[proposer], approvers=tuple(self.names[a] for a in approvers),
                            nonce=nonce)

    def check(self, request: CheckRequest, *, record: bool = True) -> CheckResult:
        return self.services.policy_checker.check(request, record=record)

    def vault(self, label: str) -> VaultInfo:
        address = self.names[label]
        return next(v for v in self.services.vaults.fetch_vaults() if v.address == address)

    def officer(self, label: str) -> Person:
        """An officer with the private key from the profile's keystore (for executing a Safe transaction)."""
        path = self.profile.paths.keystores / f"{self.names[label]}.json"
        return Person(label, "officer", decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD))

    @property
    def database(self) -> Path:
        return self.home / "profiles" / "demo" / "custos.db"


@pytest.fixture(scope="module")
def fresh_demo(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("policy-recheck") / "home"
    shutil.copytree(demo_home, home)
    return home


@pytest.fixture
def desk(fresh_demo: Path, tmp_path: Path) -> Iterator[Desk]:
    home = tmp_path / "home"
    shutil.copytree(fresh_demo, home)
    profile = open_profile(home, "demo")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        yield Desk(home, profile, services, names)
    finally:
        services.close()
        profile.close()


def verdicts(result: CheckResult) -> dict[str, tuple[str, str]]:
    return {v.id: (v.verdict, v.reason) for v in result.decision.rules}


def test_I7_a_policy_tightened_after_a_check_denies_the_same_transaction_at_the_next_check(desk: Desk) -> None:
    request = desk.payout()
    first = desk.check(request)
    assert first.decision.decision == "allow", first.decision.reasons
    assert verdicts(first)["small-hkdh-to-investors"][0] == "match"
    # Version 2 takes Kowloon Pension Trust off the allowlist: a removal only tightens, so it is in force at the quorum.
    service = desk.services.policy
    active = service.active()
    contact = KOWLOON_CONTACT.format(address=desk.names[KOWLOON])
    assert active.version == 1 and active.document.text.count(contact) == 1, "the demo policy's contact changed"
    tighter = active.document.text.replace("version = 1", "version = 2", 1).replace(contact, "", 1)
    draft = service.propose(tighter, desk.names[ALICE], DEMO_PASSWORD)
    changes = service.compare(draft.digest)
    assert [c.text for c in changes if c.direction == "tightens"] == [
        f"contact Kowloon Pension Trust (investor, {desk.names[KOWLOON]}) is removed"]
    assert not any(c.direction == "loosens" for c in changes), changes
    assert service.approve(draft.digest, desk.names[BEN], DEMO_PASSWORD).state == "proposed"
    done = service.approve(draft.digest, desk.names[CARMEN], DEMO_PASSWORD)
    assert done.state == "active" and done.loosens is False
    assert service.active().version == 2  # no cooling-off for a tightening change
    # The identical request, checked again: decided under version 2.
    second = desk.check(request)
    assert second.safe_tx_hash == first.safe_tx_hash  # the very same transaction
    assert second.decision.decision == "deny"
    assert verdicts(second)["small-hkdh-to-investors"][0] == "skip"
    status, reason = verdicts(second)["default-deny"]
    assert status == "deny" and "Kowloon Pension Trust" in reason and desk.names[KOWLOON] in reason
    assert (first.policy_version, second.policy_version) == (1, 2)
    assert first.policy_digest == active.digest and second.policy_digest == draft.digest != first.policy_digest
    # Both decisions are on record, each under the policy it was made under.
    recorded = {r.id: r for r in desk.services.policy_checker.recent_decisions(10)}
    assert first.decision_id is not None and second.decision_id is not None
    then, now = recorded[first.decision_id], recorded[second.decision_id]
    assert (then.decision, then.policy_version, then.policy_digest) == ("allow", 1, first.policy_digest)
    assert (now.decision, now.policy_version, now.policy_digest) == ("deny", 2, second.policy_digest)
    assert then.safe_tx_hash == now.safe_tx_hash == "0x" + first.safe_tx_hash.hex()


def test_A15_on_chain_owner_change_between_checks_is_seen(desk: Desk) -> None:
    approved_by_two = desk.payout(approvers=(BEN, CARMEN))
    before = desk.check(approved_by_two)
    vault = desk.vault(CLIENT_VAULT)
    assert (vault.threshold, len(vault.owners), vault.nonce) == (2, 3, 2)
    assert before.decision.decision == "allow" and before.decision.required_approvals == 2
    assert before.decision.approvals_met and before.safe_tx.nonce == vault.nonce
    by_alice = desk.check(desk.payout(proposer=ALICE), record=False)  # two other owners can approve her payout
    assert by_alice.decision.decision == "allow", by_alice.decision.reasons
    # Outside Custos, Alice and Ben raise the client vault's threshold to 3 with a real Safe transaction.
    raise_threshold = build_call("changeThreshold(uint256)", 3)
    address = desk.names[CLIENT_VAULT]
    _execute(desk.services.chain, desk.profile.config.chain_id, address, vault.nonce, address, 0, raise_threshold,
             signers=(desk.officer(ALICE), desk.officer(BEN)))
    changed = desk.vault(CLIENT_VAULT)
    assert (changed.threshold, changed.owners, changed.nonce) == (3, vault.owners, vault.nonce + 1)
    # The same request again: owners, threshold and nonce are read at check time.
    after = desk.check(approved_by_two)
    assert after.vault is not None and (after.vault.threshold, after.vault.nonce) == (3, vault.nonce + 1)
    assert after.safe_tx.nonce == vault.nonce + 1 and after.safe_tx_hash != before.safe_tx_hash
    assert after.decision.required_approvals == 3
    assert not after.decision.approvals_met  # Ben and Carmen were enough before; now a third owner must approve
    assert after.decision.approvals_counted == (desk.names[BEN], desk.names[CARMEN])
    assert "needs 3 approvals" in verdicts(after)["segregation-of-duties"][1]
    assert desk.check(desk.payout(approvers=(ALICE, BEN, CARMEN)), record=False).decision.approvals_met
    # An officer's own payout can no longer gather the threshold from the other owners: denied.
    by_alice = desk.check(desk.payout(proposer=ALICE), record=False)
    assert by_alice.decision.decision == "deny"
    status, reason = verdicts(by_alice)["segregation-of-duties"]
    assert status == "deny" and "needs 3 approvals" in reason and "only 2 other owners" in reason


def test_A15_a_stale_nonce_after_an_on_chain_change_is_refused_or_denied(desk: Desk) -> None:
    vault = desk.vault(CLIENT_VAULT)
    address = desk.names[CLIENT_VAULT]
    _execute(desk.services.chain, desk.profile.config.chain_id, address, vault.nonce, address, 0,
             build_call("changeThreshold(uint256)", 3), signers=(desk.officer(ALICE), desk.officer(BEN)))
    assert desk.vault(CLIENT_VAULT).nonce == vault.nonce + 1
    stale = desk.payout(approvers=(ALICE, BEN, CARMEN), nonce=vault.nonce)  # the nonce the threshold change used
    result = desk.check(stale, record=False)
    assert result.decision.decision == "deny"
    assert result.decision.rules[0].id == "nonce" and "already used" in result.decision.rules[0].reason


def test_A15_a_policy_row_edited_between_checks_fails_closed(desk: Desk) -> None:
    request = desk.payout()
    first = desk.check(request)
    assert first.decision.decision == "allow" and first.policy_version == 1
    # Someone with the database raises the routine payout limit in the row of the policy in force.
    with sqlite3.connect(desk.database) as conn:
        changed = conn.execute("UPDATE policies SET text = replace(text, '\"50000.00\"', '\"90000.00\"') "
                               "WHERE state = 'active'").rowcount
    conn.close()
    assert changed == 1
    with pytest.raises(PolicyTampered, match="does not match its digest"):
        desk.services.policy.active()
    second = desk.check(request)
    assert second.decision.decision == "deny" and (second.policy_version, second.policy_digest) == (None, None)
    [only] = second.decision.rules
    assert only.id == "policy" and only.verdict == "deny"
    assert "does not match its digest" in only.reason and "edited in the database" in only.reason
    assert first.policy_digest is not None and first.policy_digest in only.reason
    # The deny is on record like any decision, with the reason.
    assert second.decision_id is not None and second.decision_id != first.decision_id
    recorded = next(r for r in desk.services.policy_checker.recent_decisions(10) if r.id == second.decision_id)
    assert (recorded.decision, recorded.policy_version, recorded.policy_digest) == ("deny", None, None)
    assert [(v.id, v.verdict, v.reason) for v in recorded.rules] == [(only.id, only.verdict, only.reason)]
    # Recomputing the digest to match the edited text does not help: the officers' signatures are over the old one.
    with sqlite3.connect(desk.database) as conn:
        text, digest = conn.execute("SELECT text, digest FROM policies WHERE state = 'active'").fetchone()
        forged = "0x" + keccak(text.encode("utf-8")).hex()
        conn.execute("UPDATE policy_approvals SET digest = ? WHERE digest = ?", (forged, digest))
        conn.execute("UPDATE policies SET digest = ? WHERE digest = ?", (forged, digest))
    conn.close()
    policy_file_path(desk.profile.paths).write_text(text, encoding="utf-8")
    third = desk.check(replace(request, approvers=(desk.names[BEN], desk.names[CARMEN])))
    assert third.decision.decision == "deny" and [v.id for v in third.decision.rules] == ["policy"]
    reason = third.decision.rules[0].reason
    assert "signature is not its signer's" in reason and "quorum no longer holds" in reason
