"""`PolicyReader`: the recorded policies read back without trusting the rows (SECURITY I6, I7).

Each stored text is checked against its digest and parsed, each change is assessed against the owners of its
governance vault read now, and the policy in force is verified together with its on-disk copy `policy/active.toml`.
`PolicyService` reads through it. Nothing here signs or changes the state of a policy; the one write is bringing an
out-of-date on-disk copy back to the text in force.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.policy.compare import PolicyChange, compare_policies, is_loosening
from wallet_app.policy.document import PolicyDocument, PolicyFileError, parse_policy
from wallet_app.policy.governance import (
    ACTIVE,
    OPEN_STATES,
    SUPERSEDED,
    ChangeAssessment,
    LoadOwners,
    NoActivePolicy,
    PolicyGovernanceError,
    PolicyNotInForce,
    PolicyRecord,
    PolicyTampered,
    PolicyUnverifiable,
    check_proposer_signature,
    check_quorum,
    compute_text_digest,
    digest_hex,
    find_tampering_of_active,
)
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.views import (
    ActivePolicy,
    PolicyDraft,
    PolicyHistoryEntry,
    build_active_policy,
    build_draft,
    build_history_entry,
    build_unverified_draft,
)

_MEMO_SIZE = 64
Owners = Callable[[str], tuple[tuple[str, ...], int]]  # (owners, threshold) of a vault, read once per operation


def single_active(records: Sequence[PolicyRecord]) -> PolicyRecord | None:
    """The row marked in force, if any; more than one is tampering."""
    actives = [r for r in records if r.state == ACTIVE]
    if len(actives) > 1:
        raise PolicyTampered(f"{len(actives)} policies are marked in force at once; every transaction is denied")
    return actives[0] if actives else None


class PolicyReader:
    """A profile's recorded policies, verified on every call. Parsed texts and comparisons are kept, keyed by the
    digest computed from the text itself (never by a stored one), so the engine's check before every decision does
    not parse the file again."""

    def __init__(self, *, store: PolicyStore, load_owners: LoadOwners, chain_id: int,
                 active_file: ActivePolicyFile) -> None:
        self._store = store
        self._load_owners = load_owners
        self._chain_id = chain_id
        self._file = active_file
        self._parsed: dict[bytes, PolicyDocument] = {}
        self._compared: dict[tuple[bytes, bytes], tuple[PolicyChange, ...]] = {}

    # -- rows and texts -------------------------------------------------------------------------------------------
    def record(self, digest: str) -> PolicyRecord:
        record = self._store.load_record(digest)
        if record is None:
            raise PolicyGovernanceError(f"No policy with digest {digest} is recorded")
        return record

    def history(self) -> list[PolicyHistoryEntry]:
        """Every recorded policy, newest proposal first, as stored (no network)."""
        return [build_history_entry(r) for r in reversed(self._store.load_records())]

    def document(self, record: PolicyRecord) -> PolicyDocument:
        """The stored text, checked against its digest and parsed; any mismatch is tampering."""
        digest = compute_text_digest(record.text)
        if digest_hex(digest) != record.digest:
            raise PolicyTampered(f"The stored text of policy version {record.version} does not match its digest "
                                 f"{record.digest}: it was edited in the database. Every transaction is denied.")
        document = self._parsed.get(digest)
        if document is None:
            try:
                document = parse_policy(record.text, source=f"stored policy version {record.version}")
            except PolicyFileError as exc:
                raise PolicyTampered(f"The stored policy version {record.version} no longer reads as a policy: "
                                     f"{exc.user_message}") from None
            if len(self._parsed) >= _MEMO_SIZE:
                self._parsed.clear()
            self._parsed[digest] = document
        if document.version != record.version or document.chain_id != self._chain_id:
            raise PolicyTampered(f"The stored policy {record.digest} says version {document.version} on chain "
                                 f"{document.chain_id}, but its row says version {record.version} on chain "
                                 f"{self._chain_id}")
        return document

    # -- comparing ----------------------------------------------------------------------------------------------
    def compare(self, draft_digest: str) -> list[PolicyChange]:
        """What the draft changes in the policy it would replace (the one in force when it was proposed); empty for
        a profile's first policy."""
        record = self.record(draft_digest)
        if record.supersedes is None:
            return []
        by_digest = {r.digest: r for r in self._store.load_records()}
        base = by_digest.get(record.supersedes)
        if base is None:
            raise PolicyTampered(f"The policy that version {record.version} replaces ({record.supersedes}) is "
                                 "missing from the database")
        return list(self.compare_documents(self.document(base), self.document(record)))

    def compare_documents(self, base: PolicyDocument, draft: PolicyDocument) -> tuple[PolicyChange, ...]:
        key = (base.digest, draft.digest)
        changes = self._compared.get(key)
        if changes is None:
            changes = tuple(compare_policies(base, draft))
            if len(self._compared) >= _MEMO_SIZE:
                self._compared.clear()
            self._compared[key] = changes
        return changes

    # -- governance: owners, vault, assessment ------------------------------------------------------------------
    def owners_reader(self) -> Owners:
        """Owners and threshold per vault, read once per operation. A failure means nothing can be verified."""
        cache: dict[str, tuple[tuple[str, ...], int]] = {}

        def read(vault: str) -> tuple[tuple[str, ...], int]:
            if vault not in cache:
                try:
                    owners, threshold = self._load_owners(vault)
                except PolicyNotInForce:
                    raise
                except Exception as exc:  # fail closed on anything, translated or not
                    reason = exc.user_message if isinstance(exc, WalletError) else type(exc).__name__
                    raise PolicyUnverifiable(
                        f"The owners of the governance vault {vault} could not be read ({reason}); policy approvals "
                        "cannot be verified until they can, and every transaction is denied meanwhile") from exc
                cache[vault] = (tuple(to_checksum(o) for o in owners), int(threshold))
            return cache[vault]

        return read

    def governing_vault(self, record: PolicyRecord, by_digest: dict[str, PolicyRecord] | None = None) -> str:
        if record.supersedes is None:
            return to_checksum(self.document(record).governance.vault)
        rows = by_digest if by_digest is not None else {r.digest: r for r in self._store.load_records()}
        base = rows.get(record.supersedes)
        if base is None:
            raise PolicyTampered(f"The policy that version {record.version} replaces ({record.supersedes}) is "
                                 "missing from the database")
        return to_checksum(self.document(base).governance.vault)

    def assess(self, record: PolicyRecord, by_digest: dict[str, PolicyRecord], owners_of: Owners,
               ) -> ChangeAssessment:
        document = self.document(record)
        base = base_document = None
        if record.supersedes is not None:
            base = by_digest.get(record.supersedes)
            if base is None:
                raise PolicyTampered(f"The policy that version {record.version} replaces ({record.supersedes}) is "
                                     "missing from the database")
            base_document = self.document(base)
        governing = (base_document or document).governance
        vault = to_checksum(governing.vault)
        owners, threshold = owners_of(vault)
        governing_document = base_document or document
        roles = {name: governing_document.book.roles[name].members for name in governing.roles
                 if name in governing_document.book.roles}
        quorum = check_quorum(record, chain_id=self._chain_id, vault=vault, policy_quorum=governing.quorum,
                              owners=owners, threshold=threshold, roles=roles)
        changes: tuple[PolicyChange, ...] = ()
        loosens = False
        if base_document is not None:
            changes = self.compare_documents(base_document, document)
            loosens = is_loosening(list(changes))
        return ChangeAssessment(
            record=record, document=document, base=base, base_document=base_document, quorum=quorum,
            changes=changes, loosens=loosens,
            delay_seconds=base_document.loosening_delay_seconds if base_document is not None and loosens else 0,
            proposer_problem=check_proposer_signature(record, chain_id=self._chain_id, vault=vault),
        )

    # -- open proposals -----------------------------------------------------------------------------------------
    def drafts(self, records: list[PolicyRecord], owners_of: Owners) -> list[PolicyDraft]:
        """The open proposals among `records` (proposed, or approved and waiting), each verified."""
        by_digest = {r.digest: r for r in records}
        active = next((r.digest for r in records if r.state == ACTIVE), None)
        return [self._draft(r, by_digest, owners_of, active) for r in records if r.state in OPEN_STATES]

    def view(self, digest: str, owners_of: Owners | None = None) -> PolicyDraft:
        """One recorded policy as a draft, as it stands now (after an action on it)."""
        records = self._store.load_records()
        by_digest = {r.digest: r for r in records}
        active = next((r.digest for r in records if r.state == ACTIVE), None)
        return self._draft(by_digest[digest], by_digest, owners_of or self.owners_reader(), active)

    def _draft(self, record: PolicyRecord, by_digest: dict[str, PolicyRecord], owners_of: Owners,
               active: str | None) -> PolicyDraft:
        stale = record.state in OPEN_STATES and record.supersedes != active
        try:
            assessment = self.assess(record, by_digest, owners_of)
        except PolicyNotInForce as exc:
            return build_unverified_draft(record, stale=stale, problem=exc.user_message)
        return build_draft(record, assessment, stale=stale)

    # -- the policy in force ------------------------------------------------------------------------------------
    def verify_active(self, records: list[PolicyRecord], now: datetime, owners_of: Owners, *,
                      check_file: bool) -> ActivePolicy:
        active = single_active(records)
        file_text = self._file.load_text() if check_file else None
        if active is None:
            if file_text is not None:
                raise PolicyTampered("The database holds no policy in force, but policy/active.toml does: policy "
                                     "rows may have been deleted. Every transaction is denied.")
            raise NoActivePolicy("No active policy: every transaction is denied. Propose a policy; it takes effect "
                                 "when the governance quorum has approved it.")
        assessment = self.assess(active, {r.digest: r for r in records}, owners_of)
        problems = find_tampering_of_active(assessment, records, now)
        if problems:
            raise PolicyTampered(f"The policy in force (version {active.version}, {active.digest}) fails its checks, "
                                 f"so every transaction is denied: {'; '.join(problems)}")
        notes = self._check_file(active, records, file_text) if check_file else ()
        return build_active_policy(active, assessment, notes)

    def _check_file(self, active: PolicyRecord, records: list[PolicyRecord], text: str | None) -> tuple[str, ...]:
        """The on-disk copy must be the text in force. A missing copy, or one of a policy that was in force before
        (a crash between the commit and the file write, or another desktop's promotion on a shared database), is
        brought up to date; any other text was written outside Custos: tampering."""
        if text == active.text:
            return ()
        if text is None:
            self._file.save_text(active.text)
            return ("policy/active.toml was missing; it was written again from the policy in force",)
        digest = digest_hex(compute_text_digest(text))
        older = next((r for r in records if r.state == SUPERSEDED and r.digest == digest and r.text == text), None)
        if older is not None:
            self._file.save_text(active.text)
            return (f"policy/active.toml still held version {older.version}; it was brought up to date",)
        raise PolicyTampered(
            f"policy/active.toml differs from the policy in force (version {active.version}, {active.digest}): it "
            "was edited outside Custos. Every transaction is denied until it is restored from the signed policy.")
