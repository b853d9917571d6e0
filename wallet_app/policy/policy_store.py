"""Storage of policies: the `policies` and `policy_approvals` tables, and the on-disk copy `policy/active.toml`.

Writes that change which policy is in force are conditional updates in one transaction (`WHERE state = ...`), and
a unique index allows one active policy per chain, so two desktops on a shared database never both promote.
Nothing read here is trusted; `wallet_app.policy.governance` checks it.

With an `audit` log every write appends its audit entry in the same transaction: a proposal, an approval or a
rejection by a key carries the EIP-712 vote's signature in `detail["action_signature"]` and, when the key is unlocked
in this profile (`sign_entry`), the actor's signature over the entry; quorum, coming into force and closing stale
proposals are Custos's own doing (actor "system").
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from wallet_app.audit import actions
from wallet_app.policy.governance import (
    ACTIVE,
    APPROVED,
    OPEN_STATES,
    PROPOSED,
    REJECTED,
    SUPERSEDED,
    ApprovalRecord,
    PolicyConflict,
    PolicyGovernanceError,
    PolicyRecord,
    PolicyTampered,
    as_utc,
)
from wallet_app.storage.atomic import write_atomic
from wallet_app.storage.schema import policies, policy_approvals

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog, Sign

ACTIVE_FILE = Path("policy") / "active.toml"


def _sig_hex(signature: bytes) -> str:
    return "0x" + signature.hex()


def _sig_bytes(text: str | None) -> bytes:
    if not text:
        return b""
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        return b""  # an edited row; verification reports it


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


class PolicyStore:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    # -- reading ------------------------------------------------------------------------------------------------
    def load_records(self) -> list[PolicyRecord]:
        """Every policy of the chain with its approvals, oldest proposal first. A row whose values cannot even be
        read (a date that is no date) was edited outside Custos: `PolicyTampered`."""
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(policies).where(policies.c.chain_id == self._chain_id)
                    .order_by(policies.c.proposed_at, policies.c.digest)
                ).all()
                approval_rows = conn.execute(
                    select(policy_approvals).where(policy_approvals.c.chain_id == self._chain_id)
                ).all()
            approvals: dict[str, list[ApprovalRecord]] = {}
            for a in approval_rows:
                approvals.setdefault(a.digest, []).append(
                    ApprovalRecord(a.signer, _sig_bytes(a.signature), as_utc(a.signed_at)))
            return [self._record(row, tuple(approvals.get(row.digest, ()))) for row in rows]
        except (ValueError, TypeError) as exc:
            raise PolicyTampered(f"A policy row cannot be read ({type(exc).__name__}): it was edited outside "
                                 "Custos. Every transaction is denied.") from None

    def load_record(self, digest: str) -> PolicyRecord | None:
        return next((r for r in self.load_records() if r.digest == digest), None)

    @staticmethod
    def _record(r: Any, approvals: tuple[ApprovalRecord, ...]) -> PolicyRecord:
        return PolicyRecord(
            digest=r.digest, version=r.version, text=r.text, proposed_by=r.proposed_by,
            proposed_at=as_utc(r.proposed_at), proposer_signature=_sig_bytes(r.proposer_signature), state=r.state,
            supersedes=r.supersedes, quorum_reached_at=_utc_or_none(r.quorum_reached_at),
            effective_at=_utc_or_none(r.effective_at), closed_at=_utc_or_none(r.closed_at), closed_by=r.closed_by,
            closed_signature=_sig_bytes(r.closed_signature) or None, closed_reason=r.closed_reason or "",
            approvals=approvals,
        )

    # -- writing ------------------------------------------------------------------------------------------------
    def save_proposal(self, record: PolicyRecord, *, sign_entry: Sign | None = None) -> None:
        """Record a new proposal and the approvals it carries (the proposer's, when an owner)."""
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(policies).values(
                    chain_id=self._chain_id, digest=record.digest, version=record.version, text=record.text,
                    proposed_by=record.proposed_by, proposed_at=as_utc(record.proposed_at),
                    proposer_signature=_sig_hex(record.proposer_signature), state=PROPOSED,
                    supersedes=record.supersedes, closed_reason=""))
                for approval in record.approvals:
                    self._insert_approval(conn, record.digest, approval)
                self._log(conn, record.proposed_by, actions.POLICY_PROPOSE, record.digest, sign_entry,
                          version=record.version, supersedes=record.supersedes,
                          counts_as_approval=bool(record.approvals),
                          action_signature=_sig_hex(record.proposer_signature))
        except IntegrityError:
            raise PolicyGovernanceError(
                f"A policy with digest {record.digest} is already recorded; approve that one instead") from None

    def save_approval(self, digest: str, approval: ApprovalRecord, *, sign_entry: Sign | None = None) -> bool:
        """Add an approval of an open proposal; False (nothing changed) if that signer had already approved it."""
        try:
            with self._engine.begin() as conn:
                self._require_state(conn, digest, OPEN_STATES)
                self._insert_approval(conn, digest, approval)
                self._log(conn, approval.signer, actions.POLICY_APPROVE, digest, sign_entry,
                          signed_at=as_utc(approval.signed_at).isoformat(),
                          action_signature=_sig_hex(approval.signature))
        except IntegrityError:
            return False
        return True

    def _insert_approval(self, conn: Connection, digest: str, approval: ApprovalRecord) -> None:
        conn.execute(insert(policy_approvals).values(
            chain_id=self._chain_id, digest=digest, signer=approval.signer,
            signature=_sig_hex(approval.signature), signed_at=as_utc(approval.signed_at)))

    def save_quorum(self, digest: str, *, quorum_reached_at: datetime, effective_at: datetime) -> None:
        """The quorum is reached but the change waits for its cooling-off: proposed -> approved."""
        with self._engine.begin() as conn:
            self._update(conn, digest, OPEN_STATES, state=APPROVED, quorum_reached_at=as_utc(quorum_reached_at),
                         effective_at=as_utc(effective_at))
            self._log(conn, actions.SYSTEM, actions.POLICY_QUORUM, digest, None,
                      quorum_reached_at=as_utc(quorum_reached_at).isoformat(),
                      effective_at=as_utc(effective_at).isoformat())

    def save_activation(self, digest: str, *, base: str | None, quorum_reached_at: datetime,
                        effective_at: datetime, now: datetime, stale_reason: str) -> list[str]:
        """Put `digest` in force: its predecessor `base` becomes superseded and every other open proposal made
        against `base` is closed as stale. Returns the digests closed as stale."""
        moment = as_utc(now)
        with self._engine.begin() as conn:
            if base is not None:
                self._update(conn, base, (ACTIVE,), state=SUPERSEDED, closed_at=moment,
                             closed_reason=f"replaced by {digest}")
            elif conn.execute(select(policies.c.digest).where(
                    policies.c.chain_id == self._chain_id, policies.c.state == ACTIVE)).first() is not None:
                raise PolicyConflict("Another policy came into force meanwhile; reload and try again")
            self._update(conn, digest, OPEN_STATES, state=ACTIVE, quorum_reached_at=as_utc(quorum_reached_at),
                         effective_at=as_utc(effective_at))
            base_match = policies.c.supersedes.is_(None) if base is None else policies.c.supersedes == base
            stale = [row.digest for row in conn.execute(select(policies.c.digest).where(
                policies.c.chain_id == self._chain_id, policies.c.state.in_(OPEN_STATES), base_match))]
            for other in stale:
                self._update(conn, other, OPEN_STATES, state=REJECTED, closed_at=moment, closed_reason=stale_reason)
            self._log(conn, actions.SYSTEM, actions.POLICY_ACTIVE, digest, None, replaces=base,
                      effective_at=as_utc(effective_at).isoformat(), closed_as_stale=stale)
            for other in stale:
                self._log(conn, actions.SYSTEM, actions.POLICY_REJECT, other, None, reason=stale_reason)
        return stale

    def save_rejection(self, digest: str, *, by: str | None, signature: bytes | None, at: datetime,
                       reason: str, sign_entry: Sign | None = None) -> None:
        with self._engine.begin() as conn:
            self._update(conn, digest, OPEN_STATES, state=REJECTED, closed_at=as_utc(at), closed_by=by,
                         closed_signature=_sig_hex(signature) if signature else None, closed_reason=reason)
            signed = {"action_signature": _sig_hex(signature)} if signature else {}
            self._log(conn, by or actions.SYSTEM, actions.POLICY_REJECT, digest, sign_entry if by else None,
                      reason=reason, **signed)

    def _log(self, conn: Connection, actor: str, action: str, digest: str, sign: Sign | None,
             **detail: Any) -> None:
        if self._audit is not None:
            self._audit.append(conn, actor=actor, action=action, subject=digest, sign=sign,
                               detail=detail)

    def _require_state(self, conn: Connection, digest: str, states: tuple[str, ...]) -> None:
        state = conn.execute(select(policies.c.state).where(
            policies.c.chain_id == self._chain_id, policies.c.digest == digest)).scalar()
        if state is None:
            raise PolicyGovernanceError(f"No policy with digest {digest} is recorded")
        if state not in states:
            raise PolicyConflict(f"The policy {digest} is {state} now; reload and try again")

    def _update(self, conn: Connection, digest: str, states: tuple[str, ...], **values: object) -> None:
        result = conn.execute(update(policies).where(and_(
            policies.c.chain_id == self._chain_id, policies.c.digest == digest, policies.c.state.in_(states),
        )).values(**values))
        if result.rowcount != 1:
            raise PolicyConflict(f"The policy {digest} changed meanwhile (expected it {' or '.join(states)}); "
                                 "reload and try again")


class ActivePolicyFile:
    """The policy in force as a file for people to read (`<profile>/policy/active.toml`), written atomically.
    It is never read to decide anything; a copy that differs from the database is reported."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load_text(self) -> str | None:
        try:
            return self.path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            return "\ufffd"  # not UTF-8: certainly not a policy Custos wrote

    def save_text(self, text: str) -> None:
        write_atomic(self.path, text.encode("utf-8"), mode=0o644)
