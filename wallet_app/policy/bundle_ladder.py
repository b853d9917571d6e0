"""Writing a verified bundle through `PolicyStore`, step by step as the online desktop's store wrote it: each policy
of the history the signer does not have yet is proposed, approved, and brought into force in turn (its predecessor
superseded with the time the bundle records), then waiting changes are recorded with their quorum, and open changes
the bundle shows rejected are closed with their signed rejection. Each write appends its audit entry, as it did
online. The caller runs all of it in one transaction and verifies the result before it commits.

Nothing is written over: a record already stored must be the bundle's (same text, proposer, signatures; approvals
only ever added to an open change), and the bundle must continue the history stored here.
"""

from __future__ import annotations

from dataclasses import replace

from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.bundle import BundleRecord, PolicyBundle, PolicyBundleError
from wallet_app.policy.bundle_fields import plain
from wallet_app.policy.bundle_verify import check_rejecter
from wallet_app.policy.governance import (
    ACTIVE,
    OPEN_STATES,
    PROPOSED,
    REJECTED,
    SUPERSEDED,
    ApprovalRecord,
    PolicyRecord,
    PolicyTampered,
    as_utc,
    format_time,
)
from wallet_app.policy.policy_store import PolicyStore
from wallet_app.policy.reading import PolicyReader, single_active


def _name(record: PolicyRecord) -> str:
    return f"version {record.version} ({record.digest})"


def _refuse(problem: str) -> PolicyBundleError:
    return PolicyBundleError(f"The bundle is refused, nothing changed: {problem}")


def _key(approval: ApprovalRecord) -> tuple[str, bytes, object]:
    return to_checksum(approval.signer), approval.signature, as_utc(approval.signed_at)


