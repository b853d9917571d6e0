"""`PolicyService`: the policy in force, and changing it under the governance quorum (issue 5, SECURITY I6, I7, B6).

A person proposes a policy file; it is recorded with the proposer's EIP-712 signature (`approval_typed_data`).
Owners of the governance vault approve it with their keys. At the quorum (`governance`), a change that only
tightens the policy takes effect at once; one that loosens it waits for the replaced policy's
`loosening_delay_seconds`, during which any owner (or the proposer) may reject it. A later change that comes into
force first closes every other open proposal made against the same policy (they would undo it): they are proposed
again against the new one.

`active(now)` is what the policy engine asks before every decision. It raises `PolicyNotInForce` (no policy,
tampered rows or file, owners unreadable, quorum lost): the caller then denies every transaction with its
`user_message`. Nothing is cached: every call re-reads the rows, re-verifies the text and the signatures against
the vault's owners read now, and compares the on-disk copy `policy/active.toml`.

Calls that sign take the key's password and ask it every time (as token approvals do); the key is locked again
afterwards unless it was unlocked before. While it is unlocked it also signs the audit entry of the vote (EIP-191
over the entry's hash, in the store's transaction); an approval signed elsewhere (`submit_approval`) is logged with
its own signature only. Methods take `now` (tests pass a fixed clock); it defaults to the clock.

The rows are read and verified through a `PolicyReader` (`reading`); what the service returns is in `views`; a
profile's service is built in `service_setup`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from wallet_app.audit.entry import entry_signer
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import KeyNotFound, WatchOnly
from wallet_app.policy.approval_typed_data import PolicyAction, PolicyVote, build_typed_data, compute_vote_digest
from wallet_app.policy.compare import PolicyChange
from wallet_app.policy.document import PolicyDocument, parse_policy
from wallet_app.policy.governance import (
    APPROVED,
    OPEN_STATES,
    PROPOSED,
    ApprovalRecord,
    ChangeAssessment,
    InvalidPolicySignature,
    LoadOwners,
    PolicyConflict,
    PolicyGovernanceError,
    PolicyNotInForce,
    PolicyRecord,
    PolicyTampered,
    build_vote,
    compute_text_digest,
    digest_hex,
    recover_vote_signer,
    required_quorum,
    signing_time,
)
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.reading import Owners, PolicyReader, single_active
from wallet_app.policy.views import ActivePolicy, PolicyDraft, PolicyHistoryEntry

if TYPE_CHECKING:
    from wallet_app.keys.signer import Signer
    from wallet_app.keys.views import KeyView

Sign = Callable[[PolicyVote], bytes]
EntrySign = Callable[[str], bytes]  # signs an audit entry (given its hash) with the voter's key


class PolicyKeys(Protocol):
    """The parts of `KeyService` that signing a policy vote uses."""

    def load_keys(self) -> list[KeyView]: ...
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None: ...
    def signer(self, address: str) -> Signer: ...
    def lock(self, address: str) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class PolicyService:
    def __init__(
        self,
        *,
        store: PolicyStore,
        load_owners: LoadOwners,
        chain_id: int,
        active_file: ActivePolicyFile,
        keys: PolicyKeys | None = None,
        clock: Callable[[], datetime] = utc_now,
        counterparty_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self._store = store
        self._counterparty_of = counterparty_of  # address -> the name of the counterparty record holding it
        self._chain_id = chain_id
        self._file = active_file
        self._keys = keys
        self._clock = clock
        self._reader = PolicyReader(store=store, load_owners=load_owners, chain_id=chain_id, active_file=active_file)

    # -- the policy in force ------------------------------------------------------------------------------------
    def active(self, now: datetime | None = None) -> ActivePolicy:
        """The policy in force at `now`, after promoting a waiting change whose cooling-off has passed. Raises
        `PolicyNotInForce` (deny every transaction) when there is none or it fails any check."""
        moment = self._now(now)
        owners = self._reader.owners_reader()
        records = self._promote_due(moment, owners)
        return self._reader.verify_active(records, moment, owners, check_file=True)

    def restore_active_file(self, now: datetime | None = None) -> ActivePolicy:
        """Write `policy/active.toml` again from the verified policy in force (after an edit was investigated)."""
        moment = self._now(now)
        owners = self._reader.owners_reader()
        active = self._reader.verify_active(self._promote_due(moment, owners), moment, owners, check_file=False)
        self._file.save_text(active.document.text)
        return active

    # -- reading ----------------------------------------------------------------------------------------------
    def drafts(self, now: datetime | None = None) -> list[PolicyDraft]:
        """Open proposals (proposed, or approved and waiting), each verified against the owners read now."""
        moment = self._now(now)
        owners = self._reader.owners_reader()
        try:
            records = self._promote_due(moment, owners)
        except PolicyNotInForce:
            records = self._store.load_records()
        return self._reader.drafts(records, owners)

    def history(self) -> list[PolicyHistoryEntry]:
        """Every recorded policy, newest proposal first, as stored (no network)."""
        return self._reader.history()

    def compare(self, draft_digest: str) -> list[PolicyChange]:
        """What the draft changes in the policy it would replace (the one in force when it was proposed); empty for
        a profile's first policy."""
        return self._reader.compare(draft_digest)

    def build_approval_typed_data(self, digest: str, signed_at: datetime) -> dict[str, Any]:
        """The EIP-712 message approving `digest`, for a signer outside this profile (submit with
        `submit_approval`)."""
        record = self._reader.record(digest)
        vault = self._reader.governing_vault(record)
        return build_typed_data(build_vote(PolicyAction.APPROVE, self._chain_id, vault, record.digest,
                                           record.version, record.supersedes, signing_time(signed_at)))

    # -- proposing, approving, rejecting --------------------------------------------------------------------------
    def propose(self, text: str, proposer_key: str, password: str, *, now: datetime | None = None) -> PolicyDraft:
        """Record a new version, signed by `proposer_key`. A file that does not parse is refused with its line and
        reason (`PolicyFileError`) and nothing changes."""
        address = self._signing_key(proposer_key)
        with self._key_signer(address, password) as session:
            return self._propose(text, address, session.sign_vote, self._now(now), sign_entry=session.sign_entry)

    def propose_with(self, text: str, signer: Signer, *, now: datetime | None = None) -> PolicyDraft:
        """`propose` with a signer that is already open (the demo seeding, a hardware signer)."""
        return self._propose(text, to_checksum(signer.address), _signer_sign(signer), self._now(now),
                             sign_entry=entry_signer(signer))

    def approve(self, digest: str, key: str, password: str, *, now: datetime | None = None) -> PolicyDraft:
        address = self._signing_key(key)
        with self._key_signer(address, password) as session:
            return self._approve(digest, address, session.sign_vote, self._now(now), sign_entry=session.sign_entry)

    def approve_with(self, digest: str, signer: Signer, *, now: datetime | None = None) -> PolicyDraft:
        return self._approve(digest, to_checksum(signer.address), _signer_sign(signer), self._now(now),
                             sign_entry=entry_signer(signer))

    def submit_approval(self, digest: str, signer: str, signature: bytes, signed_at: datetime, *,
                        now: datetime | None = None) -> PolicyDraft:
        """An approval signed elsewhere (offline signer): verified exactly as one signed here."""
        moment = self._now(now)
        if signed_at.tzinfo is None:
            raise ValueError("`signed_at` must be an aware datetime")
        at = signing_time(signed_at)
        if at != signed_at.astimezone(UTC) or at > moment:
            raise PolicyGovernanceError("The signing time must be whole seconds and not in the future")
        return self._approve(digest, to_checksum(signer), lambda _vote: signature, moment, signed_at=at)

    def reject(self, digest: str, key: str, password: str, *, reason: str = "",
               now: datetime | None = None) -> PolicyDraft:
        """Close an open proposal with a signed rejection. Any current owner of the governance vault, or the
        proposer, may reject; for a loosening change that is what the cooling-off is for."""
        address = self._signing_key(key)
        moment = self._now(now)
        record = self._reader.record(digest)
        if record.state not in OPEN_STATES:
            raise PolicyGovernanceError(f"Version {record.version} is {record.state}: only an open proposal can be "
                                        "rejected")
        vault = self._reader.governing_vault(record)
        owners, _threshold = self._reader.owners_reader()(vault)
        if address != to_checksum(record.proposed_by) and address not in owners:
            raise PolicyGovernanceError(f"{address} is neither the proposer nor an owner of the governance vault "
                                        f"{vault}: it cannot reject this change")
        at = signing_time(moment)
        vote = build_vote(PolicyAction.REJECT, self._chain_id, vault, record.digest, record.version,
                          record.supersedes, at)
        text = " ".join(reason.split())[:500]
        with self._key_signer(address, password) as session:
            signature = self._signed(vote, address, session.sign_vote)
            self._store.save_rejection(digest, by=address, signature=signature, at=at,
                                       reason=f"rejected by {address}" + (f": {text}" if text else ""),
                                       sign_entry=session.sign_entry)
        return self._reader.view(digest)

    # -- internals: changes -------------------------------------------------------------------------------------
    def _propose(self, text: str, proposer: str, sign: Sign, now: datetime, *,
                 sign_entry: EntrySign | None = None) -> PolicyDraft:
        document = parse_policy(text, source="the proposed policy")
        if document.chain_id != self._chain_id:
            raise PolicyGovernanceError(f"The policy is for chain {document.chain_id}; this profile is on chain "
                                        f"{self._chain_id}")
        digest = digest_hex(compute_text_digest(text))
        records = self._store.load_records()
        known = next((r for r in records if r.digest == digest), None)
        if known is not None:
            raise PolicyGovernanceError(f"This exact policy text (version {known.version}) is already recorded, "
                                        f"{known.state}")
        active = single_active(records)
        base_document = self._reader.document(active) if active is not None else None
        if base_document is not None and document.version <= base_document.version:
            raise PolicyGovernanceError(f"The policy's version must be above {base_document.version}, the version "
                                        f"in force; it is {document.version}")
        if self._counterparty_of is not None:
            require_counterparties(document, base_document, self._counterparty_of)
        governing = (base_document or document).governance
        owners_of = self._reader.owners_reader()
        vault = to_checksum(governing.vault)
        owners, threshold = owners_of(vault)
        required = required_quorum(governing.quorum, threshold)
        if required > len(owners):
            raise PolicyGovernanceError(f"The governance quorum of {vault} ({required}) is more than its "
                                        f"{len(owners)} owners: it can never be reached")
        _require_reachable(base_document or document, owners, "The governance")
        own = document.governance
        own_owners, own_threshold = owners_of(to_checksum(own.vault))
        if required_quorum(own.quorum, own_threshold) > len(own_owners):
            raise PolicyGovernanceError(f"This policy's own governance quorum ({own.quorum}) is more than the "
                                        f"{len(own_owners)} owners of {to_checksum(own.vault)}: once in force it "
                                        "could never be changed")
        _require_reachable(document, own_owners, "This policy's own governance")
        at = signing_time(now)
        supersedes = active.digest if active is not None else None
        vote = build_vote(PolicyAction.APPROVE, self._chain_id, vault, digest, document.version, supersedes, at)
        signature = self._signed(vote, proposer, sign)
        approvals = (ApprovalRecord(proposer, signature, at),) if proposer in owners else ()
        self._store.save_proposal(PolicyRecord(
            digest=digest, version=document.version, text=text, proposed_by=proposer, proposed_at=at,
            proposer_signature=signature, state=PROPOSED, supersedes=supersedes, quorum_reached_at=None,
            effective_at=None, closed_at=None, closed_by=None, closed_signature=None, closed_reason="",
            approvals=approvals,
        ), sign_entry=sign_entry)
        return self._settle(digest, now, owners_of)

    def _approve(self, digest: str, signer: str, sign: Sign, now: datetime, *,
                 signed_at: datetime | None = None, sign_entry: EntrySign | None = None) -> PolicyDraft:
        records = self._store.load_records()
        record = next((r for r in records if r.digest == digest), None)
        if record is None:
            raise PolicyGovernanceError(f"No policy with digest {digest} is recorded")
        if record.state not in OPEN_STATES:
            raise PolicyGovernanceError(f"Version {record.version} is {record.state}: only an open proposal can be "
                                        "approved")
        active = single_active(records)
        if record.supersedes != (active.digest if active is not None else None):
            self._store.save_rejection(digest, by=None, signature=None, at=now, reason=_stale_reason(active))
            raise PolicyGovernanceError(f"Version {record.version} was proposed against a policy that is no longer "
                                        "in force; it was closed. Propose it again against the policy in force.")
        owners_of = self._reader.owners_reader()
        vault = self._reader.governing_vault(record, {r.digest: r for r in records})
        owners, _threshold = owners_of(vault)
        if signer not in owners:
            raise PolicyGovernanceError(f"{signer} is not a current owner of the governance vault {vault}: its "
                                        "approval would not count, so it is not recorded")
        if any(_same_address(a.signer, signer) for a in record.approvals):
            return self._settle(digest, now, owners_of)  # already approved: idempotent
        at = signed_at if signed_at is not None else signing_time(now)
        vote = build_vote(PolicyAction.APPROVE, self._chain_id, vault, digest, record.version, record.supersedes, at)
        signature = self._signed(vote, signer, sign)
        self._store.save_approval(digest, ApprovalRecord(signer, signature, at), sign_entry=sign_entry)
        return self._settle(digest, now, owners_of)

    def _signed(self, vote: PolicyVote, signer: str, sign: Sign) -> bytes:
        """Sign (or take) the signature and check it is `signer`'s for exactly this vote before storing it (C8)."""
        signature = sign(vote)
        if recover_vote_signer(vote, signature) != signer:
            raise InvalidPolicySignature(f"The signature is not {signer}'s for this policy, predecessor, "
                                         "governance vault and chain; nothing was recorded")
        return signature

    def _settle(self, digest: str, now: datetime, owners_of: Owners) -> PolicyDraft:
        """After a new signature: at the quorum, take effect now (tightening, first policy) or wait (loosening)."""
        records = self._store.load_records()
        by_digest = {r.digest: r for r in records}
        record = by_digest[digest]
        assessment = self._reader.assess(record, by_digest, owners_of)
        if assessment.forged:
            raise PolicyTampered(f"Version {record.version} carries approvals that do not verify, so it cannot take "
                                 f"effect: {'; '.join(assessment.forged)}")
        effective = assessment.effective_at
        reached = assessment.quorum.reached_at
        if effective is not None and reached is not None:
            if effective <= now:
                self._activate(assessment, now)
            elif record.state == PROPOSED:
                self._store.save_quorum(digest, quorum_reached_at=reached, effective_at=effective)
        return self._reader.view(digest, owners_of)

    def _activate(self, assessment: ChangeAssessment, now: datetime) -> None:
        record = assessment.record
        reached, effective = assessment.quorum.reached_at, assessment.effective_at
        assert reached is not None and effective is not None
        self._store.save_activation(
            record.digest, base=record.supersedes, quorum_reached_at=reached, effective_at=effective, now=now,
            stale_reason=f"stale: version {record.version} ({record.digest}) came into force first; propose the "
                         "change again against it")
        self._file.save_text(record.text)  # after the commit: a crash in between is repaired on the next load

    def _promote_due(self, now: datetime, owners_of: Owners) -> list[PolicyRecord]:
        """Put in force an approved change whose cooling-off has passed; returns the rows as they are then."""
        records = self._store.load_records()
        active = single_active(records)
        base = active.digest if active is not None else None
        by_digest = {r.digest: r for r in records}
        due: list[ChangeAssessment] = []
        for record in records:
            if record.state != APPROVED or record.supersedes != base:
                continue
            assessment = self._reader.assess(record, by_digest, owners_of)
            if assessment.forged:
                raise PolicyTampered(f"The waiting change to version {record.version} carries approvals that do not "
                                     f"verify: {'; '.join(assessment.forged)}")
            if assessment.effective_at is not None and assessment.effective_at <= now:
                due.append(assessment)
        if not due:
            return records
        first = min(due, key=lambda a: (a.effective_at or now, a.record.digest))
        try:
            self._activate(first, now)
        except PolicyConflict:
            pass  # another desktop promoted meanwhile; the rows read next say what is in force
        return self._store.load_records()

    # -- internals: keys, time -------------------------------------------------------------------------------
    def _signing_key(self, key: str) -> str:
        keys = self._require_keys()
        address = to_checksum(key)
        view = next((k for k in keys.load_keys() if k.address == address), None)
        if view is None:
            raise KeyNotFound(f"{address} is not one of this profile's keys")
        if getattr(view.kind, "value", view.kind) == "watch":
            raise WatchOnly(f"{view.label} is a watch-only address: it cannot sign a policy")
        return address

    def _key_signer(self, address: str, password: str) -> _KeySession:
        return _KeySession(self._require_keys(), address, password)

    def _require_keys(self) -> PolicyKeys:
        if self._keys is None:
            raise PolicyGovernanceError("This policy service has no keys to sign with")
        return self._keys

    def _now(self, now: datetime | None) -> datetime:
        moment = now if now is not None else self._clock()
        if moment.tzinfo is None:
            raise ValueError("`now` must be an aware datetime")
        return moment.astimezone(UTC)


