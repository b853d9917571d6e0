"""The demo institution's transfer policy: the template `resources/policy/demo-policy.toml` filled with the addresses
the demo deployed, the sanctions list it names, and the policy put in force with the three officers' signatures
(the treasury's 3-of-3 quorum, the compliance officer among them), while the demo's devnet is open.

Dana Ho (operations) proposes the demo's transfers: she owns no vault, so under segregation of duties (the proposer
never counts as an approver) a small client-vault payout needs exactly the vault's own 2 approvals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from eth_hash.auto import keccak

from wallet_app.demo.demo_cold import COLD_VAULT_LABEL
from wallet_app.demo.institution import DemoInstitution, DemoPeople
from wallet_app.domain.addresses import from_bytes
from wallet_app.errors import ConfigError
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.document import fill_policy_template, parse_policy
from wallet_app.policy.governance import LoadOwners
from wallet_app.profiles import Profile

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.policy.checker import PolicyChecker

TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "policy" / "demo-policy.toml"
SANCTIONS_FILE = "sanctions.txt"
SANCTIONED_LABEL = "Sanctioned Shell Co."
# A fixed address no one holds a key for: the same in every demo profile, so the sanctions list reads the same.
SANCTIONED_ADDRESS = from_bytes(keccak(b"custos demo: Sanctioned Shell Co.")[-20:])
_OFFICER_KEYS = ("alice", "ben", "carmen")
_INVESTOR_KEYS = ("kowloon_pension", "lion_rock", "victoria_harbour", "pending_kyc")
_TOKEN_KEYS = ("HKDH", "HMMF", "HUST", "HGB29", "HDEED")


def policy_values(demo: DemoInstitution, people: DemoPeople) -> dict[str, str]:
    """The template's placeholders and the demo's addresses."""
    values = dict(zip(_OFFICER_KEYS, (o.address for o in people.officers), strict=True))
    values.update(zip(_INVESTOR_KEYS, (i.address for i in people.investors), strict=True))
    tokens = {t.symbol: t.address for t in demo.tokens}
    values.update({symbol.lower(): tokens[symbol] for symbol in _TOKEN_KEYS})
    values.update(dana=people.operations.address)
    values.update(client_vault=demo.vaults["Harbour client vault"], treasury=demo.vaults["Harbour treasury"],
                  cold_vault=demo.vaults[COLD_VAULT_LABEL],
                  multi_send_call_only=demo.safe_contracts["multi_send_call_only"])
    return values


def demo_policy_text(demo: DemoInstitution, people: DemoPeople) -> str:
    text = fill_policy_template(TEMPLATE.read_text(encoding="utf-8"), policy_values(demo, people),
                                source=TEMPLATE.name)
    parse_policy(text, source="the demo policy")  # refused here, with its line, rather than half-way through
    return text


def sanctions_text() -> str:
    return ("# Demo sanctions list (illustrative): one address per line; '#' starts a note.\n"
            f"{SANCTIONED_ADDRESS}  # {SANCTIONED_LABEL}\n")


def install_demo_policy(profile: Profile, demo: DemoInstitution, people: DemoPeople, *, load_owners: LoadOwners,
                        now: datetime, audit: AuditLog | None = None) -> None:
    """Write the sanctions list the policy names, then put the policy in force: Alice proposes, Ben and Carmen
    approve."""
    from wallet_app.policy.checker_setup import policy_directory
    from wallet_app.policy.service_setup import install_signed_policy
    from wallet_app.storage.atomic import write_atomic

    text = demo_policy_text(demo, people)
    if parse_policy(text).denylist_file != SANCTIONS_FILE:
        raise ConfigError(f"the demo policy template must name {SANCTIONS_FILE} in [denylist]")
    directory = policy_directory(profile.paths)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(directory / SANCTIONS_FILE, sanctions_text().encode("utf-8"))
    signers: Sequence[KeystoreSigner] = [KeystoreSigner(address=o.address, private_key=o.key)
                                         for o in people.officers]
    try:
        install_signed_policy(profile, text, signers, load_owners=load_owners, now=now, audit=audit)
    finally:
        for signer in signers:
            signer.lock()


def record_sample_decisions(checker: PolicyChecker, demo: DemoInstitution, people: DemoPeople) -> list[str]:
    """Three transfers from the client vault proposed by Dana, checked under the policy in force and recorded, so the
    Policy page's decisions are never empty: a routine payout (allow), a large one (escalate) and a payment to the
    sanctioned counterparty (deny). Returns the decisions, in that order."""
    from wallet_app.demo.institution import HKD
    from wallet_app.domain.abi import build_call
    from wallet_app.policy.check_request import CheckRequest

    hkdh = next(t.address for t in demo.tokens if t.symbol == "HKDH")
    client_vault = demo.vaults["Harbour client vault"]
    kowloon, victoria = people.investors[0].address, people.investors[2].address
    samples = ((kowloon, 10_000), (victoria, 300_000), (SANCTIONED_ADDRESS, 5_000))
    decisions: list[str] = []
    for recipient, amount in samples:
        data = build_call("transfer(address,uint256)", recipient, amount * HKD)
        request = CheckRequest(safe=client_vault, to=hkdh, data=data, proposer=people.operations.address)
        decisions.append(checker.check(request, record=True).decision.decision)
    return decisions
