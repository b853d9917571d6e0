"""What the Policy page shows of the policy in force and of its drafts, as display strings computed off the GUI thread.

`prepare_policy_state` takes what `PolicyService` returned (the active policy or why there is none, the open drafts,
the recorded history for the texts, each draft's changes) and turns it into frozen views. Everything that came from
outside (policy text, rule descriptions, labels, reasons) stays plain text; invisible and direction-changing
characters are made visible line by line, so a policy text cannot hide what an approver signs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ui.plain_text import reveal_invisible
from wallet_app.domain.hex_text import short_hex

if TYPE_CHECKING:
    from wallet_app.policy.compare import PolicyChange
    from wallet_app.policy.governance import ApprovalCheck
    from wallet_app.policy.views import ActivePolicy, PolicyDraft, PolicyHistoryEntry

# The engine's hard blocks (wallet_app.policy.engine.HARD_BLOCKS), in words. The ids shown come from the engine
# itself; an id this table does not know is shown by its id alone.
HARD_BLOCK_TEXT: dict[str, str] = {
    "nonce": "the vault has not used the transaction's nonce yet",
    "chain": "the transaction is for this policy's chain",
    "decoding": "it is decoded from the very bytes that are signed, and decodes cleanly",
    "delegatecall": "DELEGATECALL only to a pinned MultiSendCallOnly (code hash checked), and only to open a batch",
    "governance": "owner, threshold, module, guard, handler, ownership and upgrade calls go to the governance "
                  "quorum and wait its delay; [[rules]] are never asked",
    "gas-refund": "no gas refund: gasPrice, gasToken and refundReceiver must all be zero",
    "token-approvals": "no unlimited approval, and no approval of a spender that is not a contact",
    "blind-calls": "a call Custos cannot read goes only to a contract that is a contact",
    "lookalike": "no address that looks like a known one (same first and last digits) without being it",
    "denylist": "no address on the denylist",
    "erc3643": "no transfer that a permissioned (ERC-3643) token would refuse",
    "simulation": "the exact transaction simulates without reverting and without changing the vault's owners, "
                  "threshold, modules, guard, fallback handler or implementation",
}
STATE_TEXT = {"proposed": "Proposed", "approved": "Approved, cooling off", "active": "In force",
              "rejected": "Rejected", "superseded": "Superseded"}
LINE_LIMIT = 2000  # characters of one line of outside text


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def reveal_lines(text: str) -> str:
    """`text` with hidden characters made visible in each line; the line breaks stay."""
    return "\n".join(reveal_invisible(line, max_length=LINE_LIMIT) for line in text.splitlines())


def name_of(address: str | None, names: Mapping[str, str]) -> str:
    """'Alice Chan (0xf39F…2266)' when the address book knows it, else the full address."""
    if not address:
        return "—"
    label = names.get(address) or names.get(address.lower()) or ""
    if not label:
        return address
    return f"{reveal_invisible(label, max_length=60)} ({short_hex(address, head=4, tail=4)})"


def duration_text(seconds: int) -> str:
    if seconds <= 0:
        return "no delay"
    hours, rest = divmod(int(seconds), 3600)
    if rest == 0 and hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    if rest == 0:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 60} minutes"


@dataclass(frozen=True, slots=True)
class ChangeLine:
    direction: str  # loosens, tightens, neutral
    text: str


@dataclass(frozen=True, slots=True)
class ActiveView:
    name: str
    version: int
    digest: str
    effective_since: str
    proposed: str
    governance: str
    approvals: tuple[str, ...]  # one line per stored approval
    approved_summary: str
    rules_text: str  # the built-in checks and the rules, numbered, one per line
    notes: tuple[str, ...]
    history_note: str  # what it changed from its predecessor, in one line
    text: str


@dataclass(frozen=True, slots=True)
class DraftView:
    digest: str
    version: int
    state: str
    is_open: bool  # proposed or approved: it can still be approved or rejected
    can_approve: bool
    texts: tuple[str, ...]  # one per DraftColumn
    tips: tuple[str, ...]
    base_title: str
    base_text: str
    draft_text: str
    changes: tuple[ChangeLine, ...]
    summary: str  # the line above the comparison
    problems: tuple[str, ...] = ()
    base_changed: tuple[int, ...] = ()  # lines (0-based) of base_text that the draft changes or removes
    draft_changed: tuple[int, ...] = ()  # lines of draft_text that are new or changed


@dataclass(frozen=True, slots=True)
class PolicyState:
    active: ActiveView | None
    problem: str = ""  # why no policy is in force ("" when one is)
    problem_code: str = ""
    drafts: tuple[DraftView, ...] = ()
    drafts_problem: str = ""


def _approval_line(check: ApprovalCheck, names: Mapping[str, str]) -> str:
    label = names.get(check.signer, "")
    who = f"{reveal_invisible(label, max_length=40)}  {check.signer}" if label else check.signer
    status = "" if check.counted else f" (not counted: {reveal_invisible(check.problem, max_length=200)})"
    return f"• {who}, signed {local_time(check.signed_at)}{status}"


def rules_text(active: ActivePolicy, hard_blocks: Sequence[str]) -> str:
    lines = ["Built-in checks, applied first to every transaction; no rule can allow what they deny:"]
    for block in hard_blocks:
        words = HARD_BLOCK_TEXT.get(block)
        lines.append(f"  • {block}: {words}" if words else f"  • {block}")
    lines += ["", "Rules, tried from the top; the first one that matches decides:"]
    rules = active.document.rules
    described = active.describe_rules()
    for number, text in enumerate(described, start=1):
        rule_id = rules[number - 1].id if number - 1 < len(rules) else ""
        head = f"{number}. {reveal_invisible(rule_id, max_length=64)}: " if rule_id else f"{number}. "
        lines.append(head + reveal_invisible(text, max_length=LINE_LIMIT))
    if not described:
        lines.append("  (none)")
    lines += ["", "Anything no rule allows is denied.",
              "The proposer's own approval never counts towards the approvals a transaction needs."]
    return "\n".join(lines)


def prepare_active(active: ActivePolicy, names: Mapping[str, str], hard_blocks: Sequence[str]) -> ActiveView:
    doc = active.document
    gov = doc.governance
    roles = f", including {' and '.join(gov.roles)}" if gov.roles else ""
    governance = (f"{name_of(active.governance_vault, names)}: {active.required} approvals of its current owners"
                  f"{roles}.\nA change that loosens the policy waits {duration_text(doc.loosening_delay_seconds)} "
                  f"after its quorum; vault governance calls wait {duration_text(gov.delay_seconds)}.")
    counted = sum(1 for a in active.approvals if a.counted)
    history = ""
    if active.supersedes:
        how = "loosened" if active.loosened else "did not loosen"
        history = (f"It replaced {short_hex(active.supersedes)} and {how} it"
                   + (", so it waited its cooling-off." if active.loosened else ", so it took effect at its quorum."))
    return ActiveView(
        name=reveal_invisible(doc.name, max_length=200),
        version=active.version,
        digest=active.digest,
        effective_since=local_time(active.effective_since),
        proposed=f"{name_of(active.proposed_by, names)} at {local_time(active.proposed_at)}",
        governance=governance,
        approvals=tuple(_approval_line(a, names) for a in active.approvals),
        approved_summary=f"{counted} approvals of the {active.required} needed; quorum reached "
                         f"{local_time(active.quorum_reached_at)}:",
        rules_text=rules_text(active, hard_blocks),
        notes=tuple(reveal_invisible(n, max_length=400) for n in active.notes),
        history_note=history,
        text=reveal_lines(doc.text),
    )


def changed_lines(base: str, draft: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Which lines differ between the two texts, on each side (a line diff, for highlighting)."""
    old, new = base.splitlines(), draft.splitlines()
    left: list[int] = []
    right: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            left += range(i1, i2)
            right += range(j1, j2)
    return tuple(left), tuple(right)


