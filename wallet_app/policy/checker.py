"""`PolicyChecker`: the decision on one Safe transaction, from its raw fields, under the policy in force, with every
fact read fresh — and the record of that decision.

`check(request)`:
1. The fields are validated (`check_request`): a bad address, number or operation raises `CheckInputError`.
2. The policy in force is loaded and verified (`PolicyService.active`). When there is none, or it is tampered with or
   cannot be verified, the decision is a DENY whose single verdict (`policy`) says why: never an exception (I6, I9).
3. The vault is read at the latest block (version, owners, threshold, nonce; it must answer as a Safe on the
   profile's chain, A9), and the SafeTx is built from the fields and hashed with the domain of its Safe version
   (SC-1): the decision is made for exactly that hash. A vault that cannot be read raises (`NotASafe`, a chain
   error): there is no transaction to decide on.
4. The intent is decoded from those fields only (SC-8), token standards from the registry.
5. Facts are gathered (`fact_gathering`, `outflows`, the denylist file, the simulation of the exact SafeTx, the
   profile's names for lookalikes) and the engine decides. Any exception while gathering is a DENY (`facts`) with its
   reason, recorded like any other decision (I9: fail closed).
6. With `record=True` the decision is appended to `policy_decisions`.

The fee quote is not read here: at proposal the decision carries the fee cap of the rule that decided, and the
executor re-evaluates with its quote before sending (A15).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wallet_app.chain.client import BlockHeader, ChainClient
from wallet_app.domain.account_tx import ACCOUNT_VERSION, AccountTx
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import (
    Operation,
    SafeTx,
    SafeTxHashes,
    compute_hashes,
    safe_tx_json,
    uses_legacy_domain,
)
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import WalletError
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy.carried_facts import CarriedFacts, SpendingRecorder
from wallet_app.policy.check_request import CheckedFields, CheckInputError, CheckRequest, check_request
from wallet_app.policy.decision_store import DecisionRow, DecisionStore, RecordedDecision
from wallet_app.policy.decoder import decode_tx
from wallet_app.policy.document import PolicyDocument, read_denylist
from wallet_app.policy.engine import Decision, RuleVerdict, evaluate
from wallet_app.policy.errors import InvalidUserAbi
from wallet_app.policy.fact_gathering import assets_involved, fetch_chain_facts, fetch_vault
from wallet_app.policy.facts import AddressBook, SimulationOutcome, facts_from_safe_tx
from wallet_app.policy.governance import PolicyNotInForce
from wallet_app.policy.intent import Intent
from wallet_app.policy.intent_json import Describe, build_describer, intent_to_json
from wallet_app.policy.outflows import OutflowSource, build_spent_functions, longest_window, pending_outflows
from wallet_app.policy.policy_decoding import decode_for_policy
from wallet_app.policy.simulation import SimulationUnavailable, simulate_safe_tx
from wallet_app.policy.user_abis import UserAbi

if TYPE_CHECKING:
    from wallet_app.policy.views import ActivePolicy

__all__ = ["CheckInputError", "CheckRequest", "CheckResult", "PolicyChecker", "RecordedDecision"]

POLICY_RULE = "policy"  # the verdict of a deny because no policy is in force
FACTS_RULE = "facts"  # the verdict of a deny because the facts could not be gathered


class ActivePolicySource(Protocol):
    def active(self, now: datetime | None = None) -> ActivePolicy: ...


@dataclass(frozen=True)
class CheckResult:
    request: CheckRequest
    safe_tx: SafeTx
    safe_tx_hash: bytes
    domain_hash: bytes
    message_hash: bytes
    intent: Intent
    intent_text: str
    decision: Decision
    simulation_text: str
    checked_at: datetime
    policy_version: int | None  # None: no policy was in force (the decision is a deny)
    policy_digest: str | None  # 0x + 64 hex
    vault: VaultInfo | None = None  # the vault as read for this check
    decision_id: int | None = None  # its row in policy_decisions, when recorded
    describe: Describe | None = None  # how the intent was put in words (for `to_json`)
    # The chain facts the decision rested on and the block they were read at (None when none were gathered): what an
    # offline signer is shown as "checked online at block N".
    carried: CarriedFacts | None = None
    block_number: int | None = None
    block_hash: bytes | None = None

    @property
    def warnings(self) -> list[str]:
        """What the signers should know beyond the decision (SC-10: a Safe before 1.3.0)."""
        if self.safe_tx.version == ACCOUNT_VERSION:
            return []
        if uses_legacy_domain(self.safe_tx.version):
            return [f"Safe {self.safe_tx.version} signs without the chain id in its EIP-712 domain (a signature is "
                    "valid on every chain where this address holds this Safe) and cannot have a transaction guard: "
                    "migrate the vault to Safe 1.3.0 or later"]
        return []

    def to_json(self) -> dict[str, Any]:
        d, tx = self.decision, self.safe_tx
        describe = self.describe or build_describer(None, safe=tx.safe, labels={}, token_facts={},
                                                    native=("ETH", 18))
        return {
            "decision": d.decision,
            "rules": [{"id": v.id, "verdict": v.verdict, "reason": v.reason} for v in d.rules],
            "intent": intent_to_json(self.intent, describe),
            "intent_text": self.intent_text,
            "required_approvals": d.required_approvals,
            "required_roles": list(d.required_roles),
            "approvals_counted": list(d.approvals_counted),
            "roles_missing": list(d.roles_missing),
            "delay_seconds": d.delay_seconds,
            "max_fee_per_gas": None if d.max_fee_per_gas is None else str(d.max_fee_per_gas),
            "safe_tx": safe_tx_json(tx),
            "safe_tx_hash": "0x" + self.safe_tx_hash.hex(),
            "domain_hash": "0x" + self.domain_hash.hex(),
            "message_hash": "0x" + self.message_hash.hex(),
            "policy_version": self.policy_version,
            "policy_digest": self.policy_digest,
            "simulation": self.simulation_text,
            "warnings": self.warnings,
            "checked_at": self.checked_at.isoformat(),
            "proposer": None if self.request.proposer is None else to_checksum(self.request.proposer),
            "approvers": [to_checksum(a) for a in self.request.approvers],
            "decision_id": self.decision_id,
        }


def utc_now() -> datetime:
    return datetime.now(UTC)


class PolicyChecker:
    def __init__(
        self,
        *,
        chain: ChainClient,
        chain_id: int,
        policy: ActivePolicySource,
        decisions: DecisionStore,
        load_tokens: Callable[[], list[TokenEntry]],
        load_feeds: Callable[[], FeedBook],
        load_names: Callable[[], Mapping[str, str]],
        outflows: OutflowSource | None,
        policy_dir: Path,
        simulation_probe: str | None,
        load_user_abis: Callable[[], Mapping[str, UserAbi]] | None = None,
        pending: Callable[[str, bytes], Sequence[SafeTx]] | None = None,
        native: tuple[str, int] = ("ETH", 18),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._chain = chain
        self._chain_id = chain_id
        self._policy = policy
        self._decisions = decisions
        self._load_tokens = load_tokens
        self._load_feeds = load_feeds
        self._load_names = load_names  # address -> name: labels, vaults, keys (lookalikes, B1; intent text)
        self._outflows = outflows  # None: what a vault sent is unknown, so velocity limits fail closed
        self._policy_dir = policy_dir  # the profile's policy directory: the denylist file is read from it
        self._probe = simulation_probe  # address of the SafeTxProbe; None: no simulation
        self._load_user_abis = load_user_abis
        # What the approval queue holds for a vault and has not executed, except one SafeTx hash (velocity limits);
        # None: unknown, so velocity limits fail closed.
        self._pending = pending
        self._native = native
        self._clock = clock

    def check(self, request: CheckRequest, *, record: bool = True) -> CheckResult:
        fields = check_request(request)
        ctx = self._context()
        vault = fetch_vault(self._chain, fields.safe, self._chain_id, ctx.header, ctx.names.get(fields.safe, ""))
        safe_tx = _build_safe_tx(fields, vault, self._chain_id)
        hashes = compute_hashes(safe_tx)
        intent, describe = self._read(ctx, safe_tx)
        decision, simulation_text, carried = self._decide_or_deny(
            ctx, intent, describe, vault,
            lambda document: self._decide(document, fields, safe_tx, hashes.safe_tx_hash, intent, vault, ctx.header,
                                          ctx.tokens, ctx.names, ctx.now))
        result = _result(ctx, request, safe_tx, hashes, intent, decision, simulation_text, vault, describe, carried)
        if record:
            result = replace(result, decision_id=self._record(result, fields.proposer))
        return result

    def check_account(self, vault: str, tx: AccountTx, *, proposer: str | None = None,
                      approvers: tuple[str, ...] = (), record: bool = True) -> CheckResult:
        """The decision on a transfer from an account vault (a plain account named in the policy's [[vaults]] with its
        approvers and threshold): the same decoding, facts and rules as a Safe transaction's, the vault's owners and
        threshold taken from the policy in force, the transaction simulated as a plain call from the vault, and the
        decision made for the unsigned transaction's signing hash. No policy in force is a deny; a vault the policy
        does not name as an account vault, another chain or a nonce already used raise CheckInputError."""
        from wallet_app.policy.account_checks import account_vault_info, account_view, simulate_account_tx

        ctx = self._context()
        info = account_vault_info(self._chain, ctx.document, vault, tx, self._chain_id, ctx.header, ctx.names)
        view = account_view(info.address, tx)
        signing_hash = tx.signing_hash()
        proposer = None if proposer is None else to_checksum(proposer)
        approvers = tuple(to_checksum(a) for a in approvers)
        checked = CheckedFields(safe=info.address, to=tx.to, value=tx.value, data=tx.data, operation=0, safe_tx_gas=0,
                                base_gas=0, gas_price=0, gas_token=view.gas_token,
                                refund_receiver=view.refund_receiver, nonce=tx.nonce, proposer=proposer,
                                approvers=approvers)
        intent, describe = self._read(ctx, view)
        decision, simulation_text, carried = self._decide_or_deny(
            ctx, intent, describe, info,
            lambda document: self._decide(document, checked, view, signing_hash, intent, info, ctx.header,
                                          ctx.tokens, ctx.names, ctx.now,
                                          simulate=lambda: simulate_account_tx(self._chain, info.address, tx,
                                                                               ctx.header)))
        request = CheckRequest(safe=info.address, to=tx.to, value=tx.value, data=tx.data, nonce=tx.nonce,
                               proposer=proposer, approvers=approvers)
        hashes = SafeTxHashes(domain_hash=b"", message_hash=signing_hash, safe_tx_hash=signing_hash)
        result = _result(ctx, request, view, hashes, intent, decision, simulation_text, info, describe, carried)
        if record:
            result = replace(result, decision_id=self._record(result, proposer))
        return result

    def _context(self) -> _CheckContext:
        """What every check reads first: the time, the policy in force, tokens, names and the latest block."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the checker's clock must give aware datetimes")
        policy, not_in_force = self._load_policy(now)
        return _CheckContext(now, policy, not_in_force, {t.address: t for t in self._load_tokens()},
                             dict(self._load_names()), self._chain.fetch_block("latest"))

    def _read(self, ctx: _CheckContext, tx: SafeTx) -> tuple[Intent, Describe]:
        """The transaction's intent and how it is put in words."""
        intent = self._decode(ctx.document, tx, ctx.tokens)
        describe = build_describer(ctx.document, safe=tx.safe, labels=ctx.names, native=self._native,
                                   token_facts={a: (t.symbol, t.decimals) for a, t in ctx.tokens.items()})
        return intent, describe

    @staticmethod
    def _decide_or_deny(ctx: _CheckContext, intent: Intent, describe: Describe, vault: VaultInfo,
                        decide: Callable[[PolicyDocument], tuple[Decision, str, CarriedFacts]],
                        ) -> tuple[Decision, str, CarriedFacts | None]:
        """`decide` under the policy in force; a deny when there is none (I6) or when anything fails (I9)."""
        if ctx.document is None:
            assert ctx.not_in_force is not None
            reason = f"no policy is in force, so every transaction is denied: {ctx.not_in_force.user_message}"
            return _single_deny(POLICY_RULE, reason, intent, describe, vault, None), \
                "not simulated: no policy is in force", None
        try:
            return decide(ctx.document)
        except Exception as exc:  # I9: whatever failed while gathering, nothing is allowed
            reason = f"the facts the policy needs could not all be read, so nothing is allowed: {_error(exc)}"
            return _single_deny(FACTS_RULE, reason, intent, describe, vault, ctx.document), \
                "not simulated: the facts could not be gathered", None

    def decode(self, tx: SafeTx) -> Intent:
        """The transaction's intent, decoded from its raw fields as the policy in force would (no decision)."""
        policy, _not_in_force = self._load_policy(self._clock())
        tokens = {t.address: t for t in self._load_tokens()}
        return self._decode(policy.document if policy is not None else None, tx, tokens)

    def describe_tx(self, tx: SafeTx) -> str:
        """The transaction in words, as a decision would put it (names from the policy and the profile)."""
        return self.describer()(tx)

    def describer(self) -> Callable[[SafeTx], str]:
        """`describe_tx` for many transactions: the policy, tokens and names are read once, here."""
        policy, _not_in_force = self._load_policy(self._clock())
        document = policy.document if policy is not None else None
        tokens = {t.address: t for t in self._load_tokens()}
        labels = dict(self._load_names())
        facts = {a: (t.symbol, t.decimals) for a, t in tokens.items()}

        def describe(tx: SafeTx) -> str:
            words = build_describer(document, safe=tx.safe, labels=labels, native=self._native, token_facts=facts)
            return words(self._decode(document, tx, tokens))

        return describe

    def recent_decisions(self, limit: int = 50) -> list[RecordedDecision]:
        """The newest recorded decisions of the profile's chain, newest first."""
        return self._decisions.load_recent(limit)

    # -- the steps ---------------------------------------------------------------------------------------------------
    def _load_policy(self, now: datetime) -> tuple[ActivePolicy | None, PolicyNotInForce | None]:
        try:
            return self._policy.active(now), None
        except PolicyNotInForce as exc:
            return None, exc

    def _decode(self, policy: PolicyDocument | None, tx: SafeTx, tokens: Mapping[str, TokenEntry]) -> Intent:
        def standard_of(address: str) -> Any:
            entry = tokens.get(address)
            return entry.standard if entry is not None else None

        user_abis: Mapping[str, UserAbi] = {}
        if self._load_user_abis is not None:
            try:
                user_abis = self._load_user_abis()
            except InvalidUserAbi:
                user_abis = {}  # calls stay "unknown": the blind-call check treats both alike
        if policy is None:
            return decode_tx(tx, user_abis=user_abis, standard_of=standard_of)
        return decode_for_policy(policy, tx, user_abis=user_abis, standard_of=standard_of)

    def _decide(self, policy: PolicyDocument, fields: CheckedFields, tx: SafeTx, safe_tx_hash: bytes,
                intent: Intent, vault: VaultInfo, header: BlockHeader, tokens: Mapping[str, TokenEntry],
                names: Mapping[str, str], now: datetime,
                simulate: Callable[[], tuple[SimulationOutcome | None, str]] | None = None,
                ) -> tuple[Decision, str, CarriedFacts]:
        window = longest_window(policy)
        queued: list[Intent] = []
        if window is not None and self._pending is not None:
            queued = [self._decode(policy, other, tokens) for other in self._pending(tx.safe, safe_tx_hash)]
        chain_facts = fetch_chain_facts(self._chain, header, intent, policy=policy, tokens=tokens,
                                        feeds=self._load_feeds(),
                                        extra_assets={a for q in queued for a in assets_involved(q)})
        spent_hkd = spent_amount = None
        if window is not None:
            since = now - window
            flows = (self._outflows.fetch_outflows(tx.safe, since, exclude_safe_tx_hash=safe_tx_hash)
                     if self._outflows is not None else None)
            if flows is not None and self._pending is None:
                flows = None  # what the queue holds is unknown: the velocity limits fail closed
            if flows is not None:
                decimals = {a: t.decimals for a, t in tokens.items()}
                flows = flows + pending_outflows(tx.safe, queued, chain_facts.prices, decimals.get, now)
            spent_hkd, spent_amount = build_spent_functions(tx.safe, since, flows)
        recorder = SpendingRecorder(now=now, hkd=spent_hkd, amount=spent_amount)
        simulation, simulation_text = simulate() if simulate is not None else self._simulate(tx, vault, header)
        facts = facts_from_safe_tx(
            tx, intent, now=now, owners=vault.owners, threshold=vault.threshold, proposer=fields.proposer,
            approvers=fields.approvers, prices=chain_facts.prices, permissioned=chain_facts.permissioned,
            code_hashes=chain_facts.code_hashes, denylist=read_denylist(self._policy_dir, policy),
            spent_hkd=recorder.spent_hkd if spent_hkd is not None else None,
            spent_amount=recorder.spent_amount if spent_amount is not None else None, simulation=simulation,
            address_book=AddressBook(names),
            token_facts={a: (t.symbol, t.decimals) for a, t in tokens.items()}, native=self._native,
            vault_nonce=vault.nonce,
        )
        decision = evaluate(policy, facts)
        touched = (tx.to[2:] + tx.data.hex()).lower()
        standards = {a: t.standard for a, t in tokens.items() if a[2:].lower() in touched}
        return decision, simulation_text, CarriedFacts.of(facts, recorder, standards)

    def _simulate(self, tx: SafeTx, vault: VaultInfo, header: BlockHeader) -> tuple[SimulationOutcome | None, str]:
        if not self._probe:
            return None, ("not simulated: the profile names no simulation probe (its setting simulation_probe); "
                          "the exact transaction cannot be simulated")
        try:
            probe = to_checksum(self._probe)
        except WalletError:
            return None, "not simulated: the profile's simulation_probe setting is not an address"
        result = simulate_safe_tx(self._chain, safe=tx.safe, to=tx.to, value=tx.value, data=tx.data,
                                  operation=int(tx.operation), probe=probe, version=vault.version,
                                  block=header.number)
        if isinstance(result, SimulationUnavailable):
            return None, f"not simulated: {result.reason}"
        outcome = SimulationOutcome(reverted=result.reverted, reason=result.reason, changed=result.changed,
                                    changed_fields=result.changed_fields)
        if result.reverted:
            return outcome, f"simulated at block {header.number}: it reverts ({result.reason})"
        if result.changed:
            return outcome, f"simulated at block {header.number}: it succeeds and changes " + "; ".join(result.changed)
        return outcome, (f"simulated at block {header.number}: it succeeds and leaves the vault's owners, threshold, "
                         "modules, guard, fallback handler and implementation unchanged")

    def _record(self, result: CheckResult, proposer: str | None) -> int:
        d = result.decision
        return self._decisions.save_decision(DecisionRow(
            checked_at=result.checked_at, safe=result.safe_tx.safe, nonce=result.safe_tx.nonce,
            safe_tx_hash="0x" + result.safe_tx_hash.hex(), intent_text=result.intent_text, decision=d.decision,
            rules=tuple(d.rules), policy_version=result.policy_version, policy_digest=result.policy_digest,
            proposer=proposer,
        ))


