"""A profile's key service, built without the chain stack: the offline signer and the key commands need nothing
else."""

from __future__ import annotations

from wallet_app.audit.log import AuditLog
from wallet_app.audit.profile_log import build_audit_log, known_vaults
from wallet_app.keys.os_keyring import OsKeyring
from wallet_app.keys.registry import KeyRegistry
from wallet_app.keys.service import KeyService
from wallet_app.profiles import Profile


def build_key_service(profile: Profile, audit: AuditLog | None = None) -> KeyService:
    """The keys of a profile; needs no chain (the custody rule reads the vaults' last known owners, or on an offline
    profile the anchored ones). Every key event is also an audit entry (a log of its own when `audit` is not
    given)."""
    audit = audit or build_audit_log(profile)
    return KeyService(
        registry=KeyRegistry(engine=profile.engine, audit=audit),
        audit=audit,
        keystore_dir=profile.paths.keystores,
        os_keyring=OsKeyring(service=f"custos:{profile.name}"),
        load_vaults=lambda: known_vaults(profile),
        allow_quorum_on_device=profile.allows_quorum_on_device,
        idle_timeout_seconds=profile.config.idle_lock_seconds,
        unlock_factors=profile.config.unlock_factors,
    )
