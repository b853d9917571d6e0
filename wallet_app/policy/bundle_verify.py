"""Checking a policy bundle's signatures before anything is stored: every signature must be its signer's for exactly
its record (a copied, swapped or edited one is refused, wherever it is in the history), and the policy in force and
each waiting change must carry a quorum of the governance vault's owners as this signer anchored them.

The older policies of the history are checked for forged signatures only: their governance vault's owners may have
changed since, and what binds them is the digest chain the policy in force was signed over (its vote names the
digest of the policy it replaces, whose text names the vault that decides it).
"""

from __future__ import annotations

from datetime import datetime

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.policy.approval_typed_data import PolicyAction
from wallet_app.policy.bundle import BundleRecord, PolicyBundle, PolicyBundleError
from wallet_app.policy.bundle_fields import plain
from wallet_app.policy.governance import (
    ChangeAssessment,
    InvalidPolicySignature,
    PolicyNotInForce,
    PolicyRecord,
    QuorumCheck,
    as_utc,
    build_vote,
    check_proposer_signature,
    check_quorum,
    find_tampering_of_active,
    format_time,
    recover_vote_signer,
)
from wallet_app.policy.reading import Owners, PolicyReader


def _name(entry: BundleRecord) -> str:
    return f"version {entry.record.version} ({entry.record.digest})"


def _refuse(entry: BundleRecord, problem: str) -> PolicyBundleError:
    return PolicyBundleError(f"The bundle is refused: {_name(entry)}: {problem}")


def check_signatures(bundle: PolicyBundle) -> None:
    """Every proposer's, approver's and rejecter's signature recovers to its signer for its own record (no owners
    needed: this finds forgeries, copies between records and swaps between signers)."""
    for entry in (*bundle.policies, *bundle.pending, *bundle.rejected):
        record, vault = entry.record, entry.governance_vault
        problem = check_proposer_signature(record, chain_id=bundle.chain_id, vault=vault)
        if problem:
            raise _refuse(entry, f"{problem} (forged, or copied from another record)")
        quorum = check_quorum(record, chain_id=bundle.chain_id, vault=vault, policy_quorum=1, owners=(), threshold=1)
        for bad in quorum.forged:
            raise _refuse(entry, f"the approval of {bad.signer} does not verify: {bad.problem}")
    for entry in bundle.rejected:
        check_rejection_signature(entry, bundle.chain_id)


def check_rejection_signature(entry: BundleRecord, chain_id: int) -> None:
    record = entry.record
    assert record.closed_by is not None and record.closed_signature is not None and record.closed_at is not None
    at = as_utc(record.closed_at)
    if at.microsecond:
        raise _refuse(entry, "its rejection time is a signed time: whole seconds")
    vote = build_vote(PolicyAction.REJECT, chain_id, entry.governance_vault, record.digest, record.version,
                      record.supersedes, at)
    try:
        signer = recover_vote_signer(vote, record.closed_signature)
    except InvalidPolicySignature as exc:
        raise _refuse(entry, f"its rejection's signature does not verify: {exc.user_message}") from None
    if signer != to_checksum(record.closed_by):
        raise _refuse(entry, f"its rejection's signature is not {record.closed_by}'s (forged or copied)")


def anchored_owners(reader: PolicyReader, entry: BundleRecord) -> Owners:
    """The reader's owner lookup, with a vault this signer has not anchored refused in words that say so."""
    owners_of = reader.owners_reader()
    try:
        owners_of(entry.governance_vault)
    except PolicyNotInForce as exc:
        cause = exc.__cause__
        reason = cause.user_message if isinstance(cause, WalletError) else exc.user_message
        raise _refuse(entry, f"its governance vault {entry.governance_vault} cannot be checked here: "
                             f"{plain(reason)}") from None
    return owners_of


def _quorum_problem(quorum: QuorumCheck) -> str:
    not_counted = [f"{a.signer} ({a.problem})" for a in quorum.approvals if not a.counted]
    return (f"it is not approved by a quorum of the owners anchored for {quorum.vault}: {quorum.describe()}"
            + (f"; not counted: {', '.join(not_counted)}" if not_counted else ""))


def check_quorums(bundle: PolicyBundle, reader: PolicyReader, now: datetime) -> None:
    """The policy in force must verify as `PolicyService.active()` will verify it (quorum of anchored owners,
    effective time its signatures allow, not before `now`); each waiting change must have its quorum too."""
    by_digest = {e.record.digest: e.record for e in bundle.policies}
    entry = bundle.in_force
    assessment = _assess(reader, entry, by_digest)
    if not assessment.quorum.reached:
        raise _refuse(entry, _quorum_problem(assessment.quorum))
    problems = find_tampering_of_active(assessment, [e.record for e in bundle.policies], now)
    if problems:
        raise _refuse(entry, "; ".join(problems))
    for waiting in bundle.pending:
        assessment = _assess(reader, waiting, by_digest)
        if not assessment.quorum.reached:
            raise _refuse(waiting, _quorum_problem(assessment.quorum))
        earliest, stored = assessment.effective_at, waiting.record.effective_at
        assert earliest is not None and stored is not None  # reached; and check_chaining requires the time
        if as_utc(stored) < earliest:
            raise _refuse(waiting, f"its recorded effective time {format_time(stored)} is before its signatures "
                                   f"allow ({format_time(earliest)}): its cooling-off would be skipped")


def _assess(reader: PolicyReader, entry: BundleRecord, by_digest: dict[str, PolicyRecord]) -> ChangeAssessment:
    owners_of = anchored_owners(reader, entry)
    try:
        return reader.assess(entry.record, by_digest, owners_of)
    except PolicyNotInForce as exc:
        raise _refuse(entry, plain(exc.user_message)) from None


def check_rejecter(entry: BundleRecord, reader: PolicyReader) -> None:
    """A rejection counts only from the proposer or an anchored owner of the vault that decides the change."""
    record = entry.record
    owners, _threshold = anchored_owners(reader, entry)(entry.governance_vault)
    by = to_checksum(record.closed_by or "")
    if by != to_checksum(record.proposed_by) and by not in owners:
        raise _refuse(entry, f"it was rejected by {by}, who is neither its proposer nor an owner anchored for "
                             f"{entry.governance_vault}")
