"""Policy governance on a fresh demo profile: the demo policy installed with the officers' signatures through the
profile's keys, owners read from the embedded devnet, and an owner removed on chain failing the policy closed.

`custos demo init` puts the demo policy in force itself (tests/integration/test_demo_policy.py); these tests take it
out again first, to install it on a fixed clock as a first policy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture reused)
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.keys.signer import Signer
from wallet_app.policy.document import fill_policy_template
from wallet_app.policy.governance import NoActivePolicy, PolicyGovernanceError, PolicyTampered
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import (
    build_policy_service,
    install_signed_policy,
    policy_file_path,
    vault_owner_reader,
)
from wallet_app.profiles import Profile, open_profile
from wallet_app.services import Services, build_services

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "resources" / "policy" / "demo-policy.toml"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICERS = {"alice": "Alice Chan (officer)", "ben": "Ben Wong (officer)", "carmen": "Carmen Lee (offline signer)",
            "dana": "Dana Ho (operations)"}
INVESTORS = {"kowloon_pension": "Kowloon Pension Trust (investor)",
             "lion_rock": "Lion Rock Family Office (investor)",
             "victoria_harbour": "Victoria Harbour Endowment (investor)",
             "pending_kyc": "Pending KYC Ltd (investor, not verified)"}


@dataclass
class Desk:
    profile: Profile
    services: Services
    names: dict[str, str]  # template placeholder -> address

    @property
    def policy(self) -> PolicyService:
        return build_policy_service(self.profile, self.services.vaults, self.services.keys)

    def signer(self, who: str) -> Signer:
        address = self.names[who]
        self.services.keys.unlock(address, DEMO_PASSWORD)
        return self.services.keys.signer(address)

    def demo_policy(self) -> str:
        return fill_policy_template(TEMPLATE.read_text(encoding="utf-8"), self.names)

    def install(self, *who: str, now: datetime = T0) -> str:
        text = self.demo_policy()
        install_signed_policy(self.profile, text, [self.signer(w) for w in who],
                              load_owners=vault_owner_reader(self.services.vaults), now=now)
        self.services.keys.lock_all()
        return text


@pytest.fixture
def desk(demo_home: Path, tmp_path: Path) -> Iterator[Desk]:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    profile = open_profile(home, "demo")
    _remove_the_demo_policy(profile)
    services = build_services(profile)
    try:
        yield Desk(profile, services, _placeholders(profile))
    finally:
        services.close()
        profile.close()


def _remove_the_demo_policy(profile: Profile) -> None:
    from sqlalchemy import delete

    from wallet_app.storage.schema import policies, policy_approvals

    with profile.engine.begin() as conn:
        conn.execute(delete(policy_approvals))
        conn.execute(delete(policies))
    policy_file_path(profile.paths).unlink()


def _placeholders(profile: Profile) -> dict[str, str]:
    labels = {entry.label: address for address, entry in profile.load_labels().items()}
    vaults = {v.label: v.address for v in profile.vault_registry.load_entries()}
    registry = TokenRegistry(engine=profile.engine, chain_id=profile.config.chain_id)
    tokens = {t.symbol: t.address for t in registry.load_tokens()}
    names = {key: labels[label] for key, label in {**OFFICERS, **INVESTORS}.items()}
    names.update(client_vault=vaults["Harbour client vault"], treasury=vaults["Harbour treasury"],
                 cold_vault=vaults["Harbour cold vault"],
                 multi_send_call_only=labels["Safe multi send call only"])
    names.update({symbol.lower(): tokens[symbol] for symbol in ("HKDH", "HMMF", "HUST", "HGB29", "HDEED")})
    return names


def test_install_signed_policy_on_a_fresh_demo(desk: Desk) -> None:
    with pytest.raises(NoActivePolicy, match="every transaction is denied"):
        desk.policy.active(T0)
    text = desk.install("alice", "ben", "carmen")
    active = desk.policy.active(T0 + timedelta(minutes=5))  # a new service: everything re-read and re-verified
    officers = {desk.names[w] for w in ("alice", "ben", "carmen")}
    assert (active.version, active.governance_vault, active.required) == (1, desk.names["treasury"], 3)
    assert set(active.approved_by) == officers and active.proposed_by == desk.names["alice"]
    assert active.effective_since == T0 and active.document.text == text and active.describe_rules()
    assert policy_file_path(desk.profile.paths).read_text(encoding="utf-8") == text
    assert desk.services.keys.load_keys() and not any(k.unlocked for k in desk.services.keys.load_keys())
    with pytest.raises(PolicyGovernanceError, match="already has policies"):
        desk.install("alice", "ben", "carmen")


def test_two_officers_are_not_the_treasury_quorum(desk: Desk) -> None:
    with pytest.raises(PolicyGovernanceError, match="not a quorum"):
        desk.install("alice", "ben")  # the treasury is 3-of-3, and the compliance officer (Carmen) must sign
    with pytest.raises(NoActivePolicy):
        desk.policy.active(T0)


def test_I6_a_loosening_change_signed_with_passwords_waits_the_cooling_off(desk: Desk) -> None:
    first = desk.install("alice", "ben", "carmen")
    new_contact = ('\n[[contacts]]\nlabel = "Cheung Kong Securities"\n'
                   'address = "0x000000000000000000000000000000000000dEaD"\n'
                   'kind = "counterparty"\nadded = 2026-03-02T00:00:00Z\n')
    marker = "# -- the assets"
    looser = first.replace("version = 1", "version = 2", 1).replace(marker, new_contact + "\n" + marker, 1)
    service, t1 = desk.policy, T0 + timedelta(days=1)
    draft = service.propose(looser, desk.names["ben"], DEMO_PASSWORD, now=t1)
    assert any(c.direction == "loosens" and "Cheung Kong" in c.text for c in service.compare(draft.digest))
    assert service.approve(draft.digest, desk.names["alice"], DEMO_PASSWORD, now=t1).state == "proposed"
    waiting = service.approve(draft.digest, desk.names["carmen"], DEMO_PASSWORD, now=t1)
    assert (waiting.state, waiting.effective_at) == ("approved", t1 + timedelta(hours=24))
    assert service.active(t1 + timedelta(hours=23, minutes=59)).version == 1
    assert service.active(t1 + timedelta(hours=24)).version == 2
    assert policy_file_path(desk.profile.paths).read_text(encoding="utf-8") == looser


def test_A14_an_owner_removed_on_chain_fails_the_policy_closed(desk: Desk) -> None:
    from wallet_app.demo.institution import Person, _execute
    from wallet_app.domain.abi import build_call
    from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file

    desk.install("alice", "ben", "carmen")
    assert desk.policy.active(T0).version == 1
    treasury = desk.names["treasury"]
    info = next(v for v in desk.services.vaults.fetch_vaults() if v.address == treasury)
    people = tuple(
        Person(w, "officer", decrypt_keystore(
            load_keystore_file(desk.profile.paths.keystores / f"{desk.names[w]}.json"), DEMO_PASSWORD))
        for w in ("alice", "ben", "carmen"))
    ben = desk.names["ben"]
    index = info.owners.index(ben)
    previous = info.owners[index - 1] if index else "0x0000000000000000000000000000000000000001"
    remove = build_call("removeOwner(address,address,uint256)", previous, ben, 2)
    _execute(desk.services.chain, desk.profile.config.chain_id, treasury, info.nonce, treasury, 0, remove,
             signers=people)
    after = next(v for v in desk.services.vaults.fetch_vaults() if v.address == treasury)
    assert ben not in after.owners and after.threshold == 2
    with pytest.raises(PolicyTampered, match="quorum no longer holds") as caught:
        desk.policy.active(T0)
    assert ben in caught.value.user_message and "every transaction is denied" in caught.value.user_message
