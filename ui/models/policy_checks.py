"""What the Policy page shows of a checked transaction and of the recorded decisions, as display strings computed off
the GUI thread. The core decides (`PolicyChecker.check`); this only says what it decided, in words.

The shapes below are the parts of `wallet_app.policy.checker` (`CheckResult`, `RecordedDecision`) and
`wallet_app.policy.engine` (`Decision`, `RuleVerdict`) the page reads, as Protocols so that the page never imports
the engine at start-up and tests can hand it the real dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ui.models.policy_rows import LINE_LIMIT, local_time, reveal_lines
from ui.plain_text import reveal_invisible
from wallet_app.domain.hex_text import hex_text, short_hex

DECISION_WORD = {"allow": "Allow", "escalate": "Escalate", "deny": "Deny"}
VERDICT_WORD = {"pass": "pass", "match": "match", "skip": "skip", "escalate": "escalate", "deny": "deny"}


class VerdictLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def reason(self) -> str: ...


class DecisionLike(Protocol):
    @property
    def decision(self) -> str: ...
    @property
    def rules(self) -> Sequence[VerdictLike]: ...
    @property
    def required_approvals(self) -> int: ...
    @property
    def required_roles(self) -> tuple[str, ...]: ...


class CheckResultLike(Protocol):
    @property
    def safe_tx_hash(self) -> bytes | str: ...
    @property
    def domain_hash(self) -> bytes | str: ...
    @property
    def message_hash(self) -> bytes | str: ...
    @property
    def intent_text(self) -> str: ...
    @property
    def decision(self) -> DecisionLike: ...
    @property
    def simulation_text(self) -> str: ...
    @property
    def checked_at(self) -> datetime: ...
    @property
    def policy_version(self) -> int | None: ...
    @property
    def policy_digest(self) -> bytes | str | None: ...


class RecordedDecisionLike(Protocol):
    @property
    def checked_at(self) -> datetime: ...
    @property
    def safe(self) -> str: ...
    @property
    def nonce(self) -> int: ...
    @property
    def safe_tx_hash(self) -> bytes | str: ...
    @property
    def intent_text(self) -> str: ...
    @property
    def decision(self) -> str: ...
    @property
    def rules(self) -> Sequence[VerdictLike]: ...
    @property
    def policy_version(self) -> int | None: ...
    @property
    def proposer(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class VerdictRow:
    step: int  # 1-based: when the engine ran it
    rule: str
    verdict: str
    reason: str


DECISIVE_FIRST = {"deny": 0, "escalate": 1, "match": 2, "skip": 3}  # then the checks that passed


@dataclass(frozen=True, slots=True)
class CheckView:
    decision: str  # allow, escalate, deny
    headline: str  # big: "Escalate: needs 2 approvals, including compliance-officer"
    detail: str  # the line under it
    intent: str
    safe_tx_hash: str
    domain_hash: str
    message_hash: str
    simulation: str
    policy: str  # which policy decided, and when
    verdicts: tuple[VerdictRow, ...]


@dataclass(frozen=True, slots=True)
class DecisionRow:
    texts: tuple[str, ...]  # one per DecisionColumn
    tips: tuple[str, ...]
    decision: str
    headline: str
    intent: str
    verdicts: tuple[VerdictRow, ...]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def headline(decision: DecisionLike) -> str:
    kind = decision.decision
    if kind == "escalate":
        roles = decision.required_roles
        including = f", including {' and '.join(roles)}" if roles else ""
        return f"Escalate: needs {_plural(decision.required_approvals, 'approval')}{including}"
    return DECISION_WORD.get(kind, reveal_invisible(str(kind), max_length=20))


def verdict_rows(verdicts: Sequence[VerdictLike]) -> tuple[VerdictRow, ...]:
    """Every verdict, the decisive ones first (deny, escalate, the rule that matched, the rules that did not apply
    and why), the checks that passed last, each group in the order the engine ran them; `step` keeps that order."""
    rows = [VerdictRow(step, reveal_invisible(str(v.id), max_length=64),
                       VERDICT_WORD.get(str(v.verdict), reveal_invisible(str(v.verdict), max_length=20)),
                       reveal_invisible(str(v.reason), max_length=LINE_LIMIT))
            for step, v in enumerate(verdicts, start=1)]
    return tuple(sorted(rows, key=lambda r: (DECISIVE_FIRST.get(r.verdict, 4), r.step)))


def _detail(decision: DecisionLike) -> str:
    kind = decision.decision
    if kind == "deny":
        reasons = [f"{v.id}: {v.reason}" for v in decision.rules if v.verdict == "deny"]
        if not reasons:
            return "Denied."
        more = f" (and {len(reasons) - 1} more, below)" if len(reasons) > 1 else ""
        return "Denied by " + reveal_invisible(reasons[0], max_length=400) + more
    needs = _plural(decision.required_approvals, "approval")
    delay = int(getattr(decision, "delay_seconds", 0) or 0)
    wait = f"; it may be executed {delay // 3600} h after the quorum" if delay else ""
    if kind == "allow":
        return f"Allowed with {needs} from owners other than the proposer{wait}."
    roles = decision.required_roles
    including = f", including {' and '.join(roles)}" if roles else ""
    return f"Not routine: it may go ahead only with {needs} from owners other than the proposer{including}{wait}."


def prepare_check(result: CheckResultLike) -> CheckView:
    decision = result.decision
    version = result.policy_version
    digest = hex_text(result.policy_digest) if result.policy_digest else ""
    if version:
        policy = f"Decided under policy version {version} ({short_hex(digest)}) at {local_time(result.checked_at)}"
    else:
        policy = f"Decided with no policy in force at {local_time(result.checked_at)}"
    return CheckView(
        decision=str(decision.decision),
        headline=headline(decision),
        detail=_detail(decision),
        intent=reveal_lines(result.intent_text) or "(no description)",
        safe_tx_hash=hex_text(result.safe_tx_hash),
        domain_hash=hex_text(result.domain_hash),
        message_hash=hex_text(result.message_hash),
        simulation=reveal_invisible(result.simulation_text or "", max_length=600) or "No simulation was run.",
        policy=policy,
        verdicts=verdict_rows(decision.rules),
    )


def vault_name(safe: str, names: Mapping[str, str]) -> str:
    label = names.get(safe) or names.get(safe.lower())
    return reveal_invisible(label, max_length=60) if label else short_hex(safe, head=4, tail=4)


def prepare_decision(entry: RecordedDecisionLike, names: Mapping[str, str]) -> DecisionRow:
    kind = str(entry.decision)
    intent = reveal_lines(entry.intent_text or "")
    first = intent.splitlines()[0] if intent else "(no description)"
    word = DECISION_WORD.get(kind, reveal_invisible(kind, max_length=20))
    version = "—" if not entry.policy_version else str(entry.policy_version)
    proposer = entry.proposer or ""
    texts = (local_time(entry.checked_at), vault_name(entry.safe, names), str(entry.nonce), first, word, version)
    tips = (entry.checked_at.isoformat(), entry.safe, f"Nonce {entry.nonce}\nsafeTxHash {hex_text(entry.safe_tx_hash)}",
            intent, word + (f"\nProposer {proposer}" if proposer else ""), f"Policy version {version}")
    return DecisionRow(texts, tips, kind, word, intent, verdict_rows(entry.rules))


def prepare_decisions(entries: Sequence[RecordedDecisionLike], names: Mapping[str, str]) -> list[DecisionRow]:
    return [prepare_decision(e, names) for e in entries]
