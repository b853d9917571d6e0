"""Everything a decision needs, gathered by the caller before the engine runs, so that every rule is a pure function
of the policy and these facts (and table-testable with a fixed clock).

The caller reads the chain and the queue: prices (from the holdings feeds), ERC-3643 state, code hashes of
DELEGATECALL targets, the denylist file, what the vault already sent (executed, queued and pending on any desktop,
excluding this transaction), the simulation of the exact SafeTx, and the executor's fee quote. Anything it could not
read is left None and the rule that needs it fails closed. The intent must be decoded from these very fields
(`policy_decoding.decode_for_policy`): the engine checks that it is, and never reads a queue row's summary (SC-8, A12).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from wallet_app.domain.addresses import lookalike_key
from wallet_app.domain.safe_tx import ZERO_ADDRESS, SafeTx
from wallet_app.holdings.model import Price
from wallet_app.policy.intent import Intent

SpentHkd = Callable[[str, datetime], int | None]  # (vault, since) -> 10^-6 HKD sent since then, or None
SpentAmount = Callable[[str, str, datetime], int | None]  # (vault, asset key, since) -> base units, or None


@dataclass(frozen=True, slots=True)
class SimulationOutcome:
    """What simulating the exact SafeTx showed (see policy.simulation.SimulationResult). `changed_fields` names what
    changed in the vault's governance state: singleton, owners, owner_count, threshold, nonce (only when it moved by
    other than one), guard, fallback_handler, modules, module_guard, implementation_slot; `changed` says it in words."""

    reverted: bool
    reason: str = ""
    changed: tuple[str, ...] = ()
    changed_fields: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class HolderStatus:
    """One holder of an ERC-3643 token, as the token and its identity registry answer."""

    frozen: bool = False  # the whole address is frozen
    free_balance: int | None = None  # balance minus partially frozen tokens; None: unknown
    verified: bool | None = None  # isVerified in the identity registry; None: unknown


@dataclass(frozen=True, slots=True)
class PermissionedToken:
    """An ERC-3643 token's state at one block: whether it would accept a transfer."""

    paused: bool
    holders: Mapping[str, HolderStatus] = field(default_factory=dict)
    can_transfer: Mapping[tuple[str, str, int], bool] = field(default_factory=dict)  # compliance.canTransfer


@dataclass(frozen=True, slots=True)
class FeeQuote:
    max_fee_per_gas: int  # wei, as the executor would send it


class AddressBook:
    """The profile's named addresses (labels, vault owners, known contracts) beyond the policy's contacts: used to
    name addresses in the intent text and to catch lookalikes of them (B1). Build it once per profile."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels = dict(labels)
        self._keys: dict[str, list[str]] = {}
        for address in self.labels:
            self._keys.setdefault(lookalike_key(address), []).append(address)

    def lookalike_of(self, address: str) -> str | None:
        if address in self.labels:
            return None
        return next((a for a in self._keys.get(lookalike_key(address), ()) if a != address), None)


@dataclass(frozen=True)
class DecisionFacts:
    """Addresses are EIP-55, as the decoder writes them (an address in another form matches nothing, which denies).
    `spent_hkd` and `spent_amount` count the vault's outgoing transfers since a time, this transaction excluded."""

    now: datetime  # aware; the policy's time zone is applied to it
    chain_id: int
    safe: str
    to: str
    value: int
    data: bytes
    operation: int
    nonce: int
    intent: Intent  # decoded from to/value/data/operation above
    owners: tuple[str, ...]
    threshold: int
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS
    proposer: str | None = None
    approvers: tuple[str, ...] = ()  # who has approved so far
    prices: Mapping[str, Price | None] = field(default_factory=dict)  # asset key -> price of one whole unit
    permissioned: Mapping[str, PermissionedToken] = field(default_factory=dict)  # ERC-3643 token -> its state
    code_hashes: Mapping[str, bytes | None] = field(default_factory=dict)  # DELEGATECALL target -> code hash
    denylist: frozenset[str] | None = None  # the policy's denylist file, read; None: it could not be read
    spent_hkd: SpentHkd | None = None
    spent_amount: SpentAmount | None = None
    simulation: SimulationOutcome | None = None  # None: no simulation was possible
    address_book: AddressBook | None = None
    fee_quote: FeeQuote | None = None
    token_facts: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # token -> (symbol, decimals), text only
    native: tuple[str, int] = ("ETH", 18)  # the chain's coin, for the intent text
    vault_nonce: int | None = None  # the vault's next nonce read now; None when not read (the nonce is not checked)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("DecisionFacts.now must be an aware datetime")


def facts_from_safe_tx(tx: SafeTx, intent: Intent, *, now: datetime, owners: tuple[str, ...], threshold: int,
                       **more: object) -> DecisionFacts:
    """DecisionFacts for the fields of `tx`; `more` are the other DecisionFacts fields by name."""
    return DecisionFacts(
        now=now, chain_id=tx.chain_id, safe=tx.safe, to=tx.to, value=tx.value, data=tx.data,
        operation=int(tx.operation), nonce=tx.nonce, intent=intent, owners=owners, threshold=threshold,
        safe_tx_gas=tx.safe_tx_gas, base_gas=tx.base_gas, gas_price=tx.gas_price, gas_token=tx.gas_token,
        refund_receiver=tx.refund_receiver, **more,  # type: ignore[arg-type]
    )
