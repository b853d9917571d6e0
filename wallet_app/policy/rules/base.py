"""What every rule family shares: the policy's reference data (contacts, assets, roles, pinned DELEGATECALL targets)
and its lookups, one leaf of a transaction as a rule sees it, and the condition protocol.

A condition answers `check(leaf, env)` with None (satisfied) or a `Miss` naming in plain words why not. A miss marked
`unknown` means the condition could not be evaluated (no fresh price, no spent figure): a deny rule then matches and
an allow or escalate rule does not, so an unknown never loosens anything (I3).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from wallet_app.domain.addresses import lookalike_key
from wallet_app.policy.intent import Intent

if TYPE_CHECKING:
    from wallet_app.policy.facts import DecisionFacts

NATIVE = "native"  # the asset key of the chain's own coin
Action = Literal["allow", "escalate", "deny"]
ACTIONS: tuple[Action, ...] = ("allow", "escalate", "deny")
Relation = Literal["same", "wider", "narrower", "different"]  # one condition compared with another of its key
CONTACT_KINDS = ("vault", "investor", "counterparty", "contract")
LEAF_KINDS = ("transfer", "nft_transfer", "approval", "call")


@dataclass(frozen=True, slots=True)
class Contact:
    label: str
    address: str  # EIP-55
    kind: str  # one of CONTACT_KINDS
    added: datetime  # aware; the start of its cooling-off
    counterparty: str = ""  # the counterparty record it belongs to (wallet_app.compliance), "" for older contacts


@dataclass(frozen=True, slots=True)
class Asset:
    symbol: str  # a local alias: the address and decimals are what count
    key: str  # EIP-55 token address, or NATIVE
    decimals: int
    permissioned: bool = False  # ERC-3643: the engine asks the token's compliance facts


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    members: frozenset[str]  # EIP-55 addresses


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    label: str
    address: str  # EIP-55, on the policy's chain
    code_hash: bytes  # keccak-256 of the runtime code


class Book:
    """The policy's reference data with its lookups, built once when the document is parsed: every question a rule
    asks of it is a dictionary or set lookup, whatever the size of the allowlist."""

    def __init__(self, contacts: Iterable[Contact], assets: Iterable[Asset], roles: Iterable[Role],
                 pinned: Iterable[PinnedTarget]) -> None:
        self.contacts: dict[str, Contact] = {c.address: c for c in contacts}
        self.labels: dict[str, Contact] = {c.label: c for c in self.contacts.values()}
        self.assets: dict[str, Asset] = {a.symbol: a for a in assets}
        self.assets_by_key: dict[str, Asset] = {a.key: a for a in self.assets.values()}
        self.roles: dict[str, Role] = {r.name: r for r in roles}
        self.pinned: dict[str, PinnedTarget] = {p.address: p for p in pinned}
        self._known: dict[str, str] = {}  # every address the policy names -> its name
        for address, name in self._named():
            self._known.setdefault(address, name)
        self._lookalikes: dict[str, list[str]] = {}
        for address in self._known:
            self._lookalikes.setdefault(lookalike_key(address), []).append(address)

    def _named(self) -> Iterable[tuple[str, str]]:
        yield from ((c.address, c.label) for c in self.contacts.values())
        yield from ((a.key, a.symbol) for a in self.assets.values() if a.key != NATIVE)
        yield from ((p.address, p.label) for p in self.pinned.values())
        for role in self.roles.values():
            yield from ((m, f"a {role.name}") for m in sorted(role.members))

    def name(self, address: str) -> str | None:
        return self._known.get(address)

    def lookalike_of(self, address: str) -> str | None:
        """A different address the policy names that shares `address`'s first and last hex digits (B1), or None."""
        if address in self._known:
            return None
        for other in self._lookalikes.get(lookalike_key(address), ()):
            if other != address:
                return other
        return None


