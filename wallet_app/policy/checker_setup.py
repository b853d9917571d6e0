"""Building a profile's `PolicyChecker` from its parts (called by the composition root, `wallet_app.services`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.config import ProfilePaths
from wallet_app.holdings.feeds import FeedRegistry
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.keys.registry import KeyRegistry
from wallet_app.policy.checker import PolicyChecker
from wallet_app.policy.decision_store import DecisionStore
from wallet_app.policy.outflows import HistoryOutflows
from wallet_app.policy.user_abi_book import UserAbiBook
from wallet_app.queue.store import QueueStore

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.holdings.history import HistoryService
    from wallet_app.policy.service import PolicyService
    from wallet_app.profiles import Profile

SIMULATION_PROBE = "simulation_probe"  # the profile's `extra` setting: address of the SafeTxProbe on its chain


def policy_directory(paths: ProfilePaths) -> Path:
    """Where a profile keeps its policy files: active.toml, the denylist the policy names, user ABIs."""
    return paths.root / "policy"


def build_policy_checker(profile: Profile, chain: ChainClient, policy: PolicyService,
                         history: HistoryService, *, audit: AuditLog | None = None) -> PolicyChecker:
    chain_id = profile.config.chain_id
    directory = policy_directory(profile.paths)

    def load_names() -> dict[str, str]:
        """Every address the profile names: labels, then its keys and vaults (which win)."""
        names = {address: entry.label for address, entry in profile.load_labels().items()}
        names.update({k.address: k.label for k in KeyRegistry(engine=profile.engine).load_all()})
        names.update({v.address: v.label for v in profile.vault_registry.load_entries()})
        return names

    return PolicyChecker(
        chain=chain,
        chain_id=chain_id,
        policy=policy,
        decisions=DecisionStore(engine=profile.engine, chain_id=chain_id, audit=audit),
        load_tokens=TokenRegistry(engine=profile.engine, chain_id=chain_id).load_tokens,
        load_feeds=FeedRegistry(engine=profile.engine, chain_id=chain_id).load_feeds,
        load_names=load_names,
        outflows=HistoryOutflows(fetch_history=history.fetch_history,
                                 load_vaults=lambda: [v.address for v in profile.vault_registry.load_entries()]),
        policy_dir=directory,
        simulation_probe=profile.config.extra.get(SIMULATION_PROBE) or None,
        load_user_abis=UserAbiBook(directory=directory).load_all,
        pending=QueueStore(profile.engine, chain_id).live_transactions,
        native=(profile.preset.native_symbol, profile.preset.native_decimals),
    )
