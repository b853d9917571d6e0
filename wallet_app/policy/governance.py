"""Who may change the policy, and whether a stored policy is really the one its governance quorum signed.

Pure rules over recorded rows; the service reads the rows and the vault's owners and calls these.

- A change is decided by the owners of the governance vault of the policy in force when it was proposed (its
  predecessor); a profile's first policy by the owners of its own governance vault. The new policy's own governance
  only decides the changes after it.
- Quorum: max(that policy's governance quorum, the vault's on-chain threshold) distinct current owners, each with a
  valid signature (65 bytes r||s||v, v 27 or 28, low s, recovering to that owner) of the PolicyApproval message.
- The proposer's signature counts as one approval when the proposer is a current owner, as in Safe, where the
  proposer of a transaction signs it too: quorum means that many distinct owners, proposer included. The quorum is
  never below the vault's threshold, so a policy changes with at least as many owners as move its assets.
- When the quorum is reached (at the signing time of the quorum-th signature): a change that loosens the policy
  takes effect `loosening_delay_seconds` (of the policy it replaces) later; any other change at once.
- Rows are not trusted: a text whose digest differs, a signature that does not recover to its row's signer, a
  quorum that current owners no longer make up, or a policy in force before its signed cooling-off ended, all mean
  the policy is not in force (fail closed: every transaction is denied, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import InvalidAddress, WalletError
from wallet_app.keys.signature import HALF_N, SECP256K1_N, recover_address
from wallet_app.policy.approval_typed_data import ZERO_DIGEST, PolicyAction, PolicyVote, compute_vote_digest

if TYPE_CHECKING:
    from wallet_app.policy.compare import PolicyChange
    from wallet_app.policy.document import PolicyDocument

PROPOSED, APPROVED, ACTIVE, SUPERSEDED, REJECTED = "proposed", "approved", "active", "superseded", "rejected"
STATES = (PROPOSED, APPROVED, ACTIVE, SUPERSEDED, REJECTED)
OPEN_STATES = (PROPOSED, APPROVED)

# (owners, threshold) of a vault, read from the chain.
LoadOwners = Callable[[str], tuple[Sequence[str], int]]


# -- errors -------------------------------------------------------------------------------------------------------
class PolicyNotInForce(WalletError):
    """No policy can be applied: every transaction is denied, and `user_message` says why."""

    code = "policy_not_in_force"


class NoActivePolicy(PolicyNotInForce):
    code = "no_active_policy"


class PolicyTampered(PolicyNotInForce):
    """A stored policy, its approvals or its on-disk copy are not what the governance quorum signed."""

    code = "policy_tampered"


class PolicyUnverifiable(PolicyNotInForce):
    """The governance vault's owners could not be read, so the approvals cannot be checked now."""

    code = "policy_unverifiable"


class PolicyGovernanceError(WalletError, ValueError):
    """A proposal, approval or rejection was refused; nothing was changed."""

    code = "policy_governance"


class InvalidPolicySignature(PolicyGovernanceError):
    code = "invalid_policy_signature"


class PolicyConflict(PolicyGovernanceError):
    """Another desktop changed the same policy rows first; reload and try again."""

    code = "policy_conflict"


# -- what is recorded -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    signer: str
    signature: bytes
    signed_at: datetime  # aware, UTC, whole seconds


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """One row of `policies` with its approvals, as stored (so: not yet trusted)."""

    digest: str  # 0x + 64 lowercase hex
    version: int
    text: str
    proposed_by: str
    proposed_at: datetime
    proposer_signature: bytes
    state: str
    supersedes: str | None
    quorum_reached_at: datetime | None
    effective_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    closed_signature: bytes | None
    closed_reason: str
    approvals: tuple[ApprovalRecord, ...]

    @property
    def previous_digest(self) -> bytes:
        return digest_bytes(self.supersedes) if self.supersedes else ZERO_DIGEST


def digest_hex(digest: bytes) -> str:
    return "0x" + digest.hex()


def digest_bytes(text: str) -> bytes:
    body = text.removeprefix("0x")
    if len(body) != 64:
        raise ValueError("a policy digest is 32 bytes (64 hex digits)")
    return bytes.fromhex(body)


