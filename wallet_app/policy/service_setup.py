"""Building a profile's `PolicyService` from its parts (called by the composition root, `wallet_app.services`), and
installing a profile's first policy through it (the demo seeding)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.config import ProfilePaths
from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.governance import ACTIVE, LoadOwners, PolicyGovernanceError
from wallet_app.policy.policy_store import ACTIVE_FILE, ActivePolicyFile, PolicyStore
from wallet_app.policy.service import PolicyKeys, PolicyService, utc_now

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.keys.signer import Signer
    from wallet_app.policy.views import ActivePolicy
    from wallet_app.profiles import Profile
    from wallet_app.vaults.service import VaultService


def policy_file_path(paths: ProfilePaths) -> Path:
    return paths.root / ACTIVE_FILE


def vault_owner_reader(vaults_service: VaultService) -> LoadOwners:
    """`load_owners` over the profile's vaults read live from the chain. A governance vault must be one of them."""

    def load_owners(vault: str) -> tuple[Sequence[str], int]:
        wanted = to_checksum(vault)
        info = next((v for v in vaults_service.fetch_vaults() if v.address == wanted), None)
        if info is None:
            raise PolicyGovernanceError(f"The governance vault {wanted} is not one of this profile's vaults; add "
                                        "it to the profile first")
        return info.owners, info.threshold

    return load_owners


def build_policy_service(profile: Profile, vaults_service: VaultService, key_service: PolicyKeys, *,
                         clock: Callable[[], datetime] = utc_now, audit: AuditLog | None = None,
                         counterparty_of: Callable[[str], str | None] | None = None) -> PolicyService:
    """The policy service of a profile. The governance vault must be one of the profile's vaults; its owners and
    threshold are read from the chain (all the profile's vaults in one batch) whenever approvals are checked."""
    chain_id = profile.config.chain_id
    return PolicyService(store=PolicyStore(engine=profile.engine, chain_id=chain_id, audit=audit),
                         load_owners=vault_owner_reader(vaults_service),
                         chain_id=chain_id, active_file=ActivePolicyFile(policy_file_path(profile.paths)),
                         keys=key_service, clock=clock, counterparty_of=counterparty_of)


def install_signed_policy(profile: Profile, text: str, signers: Sequence[Signer], *, load_owners: LoadOwners,
                          now: datetime | None = None, audit: AuditLog | None = None) -> ActivePolicy:
    """Put a profile's first policy in force, through the same governance as any change: `signers[0]` proposes,
    the others approve, and it takes effect only if they are a quorum of its governance vault's current owners
    (read with `load_owners`). For the demo seeding, whose officers' keys are at hand; refused on a profile that
    already has policies."""
    service = PolicyService(store=PolicyStore(engine=profile.engine, chain_id=profile.config.chain_id, audit=audit),
                            load_owners=load_owners, chain_id=profile.config.chain_id,
                            active_file=ActivePolicyFile(policy_file_path(profile.paths)))
    if service.history():
        raise PolicyGovernanceError("This profile already has policies; a first policy is installed only once")
    if not signers:
        raise PolicyGovernanceError("A policy needs at least one signer")
    draft = service.propose_with(text, signers[0], now=now)
    for signer in signers[1:]:
        if draft.state == ACTIVE:
            break
        draft = service.approve_with(draft.digest, signer, now=now)
    if draft.state != ACTIVE:
        raise PolicyGovernanceError(f"The signers are not a quorum of the governance vault {draft.governance_vault}: "
                                    f"{len(draft.approved_by)} of {draft.required} approvals; the policy is not in "
                                    "force")
    return service.active(now)
