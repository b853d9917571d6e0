"""What `PolicyService` answers with: the verified policy in force (`ActivePolicy`), an open proposal and where it
stands (`PolicyDraft`), a row of the policy history (`PolicyHistoryEntry`), and how each is built from a recorded
policy and its `ChangeAssessment`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wallet_app.policy.compare import PolicyChange
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.governance import (
    OPEN_STATES,
    ApprovalCheck,
    ChangeAssessment,
    PolicyRecord,
    compute_text_digest,
    digest_hex,
)


@dataclass(frozen=True, slots=True)
class ActivePolicy:
    """The policy in force, verified: its text matches its digest and a quorum of current owners signed it."""

    document: PolicyDocument
    digest: str
    version: int
    effective_since: datetime
    quorum_reached_at: datetime
    proposed_by: str
    proposed_at: datetime
    governance_vault: str  # whose owners approved it
    required: int  # approvals that vault's quorum needs now
    approved_by: tuple[str, ...]  # current owners whose approvals count
    approvals: tuple[ApprovalCheck, ...]  # every stored approval, counted or not (and why)
    supersedes: str | None
    loosened: bool  # it loosened its predecessor (so it waited for the cooling-off)
    changes: tuple[PolicyChange, ...]  # what it changed from its predecessor
    notes: tuple[str, ...]  # e.g. the on-disk copy was out of date and was rewritten

    def describe_rules(self) -> list[str]:
        rules: list[str] = self.document.describe_rules()
        return rules


@dataclass(frozen=True, slots=True)
class PolicyDraft:
    """A proposed change and where it stands: approvals that count now, the quorum, and when it would take effect."""

    digest: str
    version: int
    state: str  # proposed, approved (waiting for its cooling-off), or after an action: active, rejected
    proposed_by: str
    proposed_at: datetime
    supersedes: str | None
    governance_vault: str | None
    required: int | None
    approved_by: tuple[str, ...]
    approvals: tuple[ApprovalCheck, ...]
    loosens: bool | None
    effective_at: datetime | None  # when it takes (or took) effect, from the signatures; None before the quorum
    stale: bool  # the policy it would replace is no longer in force: it can only be rejected
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyHistoryEntry:
    record: PolicyRecord  # as stored
    text_intact: bool  # the stored text still hashes to its digest


def build_active_policy(active: PolicyRecord, assessment: ChangeAssessment, notes: tuple[str, ...]) -> ActivePolicy:
    """The policy in force from its row and its assessment, once both were found free of tampering."""
    quorum = assessment.quorum
    assert active.effective_at is not None and quorum.reached_at is not None  # find_tampering_of_active checked
    return ActivePolicy(
        document=assessment.document, digest=active.digest, version=active.version,
        effective_since=active.effective_at, quorum_reached_at=quorum.reached_at,
        proposed_by=active.proposed_by, proposed_at=active.proposed_at, governance_vault=quorum.vault,
        required=quorum.required, approved_by=quorum.approved_by, approvals=quorum.approvals,
        supersedes=active.supersedes, loosened=assessment.loosens, changes=assessment.changes, notes=notes,
    )


def build_draft(record: PolicyRecord, assessment: ChangeAssessment, *, stale: bool) -> PolicyDraft:
    """A recorded proposal with its approvals checked against the owners read now."""
    problems = list(assessment.forged)
    if stale:
        problems.append("the policy it would replace is no longer in force: it can only be rejected")
    return PolicyDraft(
        digest=record.digest, version=record.version, state=record.state, proposed_by=record.proposed_by,
        proposed_at=record.proposed_at, supersedes=record.supersedes, governance_vault=assessment.quorum.vault,
        required=assessment.quorum.required, approved_by=assessment.quorum.approved_by,
        approvals=assessment.quorum.approvals, loosens=assessment.loosens if assessment.base is not None else None,
        effective_at=record.effective_at if record.state not in OPEN_STATES else assessment.effective_at,
        stale=stale, problems=tuple(problems),
    )


def build_unverified_draft(record: PolicyRecord, *, stale: bool, problem: str) -> PolicyDraft:
    """A recorded proposal whose approvals could not be checked, with the reason as its one problem."""
    return PolicyDraft(record.digest, record.version, record.state, record.proposed_by, record.proposed_at,
                       record.supersedes, None, None, (), (), None, record.effective_at, stale, (problem,))


def build_history_entry(record: PolicyRecord) -> PolicyHistoryEntry:
    """A recorded policy as stored, and whether its text still hashes to its digest."""
    return PolicyHistoryEntry(record, digest_hex(compute_text_digest(record.text)) == record.digest)