def _takes_effect(draft: PolicyDraft, delay: int | None) -> str:
    if draft.effective_at is not None:
        return local_time(draft.effective_at)
    if draft.loosens is False or draft.loosens is None:
        return "at its quorum"
    return f"{duration_text(delay)} after its quorum" if delay is not None else "after its cooling-off"


def _direction(draft: PolicyDraft) -> str:
    if draft.loosens is None:
        return "first policy"
    return "loosens" if draft.loosens else "tightens only"


def prepare_draft(draft: PolicyDraft, texts: Mapping[str, str], changes: Sequence[PolicyChange] | str,
                  names: Mapping[str, str], *, active_digest: str | None, delay: int | None) -> DraftView:
    """`texts` maps digests to recorded texts; `changes` is what `compare` said, or why it could not say."""
    is_open = draft.state in ("proposed", "approved")
    state = STATE_TEXT.get(draft.state, draft.state)
    if draft.stale:
        state = "Stale: can only be rejected"
    elif draft.state == "approved" and draft.effective_at is not None:
        state = f"Approved, cooling off until {local_time(draft.effective_at)}"
    approvals = f"{len(draft.approved_by)} of {draft.required}" if draft.required is not None else "—"
    effect = _takes_effect(draft, delay if draft.supersedes == active_digest else None)
    row = (str(draft.version), short_hex(draft.digest), state, approvals, _direction(draft), effect,
           name_of(draft.proposed_by, names), local_time(draft.proposed_at))
    approvers = "\n".join(names.get(a, "") + ("  " if names.get(a) else "") + a for a in draft.approved_by)
    tips = (f"Version {draft.version}", draft.digest, state,
            f"Counted approvals:\n{approvers}" if approvers else "No counted approvals yet", row[4],
            "When it takes (or would take) effect", f"{row[6]}\n{draft.proposed_by}", row[7])
    if draft.supersedes is None:
        base_title, base_text = "No policy before it (this is the first)", ""
    else:
        which = "The policy in force" if draft.supersedes == active_digest else "The policy it would replace"
        base_title = f"{which}: {short_hex(draft.supersedes)}"
        base_text = reveal_lines(texts.get(draft.supersedes, "(its text is not recorded)"))
    if isinstance(changes, str):
        lines: tuple[ChangeLine, ...] = ()
        summary = f"The changes could not be worked out: {reveal_invisible(changes, max_length=300)}"
    else:
        lines = tuple(ChangeLine(c.direction, reveal_invisible(c.text, max_length=LINE_LIMIT)) for c in changes)
        loosening = sum(1 for c in lines if c.direction == "loosens")
        summary = (f"{len(lines)} change{'s' if len(lines) != 1 else ''}; {loosening} loosen the policy"
                   if lines else "No changes listed.")
    problems = tuple(reveal_invisible(p, max_length=400) for p in draft.problems)
    shown = reveal_lines(texts.get(draft.digest, "(its text is not recorded)"))
    base_changed, draft_changed = changed_lines(base_text, shown) if base_text else ((), ())
    return DraftView(
        digest=draft.digest, version=draft.version, state=draft.state, is_open=is_open,
        can_approve=is_open and not draft.stale, texts=row, tips=tips,
        base_title=base_title, base_text=base_text,
        draft_text=shown, changes=lines, summary=summary, problems=problems, base_changed=base_changed,
        draft_changed=draft_changed,
    )


