"""The decision on one Safe transaction: `evaluate(policy, facts) -> Decision`.

Order:
1. Hard blocks, each always evaluated and listed with its verdict: chain, decoding, delegatecall, governance,
   gas-refund, token-approvals, blind-calls, lookalike, denylist, erc3643, simulation (see `rules/`).
2. Each leaf of the transaction (a transfer, NFT transfer, approval or call; every inner call of a batch; the native
   value sent along with a call) goes through `[[rules]]` top-down; the first rule that matches decides it (I2); a
   leaf no rule matches is denied (I1). Governance calls are decided by the governance hard block alone; a rejection
   (an empty transaction of the vault to itself, which only uses up a nonce) is always allowed at the threshold.
3. The transaction's decision is the strictest of all: any deny denies; else any escalate escalates; else allow.
   Approvals needed: the highest any matching rule or governance asks, never below the vault's threshold, counted
   among owners other than the proposer (I5, segregation of duties), with each named role among them.

Any exception inside a check or a rule, or a rule slower than the time limit, is a deny of that rule with its reason
(I9); an exception anywhere else in the engine denies the whole transaction. Nothing here reads a clock or a network:
the facts hold the time and every figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from wallet_app.domain.safe_tx import Operation
from wallet_app.policy.describe import describe_intent
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.facts import DecisionFacts
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules import (
    approvals,
    blind,
    compliance,
    delegatecall,
    denylist,
    governance,
    integrity,
    lookalike,
    refund,
    simulation,
)
from wallet_app.policy.rules.base import NATIVE, Check, Env, Leaf, Miss, Rule, named
from wallet_app.policy.rules.limits import value_in_hkd

DecisionKind = Literal["allow", "deny", "escalate"]
VerdictKind = Literal["pass", "deny", "escalate", "skip", "match"]
TIME_LIMIT_SECONDS = 2.0
HardBlock = Callable[[PolicyDocument, DecisionFacts], Check]
HARD_BLOCKS: tuple[tuple[str, HardBlock], ...] = (
    (integrity.NONCE_ID, integrity.check_nonce),
    (integrity.CHAIN_ID, integrity.check_chain),
    (integrity.DECODING_ID, integrity.check_decoding),
    (delegatecall.ID, delegatecall.check),
    (governance.ID, governance.check),
    (refund.ID, refund.check),
    (approvals.ID, approvals.check),
    (blind.ID, blind.check),
    (lookalike.ID, lookalike.check),
    (denylist.ID, denylist.check),
    (compliance.ID, compliance.check),
    (simulation.ID, simulation.check),
)
LEAF_KINDS = {Kind.NATIVE_TRANSFER: "transfer", Kind.TOKEN_TRANSFER: "transfer", Kind.NFT_TRANSFER: "nft_transfer",
              Kind.APPROVAL: "approval", Kind.UNKNOWN_CALL: "call", Kind.USER_ABI_CALL: "call"}
NEVER_BY_RULE = frozenset({Kind.DELEGATECALL, Kind.UNKNOWN_SELF_CALL})  # denied by the hard blocks already
STRICTNESS = {"allow": 0, "escalate": 1, "deny": 2}


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    id: str
    verdict: VerdictKind
    reason: str


@dataclass(frozen=True)
class Decision:
    decision: DecisionKind
    rules: list[RuleVerdict]
    required_approvals: int  # approvals from owners other than the proposer
    required_roles: tuple[str, ...]
    intent_text: str
    delay_seconds: int = 0  # governance: how long after the quorum it may be executed
    max_fee_per_gas: int | None = None  # wei; the executor must not pay more
    approvals_counted: tuple[str, ...] = ()  # owners among the approvers, the proposer excluded
    roles_missing: tuple[str, ...] = ()
    policy_version: int = 0
    policy_digest: bytes = b""

    @property
    def approvals_met(self) -> bool:
        return (self.decision != "deny" and len(self.approvals_counted) >= self.required_approvals
                and not self.roles_missing)

    @property
    def reasons(self) -> list[str]:
        """Why it is denied or escalated, one line per rule that said so."""
        return [f"{v.id}: {v.reason}" for v in self.rules if v.verdict in ("deny", "escalate")]

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "rules": [{"id": v.id, "verdict": v.verdict, "reason": v.reason} for v in self.rules],
            "intent": self.intent_text,
            "required_approvals": self.required_approvals,
            "required_roles": list(self.required_roles),
            "approvals_counted": list(self.approvals_counted),
            "roles_missing": list(self.roles_missing),
            "delay_seconds": self.delay_seconds,
            "max_fee_per_gas": self.max_fee_per_gas,
            "policy_version": self.policy_version,
            "policy_digest": "0x" + self.policy_digest.hex(),
        }


def evaluate(policy: PolicyDocument, facts: DecisionFacts, *, time_limit: float = TIME_LIMIT_SECONDS) -> Decision:
    """The decision on the transaction in `facts` under `policy`. Never raises: a failure is a deny (I9)."""
    try:
        return _Evaluation(policy, facts, time_limit).run()
    except Exception as exc:  # the engine fails closed, whatever failed
        return Decision("deny", [RuleVerdict("engine", "deny", f"the policy engine failed: {_error_text(exc)}")],
                        0, (), "(not described: the policy engine failed)", policy_version=policy.version,
                        policy_digest=policy.digest)


def _error_text(exc: BaseException) -> str:
    text = getattr(exc, "user_message", None) or str(exc) or "no message"
    return f"{type(exc).__name__}: {str(text)[:300]}"


@dataclass
class _Outcome:
    """What one leaf (or the governance check) asks for."""

    action: DecisionKind
    approvals: int = 0
    roles: tuple[str, ...] = ()
    fee_cap: int | None = None


@dataclass
class _Evaluation:
    policy: PolicyDocument
    facts: DecisionFacts
    time_limit: float
    verdicts: list[RuleVerdict] = field(default_factory=list)
    outcomes: list[_Outcome] = field(default_factory=list)
    delay: int = 0

    def run(self) -> Decision:
        for check_id, check in HARD_BLOCKS:
            result = self._guarded(check_id, lambda c=check: c(self.policy, self.facts))  # type: ignore[misc]
            self.verdicts.append(RuleVerdict(check_id, result.verdict, result.reason))
            if result.verdict != "pass":
                self.outcomes.append(_Outcome(result.verdict, result.approvals, result.roles))
                if check_id == governance.ID and result.verdict == "escalate":
                    self.delay = result.delay_seconds
        env = Env(self.facts, self.policy.book)
        leaves = list(self._leaves(self.facts.intent, "", top=True))
        for leaf in leaves:
            self._decide(leaf, env, many=len(leaves) > 1)
        if not self.outcomes:
            self.verdicts.append(RuleVerdict("default-deny", "deny", "the transaction does nothing any rule allows"))
            self.outcomes.append(_Outcome("deny"))
        return self._decision()

    # -- one leaf through [[rules]] --------------------------------------------------------------------------------

    def _leaves(self, node: Intent, label: str, *, top: bool = False) -> Any:
        kind = LEAF_KINDS.get(node.kind)
        is_container = node.kind is Kind.BATCH or (node.kind is Kind.APPROVAL and bool(node.children))
        if node.kind is Kind.REJECTION:
            self.verdicts.append(RuleVerdict("rejection", "pass", f"{label}a rejection: it only uses up nonce "
                                                                  f"{self.facts.nonce}, allowed at the threshold"))
            self.outcomes.append(_Outcome("allow"))
        elif node.kind in NEVER_BY_RULE:
            self.verdicts.append(RuleVerdict("default-deny", "deny", f"{label}no rule may allow a "
                                                                     f"{node.kind.value.replace('_', ' ')}"))
            self.outcomes.append(_Outcome("deny"))
        elif kind is not None and not is_container:
            yield self._leaf(node, kind, label)
        if node.value and node.kind is not Kind.NATIVE_TRANSFER and node.operation is Operation.CALL:
            yield self._native_leaf(node, label)
        for number, child in enumerate(node.children, start=1):
            prefix = f"{label.removesuffix(': ')}.{number}" if label else f"call {number}"
            yield from self._leaves(child, prefix + ": ")

    def _leaf(self, node: Intent, kind: str, label: str) -> Leaf:
        if node.kind is Kind.NATIVE_TRANSFER:
            asset: str | None = NATIVE
            amount = node.amount
        elif kind == "call":
            asset, amount = None, None
        else:
            asset = node.asset
            amount = sum(node.amounts) if kind == "nft_transfer" and node.amounts else node.amount
        counterparty = node.spender if kind == "approval" else (node.target if kind == "call" else node.recipient)
        hkd, problem = self._hkd(asset, amount, kind)
        return Leaf(node, kind, asset, amount, counterparty, label, hkd, problem)

    def _native_leaf(self, node: Intent, label: str) -> Leaf:
        hkd, problem = self._hkd(NATIVE, node.value, "transfer")
        return Leaf(node, "transfer", NATIVE, node.value, node.target, f"{label}value sent with the call: ", hkd,
                    problem)

    def _hkd(self, asset: str | None, amount: int | None, kind: str) -> tuple[int | None, str]:
        if kind == "call":
            return 0, ""
        if asset is None or amount is None:
            return None, "it has no amount"
        pinned = self.policy.book.assets_by_key.get(asset)
        if pinned is None:
            return None, "the asset is not in the policy's [[assets]]"
        return value_in_hkd(amount, pinned.decimals, self.facts.prices.get(asset))

    def _decide(self, leaf: Leaf, env: Env, *, many: bool) -> None:
        prefix = leaf.label if many else leaf.label.removeprefix("value sent with the call: ")
        outcome = None
        for rule in self.policy.candidate_rules(self.facts.safe, leaf.asset):
            start = time.monotonic()
            try:
                miss = _first_miss(rule, leaf, env)
            except Exception as exc:  # I9: a failing rule denies
                self.verdicts.append(RuleVerdict(rule.id, "deny", f"{prefix}rule {rule.id} failed: {_error_text(exc)}"))
                outcome = _Outcome("deny")
                break
            elapsed = time.monotonic() - start
            if elapsed > self.time_limit:
                self.verdicts.append(RuleVerdict(rule.id, "deny", f"{prefix}rule {rule.id} failed: it took "
                                                                  f"{elapsed:.1f} s, more than {self.time_limit} s"))
                outcome = _Outcome("deny")
                break
            if miss is None or (miss.unknown and rule.action == "deny"):
                outcome = self._match(rule, miss, prefix)
                break
            self.verdicts.append(RuleVerdict(rule.id, "skip", f"{prefix}does not match: {miss.reason}"))
        if outcome is None:
            what = leaf.kind.replace("_", " ")
            to = f" to {named(leaf.counterparty, self.policy.book, self.facts)}" if leaf.counterparty else ""
            self.verdicts.append(RuleVerdict("default-deny", "deny", f"{prefix}no rule allows this {what}{to}: "
                                                                      "anything no rule allows is denied"))
            outcome = _Outcome("deny")
        self.outcomes.append(outcome)
        if leaf.kind in ("transfer", "nft_transfer"):
            if leaf.hkd is None:
                env.batch_hkd_unknown = True
            else:
                env.batch_hkd += leaf.hkd
            if leaf.asset is not None and leaf.amount is not None:
                env.batch_amounts[leaf.asset] = env.batch_amounts.get(leaf.asset, 0) + leaf.amount

    def _match(self, rule: Rule, miss: Miss | None, prefix: str) -> _Outcome:
        if rule.action == "deny":
            doubt = f" (in doubt: {miss.reason}; a deny rule applies when a condition cannot be checked)" if miss \
                else ""
            self.verdicts.append(RuleVerdict(rule.id, "deny", f"{prefix}matches: denied by this rule{doubt}"))
            return _Outcome("deny")
        needs = f"{rule.approvals} approvals" if rule.approvals else "the vault's threshold of approvals"
        roles = f" including {' and '.join(rule.roles)}" if rule.roles else ""
        verdict: VerdictKind = "match" if rule.action == "allow" else "escalate"
        word = "allowed" if rule.action == "allow" else "escalated"
        self.verdicts.append(RuleVerdict(rule.id, verdict, f"{prefix}matches: {word} with {needs}{roles}"))
        return _Outcome(rule.action, rule.approvals, rule.roles, rule.fee_cap_wei)

    # -- the whole transaction -------------------------------------------------------------------------------------

    def _guarded(self, check_id: str, run: Callable[[], Check]) -> Check:
        start = time.monotonic()
        try:
            result = run()
        except Exception as exc:  # I9: a failing check denies
            return Check("deny", f"check {check_id} failed: {_error_text(exc)}")
        elapsed = time.monotonic() - start
        if elapsed > self.time_limit:
            return Check("deny", f"check {check_id} failed: it took {elapsed:.1f} s, more than {self.time_limit} s")
        return result

    def _decision(self) -> Decision:
        facts = self.facts
        decision: DecisionKind = max((o.action for o in self.outcomes), key=STRICTNESS.__getitem__)
        required = max([facts.threshold, *(o.approvals for o in self.outcomes if o.action != "deny")])
        roles = tuple(dict.fromkeys(r for o in self.outcomes if o.action != "deny" for r in o.roles))
        caps = [o.fee_cap for o in self.outcomes if o.fee_cap is not None]
        owners = set(facts.owners)
        counted = tuple(a for a in dict.fromkeys(facts.approvers) if a in owners and a != facts.proposer)
        missing = tuple(r for r in roles if not self.policy.book.roles[r].members.intersection(counted))
        sod = self._segregation(required, counted, owners)
        if sod.verdict == "deny":
            decision = "deny"
        self.verdicts.append(RuleVerdict("segregation-of-duties", sod.verdict, sod.reason))
        return Decision(decision, self.verdicts, required, roles, self._intent_text(),
                        self.delay if decision == "escalate" else 0, min(caps) if caps else None, counted, missing,
                        self.policy.version, self.policy.digest)

    def _segregation(self, required: int, counted: tuple[str, ...], owners: set[str]) -> Check:
        facts = self.facts
        if facts.proposer is None:
            return Check("pass", f"needs {required} approvals from owners; the proposer is not known yet, and its own "
                                 "approval will not count")
        others = len(owners - {facts.proposer})
        proposer = named(facts.proposer, self.policy.book, facts)
        if required > others:
            return Check("deny", f"needs {required} approvals from owners other than the proposer {proposer}, but "
                                 f"the vault has only {others} other owners: propose it from another account")
        return Check("pass", f"needs {required} approvals from owners other than the proposer {proposer}, whose own "
                             f"approval does not count; {min(len(counted), required)} of {required} given")

    def _intent_text(self) -> str:
        book, facts = self.policy.book, self.facts

        def name_for(address: str) -> str | None:
            contact = book.contacts.get(address)
            if contact is not None:
                return contact.label if address == facts.safe else f"{contact.label} (allowlisted)"
            return book.name(address) or (facts.address_book.labels.get(address) if facts.address_book else None)

        def token_facts(address: str) -> tuple[str, int] | None:
            asset = book.assets_by_key.get(address)
            return (asset.symbol, asset.decimals) if asset else facts.token_facts.get(address)

        coin = book.assets_by_key.get(NATIVE)
        native = (coin.symbol, coin.decimals) if coin else facts.native
        try:
            return describe_intent(facts.intent, name_for=name_for, token_facts=token_facts, native=native)
        except Exception as exc:  # the text is for people; no decision depends on it
            return f"(the transaction could not be described: {_error_text(exc)})"


def _first_miss(rule: Rule, leaf: Leaf, env: Env) -> Miss | None:
    """The first condition that surely fails, else the first that cannot be checked, else None (all hold)."""
    unknown = None
    for condition in rule.conditions:
        miss = condition.check(leaf, env)
        if miss is not None:
            if not miss.unknown:
                return miss
            unknown = unknown or miss
    return unknown
