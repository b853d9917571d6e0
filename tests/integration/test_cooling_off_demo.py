"""The cooling-off of new contacts enforced at proposal, approval and execution on a fresh demo profile (issue 16,
item 3), and said beforehand by `wallet_app.policy.cooling_off`.

Under the demo policy Kowloon Pension Trust has been a contact since 2025, and both HKDH payout rules wait 72 hours
after a contact is added. Two payouts to it are queued under version 1 (one approved by two officers, one not yet);
then the governance quorum re-dates the contact to an hour ago (a later date only tightens, so version 2 is in force
at once). `custos safe queue` says when the queued payouts open. Inside the new window a proposal is denied and
nothing queued, an approval of the waiting payout is refused before anything is signed, and the approved payout is
refused at execution with nothing claimed, signed or sent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from tests.support.cooling_off import redate_contact
from wallet_app.cli.safe_cooling import cooling_off_lines
from wallet_app.demo.institution import HKD
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.check_request import CheckRequest
from wallet_app.policy.checker import CheckResult
from wallet_app.policy.cooling_off import compute_opening, describe_opening
from wallet_app.profiles import Profile, open_profile
from wallet_app.queue.service import PolicyDenied
from wallet_app.services import Services, build_services

ALICE, BEN, CARMEN = "Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)"
DANA = "Dana Ho (operations)"
KOWLOON = "Kowloon Pension Trust"  # the policy's contact (the address book's label may say more)
CLIENT_VAULT = "Harbour client vault"
HKDH = "Harbour HKD"
ZONE = ZoneInfo("Asia/Hong_Kong")  # the demo policy's time zone
COOLING = "Kowloon Pension Trust was added on {added:%Y-%m-%d %H:%M} UTC, less than 72 hours ago (cooling-off"


@dataclass
class Desk:
    profile: Profile
    services: Services
    names: dict[str, str]
    keys: dict[str, bytes]

    def signer(self, label: str) -> KeystoreSigner:
        return KeystoreSigner(address=self.names[label], private_key=self.keys[label])

    def payout(self, amount: int, nonce: int | None = None) -> CheckRequest:
        data = build_call("transfer(address,uint256)", self.kowloon, amount)
        return CheckRequest(safe=self.names[CLIENT_VAULT], to=self.names[HKDH], data=data, nonce=nonce)

    @property
    def kowloon(self) -> str:
        return self.services.policy.active().document.book.labels[KOWLOON].address

    def vault_nonce(self) -> int:
        raw = self.services.chain.call(self.names[CLIENT_VAULT], build_call("nonce()"))
        return int.from_bytes(raw[:32], "big")


@pytest.fixture(scope="module")
def demo_keys(demo_home: Path) -> dict[str, bytes]:
    profile = open_profile(demo_home, "demo")
    try:
        labels = {entry.label: address for address, entry in profile.load_labels().items()}
        return {label: decrypt_keystore(load_keystore_file(profile.paths.keystores / f"{labels[label]}.json"),
                                        DEMO_PASSWORD) for label in (ALICE, BEN, CARMEN, DANA)}
    finally:
        profile.close()


@pytest.fixture
def desk(demo_home: Path, demo_keys: dict[str, bytes], tmp_path: Path) -> Iterator[Desk]:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    profile = open_profile(home, "demo")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        yield Desk(profile, services, names, demo_keys)
    finally:
        services.close()
        profile.close()


def skipped_for_cooling_off(check: CheckResult, added: datetime) -> list[str]:
    """The HKDH payout rules the decision passed over because of the contact's cooling-off."""
    return [v.id for v in check.decision.rules if v.verdict == "skip" and COOLING.format(added=added) in v.reason]


def test_the_cooling_off_is_enforced_at_proposal_approval_and_execution(desk: Desk) -> None:
    q, nonce = desk.services.queue, desk.vault_nonce()
    kowloon, vault, hkdh = desk.kowloon, desk.names[CLIENT_VAULT], desk.names[HKDH]
    # Version 1: a contact since 2025, open. One payout approved by two officers (ready), one waiting.
    before = compute_opening(desk.services.policy.active().document, vault, kowloon, now=datetime.now(UTC),
                             asset=hkdh)
    assert before.status == "open"
    ready = q.propose_with(desk.payout(1_000 * HKD, nonce), desk.signer(DANA)).entry
    waiting = q.propose_with(desk.payout(1_001 * HKD, nonce + 1), desk.signer(DANA)).entry
    assert ready is not None and waiting is not None
    for officer in (BEN, CARMEN):
        q.approve_with(ready.safe_tx_hash, desk.signer(officer))
    assert q.entry(ready.safe_tx_hash).state == "ready"

    # Version 2: the contact was added an hour ago; it opens 72 hours after that, in Hong Kong time.
    added = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    document = redate_contact(desk.services.policy, KOWLOON, added,
                              [desk.signer(ALICE), desk.signer(BEN), desk.signer(CARMEN)])
    assert document.version == 2
    opening = compute_opening(document, vault, kowloon, now=datetime.now(UTC), asset=hkdh)
    opens = added + timedelta(hours=72)
    assert opening.status == "cooling" and opening.opens_at == opens
    assert opening.first is not None and opening.first.rule_id == "small-hkdh-to-investors"
    hk = opens.astimezone(ZONE)
    assert describe_opening(opening, document).startswith(
        f"Kowloon Pension Trust opens for HKDH transfers on {hk:%Y-%m-%d %H:%M} HKT (72 h cooling-off for new "
        "contacts under rule small-hkdh-to-investors")

    # `custos safe queue` says it under the queue, for each open payout to the contact.
    said = cooling_off_lines(desk.services, q.load())
    assert said[1].startswith("Cooling-off of new contacts")
    for entry in (ready, waiting):
        line = next(t for t in said if entry.safe_tx_hash[:6] in t)
        assert line.startswith(f"  nonce {entry.item.nonce}  ") and f"opens for HKDH transfers on {hk:%Y-%m-%d %H:%M}" \
            in line

    # At proposal: denied, nothing queued; both payout rules passed over for the cooling-off.
    queued = len(q.load())
    proposed = q.propose_with(desk.payout(1_002 * HKD), desk.signer(DANA))
    assert proposed.entry is None and proposed.check.decision.decision == "deny"
    assert proposed.check.policy_version == 2
    assert skipped_for_cooling_off(proposed.check, added) == ["small-hkdh-to-investors", "large-hkdh-to-investors"]
    assert len(q.load()) == queued

    # At approval: the payout proposed before is refused now, before anything is signed.
    with pytest.raises(PolicyDenied, match="denies this transaction now, so it was not approved") as refused:
        q.approve_with(waiting.safe_tx_hash, desk.signer(ALICE))
    assert skipped_for_cooling_off(refused.value.result, added) == ["small-hkdh-to-investors",
                                                                    "large-hkdh-to-investors"]
    assert q.entry(waiting.safe_tx_hash).signers == ()

    # At execution: the approved payout is refused; nothing claimed, signed or sent; the vault's nonce unchanged.
    with pytest.raises(PolicyDenied, match="denies this transaction at execution") as refused:
        q.execute_with(ready.safe_tx_hash, desk.signer(DANA))
    assert skipped_for_cooling_off(refused.value.result, added)
    item = q.entry(ready.safe_tx_hash).item
    assert item.state == "ready" and item.claim_token is None and item.exec_tx_hash is None
    assert q.store.load_broadcasts(ready.safe_tx_hash) == [] and desk.vault_nonce() == nonce
