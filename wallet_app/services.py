"""Composition root: everything the front ends use, built in one place.

`wallet_app.profiles.open_profile` is light (config and database, no chain stack) so that a window can show cached
data at once; `build_services` loads the chain stack and opens the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.account_vaults.ceremony import AccountCeremony
from wallet_app.account_vaults.service import AccountVaultQueue
from wallet_app.account_vaults.setup import build_account_vaults
from wallet_app.audit.log import AuditLog
from wallet_app.audit.profile_log import build_audit_log
from wallet_app.chain.client import ChainClient
from wallet_app.chain.connect import open_chain
from wallet_app.chain.monitor import NetworkMonitor
from wallet_app.compliance.counterparties import CounterpartyBook
from wallet_app.compliance.setup import ComplianceDesk, build_compliance, travel_rule_threshold
from wallet_app.errors import ConfigError
from wallet_app.holdings.feed_admin import FeedAdmin
from wallet_app.holdings.feeds import FeedRegistry
from wallet_app.holdings.history import HistoryService
from wallet_app.holdings.history_index import HistoryIndexer
from wallet_app.holdings.history_store import HistoryStore
from wallet_app.holdings.past_prices import PastPrices
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.holdings.service import HoldingsService
from wallet_app.holdings.token_service import TokenService
from wallet_app.holdings.value_history import ValueHistory
from wallet_app.keys.registry import KeyRegistry
from wallet_app.keys.service import KeyService
from wallet_app.policy.checker import PolicyChecker
from wallet_app.policy.checker_setup import build_policy_checker
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import build_policy_service
from wallet_app.profile_keys import build_key_service
from wallet_app.profiles import Profile
from wallet_app.proofs.service import ProofService
from wallet_app.queue.message_service import MessageQueue
from wallet_app.queue.service import QueueService
from wallet_app.queue.setup import build_message_queue, build_queue_service
from wallet_app.vaults.service import VaultService

__all__ = ["Services", "build_audit_log", "build_key_service", "build_services"]


@dataclass(frozen=True)
class Services:
    profile: Profile
    chain: ChainClient
    vaults: VaultService
    network: NetworkMonitor
    keys: KeyService
    holdings: HoldingsService
    history: HistoryService
    tokens: TokenService
    _close_chain: object
    value_history: ValueHistory  # the institution's value over time
    feeds: FeedAdmin  # the profile's price feeds and the tokens' NAV feeds
    policy: PolicyService  # the policy in force, and changing it under the governance quorum
    policy_checker: PolicyChecker  # decisions on transactions under the policy in force, and their record
    audit: AuditLog  # the hash-chained log of every action (the services above append to it)
    queue: QueueService  # the approval queue: propose, approve, reject, execute Safe transactions
    messages: MessageQueue  # Safe messages in the approval queue (statements a vault's quorum signs)
    proofs: ProofService  # ownership proofs and holding statements with proofs; checking bundles
    account_vaults: AccountVaultQueue  # transfers from account vaults (a cold vault): propose, approve
    account_ceremony: AccountCeremony  # their cold-ceremony requests, the signed transactions back, sending
    compliance: ComplianceDesk  # counterparties, proofs of address ownership, the Travel Rule

    def close(self) -> None:
        self.keys.lock_all()
        close = self._close_chain
        if callable(close):
            close()


def build_holdings_service(profile: Profile, chain: ChainClient,
                           witnesses: tuple[ChainClient, ...] = ()) -> HoldingsService:
    preset = profile.preset
    chain_id = profile.config.chain_id
    return HoldingsService(
        chain=chain,
        chain_id=chain_id,
        load_vaults=profile.vault_registry.load_entries,
        load_keys=KeyRegistry(engine=profile.engine).load_all,
        load_labels=profile.load_labels,
        load_tokens=TokenRegistry(engine=profile.engine, chain_id=chain_id).load_tokens,
        native=NativeCoin(symbol=preset.native_symbol, name=f"{preset.native_symbol} (native coin)",
                          decimals=preset.native_decimals),
        witnesses=witnesses,
        load_feeds=FeedRegistry(engine=profile.engine, chain_id=chain_id).load_feeds,
    )


def build_history_service(profile: Profile, chain: ChainClient, holdings: HoldingsService) -> HistoryService:
    chain_id = profile.config.chain_id
    store = HistoryStore(engine=profile.engine, chain_id=chain_id)
    return HistoryService(
        indexer=HistoryIndexer(chain=chain, store=store),
        store=store,
        load_accounts=holdings.load_accounts,
        load_labels=profile.load_labels,
        load_tokens=TokenRegistry(engine=profile.engine, chain_id=chain_id).load_tokens,
        prices=PastPrices(chain=chain, load_feeds=FeedRegistry(engine=profile.engine, chain_id=chain_id).load_feeds),
    )


def build_value_history(profile: Profile, chain: ChainClient, holdings: HoldingsService) -> ValueHistory:
    store = HistoryStore(engine=profile.engine, chain_id=profile.config.chain_id)
    return ValueHistory(holdings=holdings, chain=chain, load_first_block=store.load_first_block)


def build_token_service(profile: Profile, chain: ChainClient, holdings: HoldingsService,
                        keys: KeyService, audit: AuditLog | None = None) -> TokenService:
    chain_id = profile.config.chain_id
    registry = TokenRegistry(engine=profile.engine, chain_id=chain_id, audit=audit)
    return TokenService(chain=chain, chain_id=chain_id, registry=registry, keys=keys,
                        load_accounts=holdings.load_accounts)


def build_services(profile: Profile, *, chain: ChainClient | None = None) -> Services:
    """Build the services of a profile; `chain` replaces the profile's own node (tests, tools)."""
    close: object = None
    witnesses: tuple[ChainClient, ...] = ()
    if profile.is_offline:
        raise ConfigError(f"'{profile.name}' is an offline signer profile: it never connects to a network. Use the "
                          "custos offline commands with it (offline sign, offline vault, policy import)")
    if chain is None:
        opened = open_chain(profile.config, profile.paths.devnet)
        chain, close, witnesses = opened.client, opened.close, opened.witnesses
    holdings = build_holdings_service(profile, chain, witnesses)
    audit = build_audit_log(profile)
    keys = build_key_service(profile, audit)
    vaults = VaultService(
        chain=chain,
        registry=profile.vault_registry,
        chain_id=profile.config.chain_id,
        snapshot_path=profile.paths.vault_snapshot,
        keys=keys,  # which owners are this profile's keys; the deployer's key; the custody rule
        allow_quorum_on_device=profile.allows_quorum_on_device,
        audit=audit,
    )
    history = build_history_service(profile, chain, holdings)
    book = CounterpartyBook(engine=profile.engine, chain_id=profile.config.chain_id, audit=audit)
    policy = build_policy_service(profile, vaults, keys, audit=audit, counterparty_of=book.counterparty_of)
    compliance = build_compliance(profile, chain, audit, threshold=lambda: travel_rule_threshold(policy))
    checker = build_policy_checker(profile, chain, policy, history, audit=audit)
    queue = build_queue_service(profile, chain, keys=keys, vaults=vaults, checker=checker, audit=audit,
                                travel_rule=compliance.travel_rule)
    messages = build_message_queue(profile, chain, queue, vaults=vaults, audit=audit)
    account_vaults, account_ceremony = build_account_vaults(profile, chain, queue=queue, checker=checker,
                                                            policy=policy, audit=audit,
                                                            travel_rule=compliance.travel_rule)
    return Services(
        profile=profile,
        chain=chain,
        vaults=vaults,
        network=NetworkMonitor(chain=chain, network_name=profile.preset.name, chain_id=profile.config.chain_id),
        keys=keys,
        holdings=holdings,
        history=history,
        tokens=build_token_service(profile, chain, holdings, keys, audit),
        _close_chain=close,
        value_history=build_value_history(profile, chain, holdings),
        feeds=FeedAdmin(engine=profile.engine, chain=chain, chain_id=profile.config.chain_id, audit=audit),
        policy=policy,
        policy_checker=checker,
        audit=audit,
        queue=queue,
        messages=messages,
        proofs=ProofService(chain=chain, chain_id=profile.config.chain_id, network=profile.preset.name,
                            holdings=holdings, audit=audit, messages=messages, policy=policy),
        account_vaults=account_vaults,
        account_ceremony=account_ceremony,
        compliance=compliance,
    )
