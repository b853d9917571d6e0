"""The core's account vaults (plain accounts whose approvers and threshold are in the policy, such as the cold vault)
as the Approvals page and its dialogs see them: their queue (`services.account_vaults`), their cold ceremony
(`services.account_ceremony`), the policy checker's words for a transfer, and the account vaults the policy in force
names; built from the core's `Services` by `account_sources`. Qt-free: every call may block (database, chain, scrypt)
and runs on a worker lane."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ui.models.account_rows import AccountState, Describe
    from ui.queue_sources import QueueSources


class AccountVaultsLike(Protocol):
    """The parts of `wallet_app.account_vaults.service.AccountVaultQueue` the page and its dialogs use."""

    def load(self, vault: str | None = None) -> Sequence[Any]: ...
    def entry(self, tx_hash: str) -> Any: ...
    def next_nonce(self, vault: str) -> int: ...
    def preview(self, vault: str, to: str, value: int, data: bytes, *, proposer: str | None = None,
                nonce: int | None = None) -> Any: ...
    def propose(self, vault: str, to: str, value: int, data: bytes, key: str, password: str, *,
                nonce: int | None = None) -> Any: ...
    def approve(self, tx_hash: str, key: str, password: str) -> Any: ...


class AccountCeremonyLike(Protocol):
    """The parts of `wallet_app.account_vaults.ceremony.AccountCeremony` the page and its dialogs use."""

    def request(self, tx_hash: str) -> Any: ...
    def send(self, tx_hash: str, *, wait_seconds: float = 60.0, progress: Callable[[str], None] | None = None) -> Any:
        ...


@dataclass(frozen=True)
class AccountSources:
    queue: AccountVaultsLike
    ceremony: AccountCeremonyLike
    describer: Callable[[], Describe] | None = None  # a describer for many transfers: (vault, AccountTx) -> words
    load_vaults: Callable[[], Sequence[Any]] = tuple  # the PolicyVaults of kind "account" in the policy in force


def account_sources(services: Any) -> AccountSources | None:
    """Built from the core's `Services`; None when it has no account vaults' queue (an older core, tests)."""
    queue, ceremony = getattr(services, "account_vaults", None), getattr(services, "account_ceremony", None)
    if queue is None or ceremony is None:
        return None
    checker, policy = getattr(services, "policy_checker", None), getattr(services, "policy", None)

    def describer() -> Describe:
        from wallet_app.policy.account_checks import account_view

        words = checker.describer()
        return lambda vault, tx: words(account_view(vault, tx))

    def load_vaults() -> list[Any]:
        return [v for v in policy.active().document.vaults if v.is_account]

    return AccountSources(queue, ceremony, describer if checker is not None else None,
                          load_vaults if policy is not None else tuple)


def read_accounts(accounts: AccountSources, sources: QueueSources) -> AccountState:
    """Every account-vault transfer as the core verifies it now, prepared for the list (on a worker lane)."""
    from ui.models.account_rows import AccountState, account_rows
    from ui.models.queue_rows import names_from

    entries = list(accounts.queue.load())
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    describe = None
    if accounts.describer is not None and entries:
        from wallet_app.errors import WalletError

        try:
            describe = accounts.describer()
        except WalletError:
            describe = None  # the rows then say the raw call; the core's checks do not depend on the words
    return AccountState(account_rows(entries, describe, names, keys), names)
