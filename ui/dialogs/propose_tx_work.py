"""What the propose dialog runs off the GUI thread, and what comes back: the vaults, tokens, keys and names read when
it opens (PARALLEL lane), the policy's contacts and pinned MultiSendCallOnly (SERIAL lane: reading the policy may put
a matured change in force), a chosen vault's balances, next nonce and queued nonces (PARALLEL lane), the policy's
preview decision, and proposing itself (SERIAL lane, with the Travel Rule payload when one was asked for), each
returned as a plain value the dialog shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ui.models.queue_propose import AssetOption, build_asset_options
from ui.models.queue_rows import names_from, signatures_text
from wallet_app.domain.hex_text import short_hex
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.models.policy_checks import CheckView
    from ui.queue_sources import QueueServiceLike, QueueSources
    from wallet_app.keys.views import KeyView


@dataclass(frozen=True, slots=True)
class Basics:
    vaults: tuple[Any, ...]  # VaultInfo
    tokens: tuple[Any, ...]  # TokenEntry
    keys: tuple[KeyView, ...]
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class VaultContext:
    safe: str
    next_nonce: int | None
    vault_nonce: int | None
    used: dict[int, list[str]]  # nonce -> what the live proposals there do
    assets: tuple[AssetOption, ...]
    problem: str  # why balances or nonces could not be read ("" when they were)


@dataclass(frozen=True, slots=True)
class Outcome:
    check: CheckView
    queued: bool
    safe_tx_hash: str
    text: str


def load_basics(sources: QueueSources) -> Basics:
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    vaults = tuple(sources.fetch_vaults()) if sources.fetch_vaults is not None else ()
    tokens = tuple(sources.load_tokens()) if sources.load_tokens is not None else ()
    names = {**{v.address: v.label for v in vaults if v.label}, **names}
    return Basics(vaults, tokens, keys, names)


def load_policy_book(sources: QueueSources) -> tuple[list[tuple[str, str, str]], str | None, Any]:
    """The policy's contacts, its pinned MultiSendCallOnly and the document itself (for the cooling-off)."""
    contacts = list(sources.load_contacts()) if sources.load_contacts is not None else []
    multisend = sources.multisend() if sources.multisend is not None else None
    document = sources.load_policy() if sources.load_policy is not None else None
    return contacts, multisend, document


def read_holdings(sources: QueueSources, address: str, problems: list[str]) -> list[Any] | None:
    """What `address` holds (None when the sources read no holdings); a failure goes to `problems`, in words."""
    if sources.fetch_holdings is None:
        return None
    try:
        return list(sources.fetch_holdings(address))
    except WalletError as exc:
        problems.append(f"the balances could not be read: {exc.user_message}")
        return None


def load_vault_context(queue: QueueServiceLike, sources: QueueSources, safe: str, tokens: Sequence[Any],
                       vault_nonce: int | None) -> VaultContext:
    problems: list[str] = []
    next_nonce: int | None = None
    used: dict[int, list[str]] = {}
    try:
        next_nonce = queue.next_nonce(safe)
        for entry in queue.load(safe):
            if entry.item.state in ("proposed", "approving", "ready", "claimed", "signed_for_execution",
                                    "broadcast", "mined"):
                first = (entry.intent_text or "a transaction").splitlines()[0]
                used.setdefault(entry.item.nonce, []).append(f"{first}, {short_hex(entry.safe_tx_hash)}")
    except WalletError as exc:
        problems.append(f"the queue could not be read: {exc.user_message}")
    assets = tuple(build_asset_options(tokens, read_holdings(sources, safe, problems), sources.native))
    return VaultContext(safe, next_nonce, vault_nonce, used, assets, "; ".join(problems))


def run_check(check: Any, request: Any) -> CheckView:
    from ui.models.policy_checks import prepare_check

    return prepare_check(check(request))


def run_propose(queue: QueueServiceLike, request: Any, key: str, password: str,
                travel_rule: dict[str, Any] | None = None) -> Outcome:
    """`travel_rule`: the IVMS 101 payload the Travel Rule dialog made (None: the core builds it from the records, or
    refuses with `TravelRuleMissing` when the rule applies and it cannot)."""
    from ui.models.policy_checks import prepare_check

    result = queue.propose(request, key, password) if travel_rule is None else \
        queue.propose(request, key, password, travel_rule=travel_rule)
    view = prepare_check(result.check)
    entry = result.entry
    if entry is None:
        return Outcome(view, False, "", "Denied by the policy: nothing was queued. " + view.detail)
    text = (f"Queued at nonce {entry.item.nonce} as safeTxHash {entry.safe_tx_hash}: {signatures_text(entry)}; "
            f"the policy says {view.headline}. The owners see it on their Approvals page.")
    return Outcome(view, True, entry.safe_tx_hash, text)