def _require_reachable(document: PolicyDocument, owners: Sequence[str], whose: str) -> None:
    """Every governance role needs a member among the governance vault's owners, or no quorum is ever complete."""
    for name in document.governance.roles:
        role = document.book.roles.get(name)
        if role is None or not set(role.members) & set(owners):
            raise PolicyGovernanceError(f"{whose} needs an approval from role {name}, but no member of it is an owner "
                                        f"of {to_checksum(document.governance.vault)}: its quorum can never be "
                                        "reached")


def _signer_sign(signer: Signer) -> Sign:
    return lambda vote: signer.sign_digest(compute_vote_digest(vote)).to_bytes()


class _KeySession:
    """A profile key for one vote: unlocked with the password when the vote is signed (the password is asked every
    time, unlocked or not), still open while the vote's audit entry is signed in the store's transaction, and locked
    again when the `with` block ends unless it was unlocked before."""

    def __init__(self, keys: PolicyKeys, address: str, password: str) -> None:
        self._keys, self._address, self._password = keys, address, password
        self._relock = False

    def __enter__(self) -> _KeySession:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._relock:
            self._relock = False
            self._keys.lock(self._address)

    def sign_vote(self, vote: PolicyVote) -> bytes:
        keys, address = self._keys, self._address
        was_unlocked = any(k.address == address and k.unlocked for k in keys.load_keys())
        keys.unlock(address, self._password)
        self._relock = self._relock or not was_unlocked
        return keys.signer(address).sign_digest(compute_vote_digest(vote)).to_bytes()

    def sign_entry(self, entry_hash: str) -> bytes:
        return entry_signer(self._keys.signer(self._address))(entry_hash)