def compute_text_digest(text: str) -> bytes:
    return keccak(text.encode("utf-8"))


def epoch_seconds(moment: datetime) -> int:
    return int(as_utc(moment).timestamp())


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive value (SQLite gives those back) is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return f"{as_utc(moment):%Y-%m-%d %H:%M:%S} UTC"


def signing_time(now: datetime) -> datetime:
    """The moment recorded and signed: UTC, whole seconds."""
    return as_utc(now).replace(microsecond=0)


# -- signatures -----------------------------------------------------------------------------------------------------
def build_vote(action: PolicyAction, chain_id: int, vault: str, record_digest: str, version: int,
               previous: str | None, signed_at: datetime) -> PolicyVote:
    return PolicyVote(action=action, chain_id=chain_id, vault=to_checksum(vault),
                      policy_digest=digest_bytes(record_digest), policy_version=version,
                      previous_digest=digest_bytes(previous) if previous else ZERO_DIGEST,
                      signed_at=epoch_seconds(signed_at))


def recover_vote_signer(vote: PolicyVote, signature: bytes) -> str:
    """The address that signed `vote`; refused unless the signature is 65 bytes, v is 27 or 28 and s is low (C6)."""
    if len(signature) != 65:
        raise InvalidPolicySignature(f"A policy signature is 65 bytes (r, s, v), not {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28):
        raise InvalidPolicySignature(f"A policy signature has v 27 or 28, not {v}")
    if not 0 < r < SECP256K1_N or not 0 < s < SECP256K1_N:
        raise InvalidPolicySignature("The signature's r or s is outside the curve order")
    if s > HALF_N:
        raise InvalidPolicySignature("The signature has a high s value (a malleated copy); it is refused (EIP-2)")
    try:
        return recover_address(compute_vote_digest(vote), r, s, v - 27)
    except Exception:
        raise InvalidPolicySignature("The signature recovers to no public key") from None


# -- quorum -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApprovalCheck:
    signer: str
    signed_at: datetime
    counted: bool
    problem: str  # "" when counted
    forged: bool  # the row does not carry a valid signature of its signer: evidence of tampering


@dataclass(frozen=True, slots=True)
class QuorumCheck:
    vault: str
    owners: tuple[str, ...]
    threshold: int
    required: int
    approvals: tuple[ApprovalCheck, ...]
    reached_at: datetime | None  # signing time of the approval that completed the quorum (count and roles)
    missing_roles: tuple[str, ...] = ()  # governance roles none of whose members approved (yet)

    @property
    def approved_by(self) -> tuple[str, ...]:
        return tuple(a.signer for a in self.approvals if a.counted)

    @property
    def forged(self) -> tuple[ApprovalCheck, ...]:
        return tuple(a for a in self.approvals if a.forged)

    @property
    def reached(self) -> bool:
        return self.reached_at is not None

    def describe(self) -> str:
        missing = f", and none from the role(s) {', '.join(self.missing_roles)}" if self.missing_roles else ""
        return f"{len(self.approved_by)} of {self.required} approvals of current owners of {self.vault}{missing}"


def required_quorum(policy_quorum: int, threshold: int) -> int:
    return max(policy_quorum, threshold, 1)


def check_quorum(record: PolicyRecord, *, chain_id: int, vault: str, policy_quorum: int,
                 owners: Sequence[str], threshold: int,
                 roles: Mapping[str, Collection[str]] | None = None) -> QuorumCheck:
    """Verify every stored approval of `record` and count the distinct current owners among their signers. `roles`
    (the governance roles, name -> members) must each have a member among the counted signers."""
    current = tuple(to_checksum(o) for o in owners)
    checks: list[ApprovalCheck] = []
    counted: dict[str, datetime] = {}
    for approval in sorted(record.approvals, key=lambda a: (as_utc(a.signed_at), a.signer)):
        signed_at = as_utc(approval.signed_at)
        vote = build_vote(PolicyAction.APPROVE, chain_id, vault, record.digest, record.version, record.supersedes,
                          signed_at)
        try:
            signer = to_checksum(approval.signer)
            recovered = recover_vote_signer(vote, approval.signature)
        except (InvalidPolicySignature, InvalidAddress) as exc:
            checks.append(ApprovalCheck(approval.signer, signed_at, False, exc.user_message, True))
            continue
        if recovered != signer:
            checks.append(ApprovalCheck(approval.signer, signed_at, False,
                                        "its signature is not its signer's for this policy, predecessor, vault and "
                                        "chain (copied or edited)", True))
        elif signer not in current:
            checks.append(ApprovalCheck(signer, signed_at, False, f"not a current owner of {vault}", False))
        elif signer in counted:
            checks.append(ApprovalCheck(signer, signed_at, False, "a second approval by the same owner", False))
        else:
            counted[signer] = signed_at
            checks.append(ApprovalCheck(signer, signed_at, True, "", False))
    required = required_quorum(policy_quorum, threshold)
    wanted = {name: {to_checksum(m) for m in members} for name, members in (roles or {}).items()}
    reached_at: datetime | None = None
    so_far: set[str] = set()
    for signer, signed_at in sorted(counted.items(), key=lambda item: (item[1], item[0])):
        so_far.add(signer)
        if len(so_far) >= required and all(members & so_far for members in wanted.values()):
            reached_at = signed_at
            break
    missing = tuple(sorted(name for name, members in wanted.items() if not members & set(counted)))
    return QuorumCheck(to_checksum(vault), current, threshold, required, tuple(checks), reached_at, missing)


def check_proposer_signature(record: PolicyRecord, *, chain_id: int, vault: str) -> str:
    """'' if the proposer's signature is theirs for this policy; otherwise why not."""
    try:
        vote = build_vote(PolicyAction.APPROVE, chain_id, vault, record.digest, record.version, record.supersedes,
                          record.proposed_at)
        if recover_vote_signer(vote, record.proposer_signature) == to_checksum(record.proposed_by):
            return ""
    except (InvalidPolicySignature, InvalidAddress, ValueError):
        pass
    return f"the proposer's signature of version {record.version} is not {record.proposed_by}'s"


# -- the change ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChangeAssessment:
    """A recorded policy, checked: its text, who governs the change, the quorum, and when it may take effect."""

    record: PolicyRecord
    document: PolicyDocument
    base: PolicyRecord | None
    base_document: PolicyDocument | None
    quorum: QuorumCheck
    changes: tuple[PolicyChange, ...]
    loosens: bool
    delay_seconds: int  # the cooling-off it owes: the predecessor's loosening delay, or 0
    proposer_problem: str

    @property
    def effective_at(self) -> datetime | None:
        if self.quorum.reached_at is None:
            return None
        return self.quorum.reached_at + timedelta(seconds=self.delay_seconds)

    @property
    def forged(self) -> tuple[str, ...]:
        problems = [f"approval row of {a.signer}: {a.problem}" for a in self.quorum.forged]
        return tuple([self.proposer_problem, *problems] if self.proposer_problem else problems)


def find_tampering_of_active(assessment: ChangeAssessment, records: Sequence[PolicyRecord],
                             now: datetime) -> list[str]:
    """Why the recorded active policy is not (or no longer) in force; empty when it is."""
    record = assessment.record
    problems = list(assessment.forged)
    quorum = assessment.quorum
    if not quorum.reached:
        stale = [f"{a.signer} ({a.problem})" for a in quorum.approvals if not a.counted and not a.forged]
        problems.append(f"its quorum no longer holds: {quorum.describe()}"
                        + (f"; not counted: {', '.join(stale)}" if stale else ""))
    earliest = assessment.effective_at
    stored = record.effective_at
    if earliest is not None:
        if stored is None or as_utc(stored) < earliest:
            problems.append(f"its recorded effective time is before its signatures allow it ({format_time(earliest)})")
        elif as_utc(now) < as_utc(stored):
            problems.append(f"it is marked in force before its effective time {format_time(stored)} (cooling-off "
                            "skipped, or the clock was moved back)")
    newer = [r for r in records if r.state == SUPERSEDED and r.version >= record.version]
    if newer:
        problems.append(f"version {newer[0].version} was already in force and replaced it (rollback)")
    return problems