@dataclass(frozen=True, slots=True)
class Leaf:
    """One thing a transaction does that a rule decides on: a transfer, an NFT transfer, an approval or a call.
    `hkd` is its value in 10^-6 HKD rounded up (None with `hkd_problem` saying why: no fresh price)."""

    intent: Intent
    kind: str  # one of LEAF_KINDS
    asset: str | None  # asset key (EIP-55 token address or NATIVE); None for a call
    amount: int | None  # base units of `asset`; None where there is no amount (an operator approval, a call)
    counterparty: str | None  # recipient of a transfer, spender of an approval, target of a call
    label: str  # "call 2 (transfer …)" inside a batch, "" for a single call
    hkd: int | None = None
    hkd_problem: str = ""


@dataclass(slots=True)
class Env:
    """What a condition may read during one evaluation: the facts, the policy's book, and what the earlier leaves of
    the same transaction add to a rolling window (a batch of ten transfers counts all ten)."""

    facts: DecisionFacts
    book: Book
    batch_hkd: int = 0
    batch_hkd_unknown: bool = False
    batch_amounts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Check:
    """The verdict of a hard block on a whole transaction."""

    verdict: Literal["pass", "deny", "escalate"]
    reason: str
    approvals: int = 0  # escalate: approvals besides the proposer
    roles: tuple[str, ...] = ()
    delay_seconds: int = 0  # escalate: how long after the quorum it may be executed


@dataclass(frozen=True, slots=True)
class Miss:
    reason: str
    unknown: bool = False


class Condition(ABC):
    """One condition of a rule. Subclasses are frozen dataclasses, so equal conditions compare equal."""

    key: ClassVar[str]  # its name in the policy file
    cost: ClassVar[int]  # cheaper conditions are checked first

    @abstractmethod
    def check(self, leaf: Leaf, env: Env) -> Miss | None: ...

    @abstractmethod
    def describe(self, book: Book) -> str:
        """A phrase of the rule's plain-words line, e.g. "on weekdays 09:00-18:00 HKT"."""

    @abstractmethod
    def relation(self, other: Condition) -> Relation:
        """This condition compared with `other` (same key): "wider" matches everything `other` does and more."""

    @property
    def vault_keys(self) -> frozenset[str] | None:
        """The vaults this condition limits a rule to (for the rule index); None: it does not."""
        return None

    @property
    def asset_keys(self) -> frozenset[str] | None:
        return None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    action: Action
    conditions: tuple[Condition, ...]  # cheapest first
    approvals: int = 0  # approvals besides the proposer; the vault's threshold is the floor
    roles: tuple[str, ...] = ()  # roles that must be among the approvers
    description: str = ""  # the author's own note, shown as written
    fee_cap_wei: int | None = None  # the fee cap the executor must respect when this rule decides
    vaults: frozenset[str] | None = None  # index keys: None means any
    assets: frozenset[str] | None = None

    def condition(self, key: str) -> Condition | None:
        return next((c for c in self.conditions if c.key == key), None)

    @property
    def keyed(self) -> Mapping[str, Condition]:
        return {c.key: c for c in self.conditions}


def walk_with_depth(intent: Intent, depth: int = 0) -> Iterable[tuple[Intent, int]]:
    """Every intent of the tree with its depth (0 for the transaction itself), in calldata order."""
    yield intent, depth
    for child in intent.children:
        yield from walk_with_depth(child, depth + 1)


def named(address: str | None, book: Book, facts: DecisionFacts) -> str:
    """An address as a person reads it: "Label (0x…)" when the policy or the address book names it, else in full."""
    if address is None:
        return "(none)"
    name = book.name(address) or (facts.address_book.labels.get(address) if facts.address_book else None)
    return f"{name} ({address})" if name else address


def set_relation(mine: frozenset[str], other: frozenset[str]) -> Relation:
    if mine == other:
        return "same"
    if mine > other:
        return "wider"
    if mine < other:
        return "narrower"
    return "different"


def limit_relation(mine: int, other: int) -> Relation:
    """For upper limits: a higher limit is wider."""
    return "same" if mine == other else ("wider" if mine > other else "narrower")


def combine_relations(relations: Iterable[Relation]) -> Relation:
    """The relation of two conditions made of parts, from the relation of each part."""
    seen = set(relations) - {"same"}
    if not seen:
        return "same"
    if len(seen) == 1:
        return seen.pop()
    return "different"