@dataclass(frozen=True)
class _CheckContext:
    now: datetime
    policy: ActivePolicy | None
    not_in_force: PolicyNotInForce | None
    tokens: dict[str, TokenEntry]
    names: dict[str, str]
    header: BlockHeader

    @property
    def document(self) -> PolicyDocument | None:
        return self.policy.document if self.policy is not None else None


def _result(ctx: _CheckContext, request: CheckRequest, tx: SafeTx, hashes: SafeTxHashes, intent: Intent,
            decision: Decision, simulation_text: str, vault: VaultInfo, describe: Describe,
            carried: CarriedFacts | None) -> CheckResult:
    policy = ctx.policy
    return CheckResult(
        request=request, safe_tx=tx, safe_tx_hash=hashes.safe_tx_hash, domain_hash=hashes.domain_hash,
        message_hash=hashes.message_hash, intent=intent, intent_text=decision.intent_text, decision=decision,
        simulation_text=simulation_text, checked_at=ctx.now, policy_version=policy.version if policy else None,
        policy_digest=policy.digest if policy else None, vault=vault, describe=describe, carried=carried,
        block_number=ctx.header.number, block_hash=ctx.header.hash,
    )


def _build_safe_tx(fields: CheckedFields, vault: VaultInfo, chain_id: int) -> SafeTx:
    return SafeTx(
        safe=vault.address, chain_id=chain_id, version=vault.version, to=fields.to, value=fields.value,
        data=fields.data, operation=Operation(fields.operation),
        nonce=fields.nonce if fields.nonce is not None else vault.nonce, safe_tx_gas=fields.safe_tx_gas,
        base_gas=fields.base_gas, gas_price=fields.gas_price, gas_token=fields.gas_token,
        refund_receiver=fields.refund_receiver,
    )


def _single_deny(rule_id: str, reason: str, intent: Intent, describe: Describe, vault: VaultInfo,
                 policy: PolicyDocument | None) -> Decision:
    return Decision("deny", [RuleVerdict(rule_id, "deny", reason)], vault.threshold, (), describe(intent),
                    policy_version=policy.version if policy is not None else 0,
                    policy_digest=policy.digest if policy is not None else b"")


def _error(exc: BaseException) -> str:
    text = exc.user_message if isinstance(exc, WalletError) else (str(exc) or "no message")
    return f"{type(exc).__name__}: {' '.join(text.split())[:300]}"
