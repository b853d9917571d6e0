"""Building a profile's `QueueService` (called by the composition root, `wallet_app.services`).

Execution settings come from the profile's extra settings (`wallet_app.queue.exec_settings`): `confirmations`
(default 1 on the embedded devnet and on chain 31337, 12 elsewhere), `claim_lease_seconds`, `replace_after_seconds`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.policy.fact_gathering import fetch_vault
from wallet_app.queue.exec_settings import ExecutionSettings, settings_from_extra
from wallet_app.queue.message_service import MessageQueue
from wallet_app.queue.message_store import MessageStore
from wallet_app.queue.service import QueueService, TravelRuleGate, utc_now
from wallet_app.queue.store import QueueStore
from wallet_app.safe.journal import SigningJournal

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.keys.service import KeyService
    from wallet_app.policy.checker import PolicyChecker
    from wallet_app.profiles import Profile
    from wallet_app.vaults.service import VaultService


def build_queue_service(profile: Profile, chain: ChainClient, *, keys: KeyService, vaults: VaultService,
                        checker: PolicyChecker, audit: AuditLog, engine: Engine | None = None,
                        host: str | None = None, clock: Callable[[], datetime] = utc_now,
                        execution: ExecutionSettings | None = None,
                        travel_rule: TravelRuleGate | None = None) -> QueueService:
    """The profile's queue; `engine` (with an `audit` log on it) puts the queue in another database, `host` names
    this desktop in claims (both for a shared queue, and for tests that run two desktops in one process);
    `execution` replaces the settings read from the profile."""
    chain_id = profile.config.chain_id
    queue_engine = profile.engine if engine is None else engine
    read_vault = _vault_reader(profile, chain)
    settings = execution or settings_from_extra(profile.config.extra, embedded=profile.preset.embedded,
                                                chain_id=chain_id)
    return QueueService(store=QueueStore(queue_engine, chain_id), chain=chain, keys=keys, vaults=vaults,
                        checker=checker, journal=SigningJournal(queue_engine), audit=audit, read_vault=read_vault,
                        describe=checker.describer, host=host, clock=clock, execution=settings,
                        travel_rule=travel_rule)


def build_message_queue(profile: Profile, chain: ChainClient, queue: QueueService, *, vaults: VaultService,
                        audit: AuditLog, engine: Engine | None = None,
                        clock: Callable[[], datetime] = utc_now) -> MessageQueue:
    """Safe messages beside `queue`'s transactions, in the same database (`engine` as for the queue)."""
    queue_engine = profile.engine if engine is None else engine
    return MessageQueue(store=MessageStore(queue_engine, profile.config.chain_id), queue=queue, chain=chain,
                        vaults=vaults, journal=SigningJournal(queue_engine), audit=audit,
                        read_vault=_vault_reader(profile, chain), clock=clock)


def _vault_reader(profile: Profile, chain: ChainClient) -> Callable[[str], VaultInfo]:
    """The vault read live from the chain now (owners, threshold, nonce, version), with the profile's label."""
    chain_id = profile.config.chain_id

    def read_vault(safe: str) -> VaultInfo:
        address = to_checksum(safe)
        labels = {e.address: e.label for e in profile.vault_registry.load_entries()}
        return fetch_vault(chain, address, chain_id, chain.fetch_block("latest"), labels.get(address, ""))

    return read_vault