def _stale_reason(active: PolicyRecord | None) -> str:
    if active is None:
        return "stale: the policy it was to replace is no longer in force"
    return f"stale: version {active.version} ({active.digest}) is in force now; propose the change again against it"


def _same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


COUNTERPARTY_KINDS = ("investor", "counterparty")


def require_counterparties(document: PolicyDocument, base: PolicyDocument | None,
                           counterparty_of: Callable[[str], str | None]) -> None:
    """A contact of kind investor or counterparty that is new (or whose counterparty changes) must name the
    counterparty record that holds its address."""
    before = base.book.contacts if base is not None else {}
    for address, contact in document.book.contacts.items():
        if contact.kind not in COUNTERPARTY_KINDS:
            continue
        old = before.get(address)
        if old is not None and old.counterparty == contact.counterparty:
            continue
        if not contact.counterparty:
            raise PolicyGovernanceError(f"Contact '{contact.label}' ({contact.kind}) must name its counterparty: add "
                                        'counterparty = "NAME" (a record of custos counterparty list); nothing was '
                                        "proposed")
        owner = counterparty_of(address)
        if owner is None:
            raise PolicyGovernanceError(f"The address of contact '{contact.label}' ({address}) is no counterparty's "
                                        "address: add it first (custos counterparty add-address); nothing was "
                                        "proposed")
        if owner != contact.counterparty:
            raise PolicyGovernanceError(f"The address of contact '{contact.label}' belongs to counterparty "
                                        f"'{owner}', not '{contact.counterparty}'; nothing was proposed")
