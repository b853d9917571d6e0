"""What the Approvals page, its dialogs and the queue notifier read: the core's queue service (as a protocol, so
that tests can hand in their own) and the sources besides it (keys, names, vaults, tokens, balances, the policy),
built from the core's `Services` by `sources_from_services`. Qt-free: every call may block and runs on a worker
lane."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ui.counterparty_sources import institution_name

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView


class QueueServiceLike(Protocol):
    """The parts of the core's `QueueService` the page and its dialogs use; every call may block (database, chain,
    scrypt). `execute` and `follow` are optional (looked up when used)."""

    def load(self, safe: str | None = None) -> Sequence[Any]: ...
    def entry(self, safe_tx_hash: str) -> Any: ...
    def next_nonce(self, safe: str) -> int: ...
    def propose(self, request: Any, key: str, password: str, *, travel_rule: Any = None) -> Any: ...
    def approve(self, safe_tx_hash: str, key: str, password: str) -> Any: ...
    def reject(self, safe_tx_hash: str, key: str, password: str) -> Any: ...
    def check_policy(self, safe_tx_hash: str, approvers: Sequence[str] = ()) -> Any: ...


class QueueNotifierLike(Protocol):
    """The queue notifier (`ui.notifications.QueueNotifier`) as the page sees it: stopped when the services close."""

    def stop(self) -> None: ...


@dataclass(frozen=True)
class QueueSources:
    """What the page and its dialogs read besides the queue. Each call may block: they run on worker lanes."""

    load_keys: Callable[[], Sequence[KeyView]]
    load_names: Callable[[], Mapping[str, str]] = dict  # the address book: address -> label
    fetch_vaults: Callable[[], Sequence[Any]] | None = None  # VaultInfo: the propose dialog's vaults
    load_tokens: Callable[[], Sequence[Any]] | None = None  # TokenEntry: the registry
    fetch_holdings: Callable[[str], Sequence[Any]] | None = None  # a vault's Holding rows (balances)
    load_contacts: Callable[[], Sequence[tuple[str, str, str]]] | None = None  # the policy's (address, label, kind)
    check: Callable[[Any], Any] | None = None  # the policy's decision on a CheckRequest, not recorded
    native: tuple[str, int] = ("ETH", 18)
    multisend: Callable[[], str | None] | None = None  # the policy's pinned MultiSendCallOnly, for batches
    load_policy: Callable[[], Any] | None = None  # the PolicyDocument in force: when a contact's cooling-off ends
    load_counterparties: Callable[[], Sequence[Any]] | None = None  # Counterparty records: the Travel Rule dialog
    institution: str = ""  # the institution's own record: the Travel Rule's originator unless chosen otherwise
    load_travel_rule: Callable[[str], Any] | None = None  # safeTxHash -> its TravelRuleRecord (None: none kept)
    owner_of: Callable[[str], Any] | None = None  # address -> (Counterparty, CounterpartyAddress), or None


def sources_from_services(services: Any) -> QueueSources:
    """The page's sources from the core's `Services`; each part is looked up, so that a front end with fewer
    services (tests, an older core) still gets a working page."""
    profile = getattr(services, "profile", None)
    vaults = getattr(services, "vaults", None)
    tokens = getattr(services, "tokens", None)
    holdings = getattr(services, "holdings", None)
    policy = getattr(services, "policy", None)
    checker = getattr(services, "policy_checker", None)
    compliance = getattr(services, "compliance", None)  # counterparties and the Travel Rule
    book = compliance.counterparties if compliance is not None else None

    def load_names() -> dict[str, str]:
        names: dict[str, str] = {}
        if profile is not None:
            names.update({e.address: e.label for e in profile.vault_registry.load_entries() if e.label})
            names.update({address: entry.label for address, entry in profile.load_labels().items()})
        return names

    def fetch_holdings(safe: str) -> Sequence[Any]:
        assert holdings is not None
        return list(holdings.fetch_holdings([safe]).holdings)

    def load_contacts() -> list[tuple[str, str, str]]:
        assert policy is not None
        return [(c.address, c.label, c.kind) for c in policy.active().document.contacts]

    def multisend() -> str | None:
        assert policy is not None
        pinned = policy.active().document.pinned_delegatecall
        return pinned[0].address if pinned else None

    def load_policy() -> Any:
        assert policy is not None
        return policy.active().document

    def check(request: Any) -> Any:
        assert checker is not None
        return checker.check(request, record=False)

    preset = getattr(profile, "preset", None)
    native = (preset.native_symbol, preset.native_decimals) if preset is not None else ("ETH", 18)
    return QueueSources(
        load_keys=services.keys.load_keys,
        load_names=load_names,
        fetch_vaults=vaults.fetch_vaults if vaults is not None else None,
        load_tokens=tokens.load_tokens if tokens is not None else None,
        fetch_holdings=fetch_holdings if holdings is not None else None,
        load_contacts=load_contacts if policy is not None else None,
        check=check if checker is not None else None,
        native=native,
        multisend=multisend if policy is not None else None,
        load_policy=load_policy if policy is not None else None,
        load_counterparties=book.load_all if book is not None else None,
        institution=institution_name(services),
        load_travel_rule=compliance.travel_rule.load if compliance is not None else None,
        owner_of=book.owner_of if book is not None else None,
    )
