"""The account vaults' queue and ceremony of a profile, beside its Safe queue and in the same database."""

from __future__ import annotations

from wallet_app.account_vaults.ceremony import AccountCeremony
from wallet_app.account_vaults.service import AccountVaultQueue
from wallet_app.account_vaults.store import AccountQueueStore
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient
from wallet_app.policy.checker import PolicyChecker
from wallet_app.policy.service import PolicyService
from wallet_app.profiles import Profile
from wallet_app.queue.exec_settings import settings_from_extra
from wallet_app.queue.service import QueueService, TravelRuleGate
from wallet_app.safe.journal import SigningJournal


def build_account_vaults(profile: Profile, chain: ChainClient, *, queue: QueueService, checker: PolicyChecker,
                         policy: PolicyService, audit: AuditLog,
                         travel_rule: TravelRuleGate | None = None) -> tuple[AccountVaultQueue, AccountCeremony]:
    chain_id = profile.config.chain_id
    accounts = AccountVaultQueue(store=AccountQueueStore(profile.engine, chain_id), chain=chain, checker=checker,
                                 load_policy=policy.active, journal=SigningJournal(profile.engine), audit=audit,
                                 keys=queue, travel_rule=travel_rule)
    settings = settings_from_extra(profile.config.extra, embedded=profile.preset.embedded, chain_id=chain_id)
    return accounts, AccountCeremony(queue=accounts, chain=chain, engine=profile.engine, audit=audit,
                                     settings=settings)