def prepare_policy_state(*, active: ActivePolicy | None, problem: str, problem_code: str,
                         drafts: Sequence[PolicyDraft], drafts_problem: str,
                         history: Sequence[PolicyHistoryEntry], changes: Mapping[str, Sequence[PolicyChange] | str],
                         names: Mapping[str, str], hard_blocks: Sequence[str]) -> PolicyState:
    texts = {entry.record.digest: entry.record.text for entry in history}
    active_view = prepare_active(active, names, hard_blocks) if active is not None else None
    delay = active.document.loosening_delay_seconds if active is not None else None
    active_digest = active.digest if active is not None else next(
        (e.record.digest for e in history if e.record.state == "active"), None)
    views = tuple(prepare_draft(d, texts, changes.get(d.digest, ()), names, active_digest=active_digest, delay=delay)
                  for d in drafts)
    return PolicyState(active=active_view, problem=reveal_invisible(problem, max_length=600),
                       problem_code=problem_code, drafts=views,
                       drafts_problem=reveal_invisible(drafts_problem, max_length=400))


def outcome_text(draft: PolicyDraft, verb: str) -> str:
    """One line after proposing, approving or rejecting: where the draft stands now."""
    if draft.state == "active":
        return f"Version {draft.version} {verb}: it is now the policy in force."
    if draft.state == "rejected":
        return f"Version {draft.version} {verb}: it is closed."
    approvals = f"{len(draft.approved_by)} of {draft.required} approvals" if draft.required is not None else ""
    if draft.state == "approved" and draft.effective_at is not None:
        return (f"Version {draft.version} {verb}: the quorum is complete ({approvals}); it loosens the policy, so it "
                f"takes effect {local_time(draft.effective_at)} unless it is rejected before.")
    return f"Version {draft.version} {verb}: {approvals}." if approvals else f"Version {draft.version} {verb}."
