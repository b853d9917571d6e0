"""The policy of an offline signer profile: approvals checked against the vaults anchored on that machine, no chain."""

from __future__ import annotations

from wallet_app.audit.log import AuditLog
from wallet_app.policy.bundle_import import PolicySite
from wallet_app.profiles import Profile


def offline_policy_site(profile: Profile, audit: AuditLog | None = None) -> PolicySite:
    """An offline profile's policy: approvals checked against the vaults anchored on this machine, no chain."""
    from wallet_app.policy.checker_setup import policy_directory
    from wallet_app.policy.policy_store import ActivePolicyFile
    from wallet_app.policy.service_setup import policy_file_path
    from wallet_app.vaults.anchors import AnchorStore

    chain_id = profile.config.chain_id
    return PolicySite(engine=profile.engine, chain_id=chain_id,
                      load_owners=AnchorStore(engine=profile.engine, chain_id=chain_id).owner_reader(),
                      active_file=ActivePolicyFile(policy_file_path(profile.paths)),
                      policy_dir=policy_directory(profile.paths), audit=audit)