class BundleLadder:
    def __init__(self, *, bundle: PolicyBundle, store: PolicyStore, reader: PolicyReader) -> None:
        self._bundle = bundle
        self._store = store
        self._reader = reader
        self._written: list[str] = []

    def climb(self) -> list[str]:
        """Write what the signer does not have yet; returns one line per change (none: the bundle held nothing new)."""
        records = self._store.load_records()
        stored = {r.digest: r for r in records}
        try:
            current = single_active(records)
        except PolicyTampered as exc:
            raise _refuse(plain(exc.user_message)) from None
        chain = self._bundle.policies
        start, promoted_here = self._start(current, stored)
        for index, entry in enumerate(chain):
            held = stored.get(entry.record.digest)
            if index < start:
                if held is None:
                    raise _refuse(f"{_name(entry.record)} is missing from the policy history stored here, though a "
                                  "later policy is in force (the database was edited)")
                expected = ACTIVE if current is not None and held.digest == current.digest else SUPERSEDED
                if held.state != expected:
                    raise _refuse(f"{_name(held)} is {held.state} here, where the bundle's history has it {expected}")
            if held is not None:
                self._require_same(held, entry)
        if promoted_here:
            return []  # its waiting change came into force here already: the bundle holds nothing newer
        for index in range(start, len(chain)):
            self._bring_into_force(index, stored.get(chain[index].record.digest))
        for entry in self._bundle.rejected:
            self._close(entry)
        for entry in self._bundle.pending:
            self._wait(entry)
        return self._written

    def _start(self, current: PolicyRecord | None, stored: dict[str, PolicyRecord]) -> tuple[int, bool]:
        """Where the bundle's history goes beyond what is stored here, and whether the signer already brought one of
        its waiting changes into force itself (its cooling-off ended here first)."""
        chain = [e.record for e in self._bundle.policies]
        in_force = chain[-1]
        if current is None:
            closed = next((stored[r.digest] for r in chain if r.digest in stored
                           and stored[r.digest].state not in OPEN_STATES), None)
            if closed is not None:
                raise _refuse(f"no policy is in force here, yet {_name(closed)} of the bundle's history is stored as "
                              f"{closed.state} (the database was edited)")
            return 0, False
        digests = [r.digest for r in chain]
        if current.digest in digests:
            return digests.index(current.digest) + 1, False
        if current.supersedes == in_force.digest and current.digest in {e.record.digest for e in self._bundle.pending}:
            return len(chain), True
        if in_force.digest in stored or in_force.version <= current.version:
            raise _refuse(f"its policy in force, {_name(in_force)}, is older than {_name(current)} in force here; a "
                          "bundle never brings an older policy back")
        raise _refuse(f"its history does not contain {_name(current)}, the policy in force here, so it does not "
                      "continue what this signer has (another governance vault's history, or another profile's)")

    def _require_same(self, held: PolicyRecord, entry: BundleRecord) -> None:
        r = entry.record
        if (held.version, held.text, held.supersedes, to_checksum(held.proposed_by), as_utc(held.proposed_at),
                held.proposer_signature) != (r.version, r.text, r.supersedes, r.proposed_by, r.proposed_at,
                                             r.proposer_signature):
            raise _refuse(f"{_name(r)} is stored here with another text, proposer or proposer's signature than the "
                          "bundle's")
        mine, theirs = {_key(a) for a in held.approvals}, {_key(a) for a in r.approvals}
        if not mine <= theirs:
            raise _refuse(f"{_name(r)} is stored here with an approval the bundle does not carry")
        if held.state not in OPEN_STATES and mine != theirs:
            raise _refuse(f"{_name(r)} is {held.state} here with fewer approvals than the bundle carries (approvals "
                          "are never added to a closed change)")

    def _record(self, entry: BundleRecord, held: PolicyRecord | None) -> list[str]:
        """The proposal with the proposer's own approval, then every other approval, each with its audit entry;
        returns what was added, in words."""
        r = entry.record
        done = []
        if held is None:
            own = tuple(a for a in r.approvals if a.signer == r.proposed_by and a.signature == r.proposer_signature)
            self._store.save_proposal(replace(r, state=PROPOSED, quorum_reached_at=None, effective_at=None,
                                              closed_at=None, closed_by=None, closed_signature=None, closed_reason="",
                                              approvals=own))
            have = {_key(a) for a in own}
            done.append(f"proposed by {r.proposed_by}")
        else:
            have = {_key(a) for a in held.approvals}
        added = [a for a in sorted(r.approvals, key=lambda a: (a.signed_at, a.signer)) if _key(a) not in have]
        for approval in added:
            self._store.save_approval(r.digest, approval)
        if added:
            done.append(f"approved by {', '.join(a.signer for a in added)}")
        return done

    def _bring_into_force(self, index: int, held: PolicyRecord | None) -> None:
        chain = self._bundle.policies
        r = chain[index].record
        if held is not None and held.state not in OPEN_STATES:
            raise _refuse(f"{_name(r)} is {held.state} here; the bundle has it {r.state}")
        done = self._record(chain[index], held)
        base = chain[index - 1].record if index else None
        assert r.quorum_reached_at is not None and r.effective_at is not None  # check_chaining
        closed_at = base.closed_at if base is not None else None
        self._store.save_activation(
            r.digest, base=base.digest if base is not None else None, quorum_reached_at=r.quorum_reached_at,
            effective_at=r.effective_at, now=closed_at or r.effective_at,
            stale_reason=f"stale: version {r.version} ({r.digest}) came into force (from a policy bundle); propose "
                         "the change again against it")
        later = f", then replaced by version {chain[index + 1].record.version}" if index + 1 < len(chain) else ""
        self._written.append(f"{_name(r)}: {'; '.join([*done, ''])}in force since {format_time(r.effective_at)}"
                             f"{later}")

    def _close(self, entry: BundleRecord) -> None:
        """A change open here that the bundle shows rejected (with the rejecter's signature) is closed the same way."""
        r = entry.record
        held = self._store.load_record(r.digest)
        if held is None or held.state == REJECTED:
            return
        if held.state not in OPEN_STATES:
            raise _refuse(f"{_name(r)} is {held.state} here, but the bundle shows it rejected")
        self._require_same(held, entry)
        check_rejecter(entry, self._reader)
        assert r.closed_by is not None and r.closed_at is not None
        self._store.save_rejection(r.digest, by=r.closed_by, signature=r.closed_signature, at=r.closed_at,
                                   reason=plain(r.closed_reason, 600) or f"rejected by {r.closed_by}")
        self._written.append(f"{_name(r)}: closed, rejected by {r.closed_by}")

    def _wait(self, entry: BundleRecord) -> None:
        """A change past its quorum, waiting for its cooling-off: recorded as approved; `active()` brings it into force
        when its effective time has come, here as online."""
        r = entry.record
        held = self._store.load_record(r.digest)
        if held is not None and held.state not in OPEN_STATES:
            raise _refuse(f"{_name(r)} is {held.state} here; the bundle has it waiting for its cooling-off")
        if held is not None:
            self._require_same(held, entry)
        done = self._record(entry, held)
        assert r.quorum_reached_at is not None and r.effective_at is not None  # check_chaining
        if held is None or held.state == PROPOSED:
            self._store.save_quorum(r.digest, quorum_reached_at=r.quorum_reached_at, effective_at=r.effective_at)
        if done or held is None or held.state == PROPOSED:
            self._written.append(f"{_name(r)}: {'; '.join([*done, ''])}waits for its cooling-off, in force from "
                                 f"{format_time(r.effective_at)}")
