"""Building a profile's `QueueService` (called by the composition root, `wallet_app.services`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.policy.fact_gathering import fetch_vault
from wallet_app.queue.service import QueueService
from wallet_app.queue.store import QueueStore
from wallet_app.safe.journal import SigningJournal

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.keys.service import KeyService
    from wallet_app.policy.checker import PolicyChecker
    from wallet_app.profiles import Profile
    from wallet_app.vaults.service import VaultService


def build_queue_service(profile: Profile, chain: ChainClient, *, keys: KeyService, vaults: VaultService,
                        checker: PolicyChecker, audit: AuditLog) -> QueueService:
    chain_id = profile.config.chain_id

    def read_vault(safe: str) -> VaultInfo:
        address = to_checksum(safe)
        labels = {e.address: e.label for e in profile.vault_registry.load_entries()}
        return fetch_vault(chain, address, chain_id, chain.fetch_block("latest"), labels.get(address, ""))

    return QueueService(store=QueueStore(profile.engine, chain_id), chain=chain, keys=keys, vaults=vaults,
                        checker=checker, journal=SigningJournal(profile.engine), audit=audit, read_vault=read_vault,
                        describe=checker.describe_tx)
