"""A profile's audit log, built from the profile alone (no chain stack): the composition root, the demo seeding and
`custos audit` use it."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from wallet_app.audit.actors import ProfileActors, load_key_addresses
from wallet_app.audit.log import AuditLog

if TYPE_CHECKING:
    from wallet_app.domain.vaults import VaultInfo
    from wallet_app.profiles import Profile


def known_vaults(profile: Profile) -> list[VaultInfo]:
    """The vaults as last read (the saved snapshot; empty before the first read), or as anchored offline."""
    return profile.load_known_vaults()


def build_audit_log(profile: Profile) -> AuditLog:
    """This host's name, the profile's chain, actors named from its keys, address book, policy roles and the vaults'
    last known owners; verification knows every address that was ever one of its keys."""
    chain_id = profile.config.chain_id
    return AuditLog(engine=profile.engine, host=socket.gethostname()[:120], chain_id=chain_id,
                    describe_actor=ProfileActors(chain_id=chain_id, load_vaults=lambda: known_vaults(profile)),
                    known_keys=lambda: load_key_addresses(profile.engine))
