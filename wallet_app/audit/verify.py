"""Checking the audit log: `verify_log` walks the chain from the first entry and names the FIRST bad one, and why.

For each entry, in `seq` order:
1. `seq` follows the previous one without a gap (a gap: entries were deleted);
2. its hash matches its content (a mismatch: the entry was edited). When the content matches under another `seq`, the
   entry was renumbered, and the entry it links to says what happened: entries inserted before it, entries deleted
   before it, or entries reordered;
3. `prev_hash` is the previous entry's hash (a broken link: the previous entry was replaced, or entries were
   inserted, deleted or reordered);
4. a signature recovers (EIP-191 over the entry hash, see `entry`) to the entry's actor, and, given `key_lookup`, the
   actor is (or was) a key of this profile; a signing action by an address carries the actor's signature over the
   entry or the action's own signature (`detail["action_signature"]`, approvals signed outside this profile).
With `expect_head` (a `seq:hash` anchored outside the database, M3) the log must still hold that entry, unchanged:
deleting the last entries is otherwise invisible, since what remains is a valid chain.

What it cannot see: an attacker with write access to the database who rewrites every entry after the last signed
one (or appends well-formed unsigned entries) leaves a valid chain; signatures and external anchors bound that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from wallet_app.audit.actions import SIGNING_ACTIONS
from wallet_app.audit.entry import ZERO_HASH, AuditEntry, recover_entry_signer
from wallet_app.audit.stored import AuditHead, load_all

KeyLookup = Callable[[str], bool]
"""Was this address ever a key of the profile?"""
MAX_RENUMBER = 64  # how far a renumbered entry is looked for (diagnosis only: any mismatch is reported anyway)


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    seq: int  # the first bad entry (for a deletion: the first missing one)
    kind: str  # edited, deleted, inserted, reordered, broken_link, bad_signature, unsigned, unknown_signer, truncated
    message: str  # one line, starting "entry N: "


@dataclass(frozen=True, slots=True)
class VerifyReport:
    entries: int
    signed: int  # entries whose signature verified
    head: AuditHead | None  # the last entry as stored
    problem: VerifyProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.problem is not None:
            return self.problem.message
        if self.head is None:
            return "The audit log is empty."
        return (f"The audit log is intact: {self.entries} entries, {self.signed} signed, head "
                f"{self.head.text()}.")

    def to_json(self) -> dict[str, Any]:
        problem = self.problem
        return {
            "intact": self.intact, "entries": self.entries, "signed": self.signed,
            "head": None if self.head is None else {"seq": self.head.seq, "entry_hash": self.head.entry_hash},
            "first_bad": None if problem is None else {"seq": problem.seq, "kind": problem.kind,
                                                       "message": problem.message},
            "message": self.describe(),
        }


def verify_log(engine: Engine, *, key_lookup: KeyLookup | None = None,
               expect_head: AuditHead | None = None) -> VerifyReport:
    return verify_entries(load_all(engine), key_lookup=key_lookup, expect_head=expect_head)


def verify_entries(entries: Sequence[AuditEntry], *, key_lookup: KeyLookup | None = None,
                   expect_head: AuditHead | None = None) -> VerifyReport:
    """`entries` as stored, in `seq` order."""
    rows = list(entries)
    head = AuditHead(rows[-1].seq, rows[-1].entry_hash) if rows else None
    signed = 0
    by_hash = {row.entry_hash: i for i, row in enumerate(rows)}
    prev_hash, expected = ZERO_HASH, 1
    for i, row in enumerate(rows):
        problem = _check_place(rows, i, expected, prev_hash, by_hash)
        if problem is None:
            problem, ok = _check_signature(row, key_lookup)
            signed += ok
        if problem is not None:
            return VerifyReport(len(rows), signed, head, problem)
        prev_hash, expected = row.entry_hash, row.seq + 1
    return VerifyReport(len(rows), signed, head, _check_anchor(rows, expect_head))


def _check_place(rows: list[AuditEntry], i: int, expected: int, prev_hash: str,
                 by_hash: dict[str, int]) -> VerifyProblem | None:
    row = rows[i]
    if row.seq != expected:
        missing = f"entries {expected} to {row.seq - 1} are" if row.seq - 1 > expected else "it is"
        return VerifyProblem(expected, "deleted", f"entry {expected}: missing from the log ({missing} deleted)")
    original = row.seq if row.compute_hash() == row.entry_hash else _original_seq(row)
    if original is None:
        return VerifyProblem(row.seq, "edited", f"entry {row.seq}: its hash does not match its content (edited?)")
    if original == row.seq and row.prev_hash == prev_hash:
        return None
    linked = -1 if row.prev_hash == ZERO_HASH else by_hash.get(row.prev_hash)
    was = f" (it was entry {original})" if original != row.seq else ""
    if linked is None:
        if original > row.seq:
            return VerifyProblem(row.seq, "deleted", f"entry {row.seq}: missing from the log: the entry numbered "
                                                     f"{row.seq} now was entry {original} (deleted and renumbered)")
        if i == 0:
            return VerifyProblem(row.seq, "deleted", f"entry {row.seq}: it links to an entry that is not in the log "
                                                     "(the beginning of the log was deleted)")
        before = rows[i - 1].seq
        return VerifyProblem(before, "broken_link", f"entry {before}: entry {row.seq} does not link to it (it was "
                                                    f"replaced, or entry {row.seq} was rewritten){was}")
    if linked >= i:
        after = rows[linked].seq
        return VerifyProblem(row.seq, "reordered", f"entry {row.seq}: out of order{was}: it follows entry {after}")
    if linked < i - 1:
        first = rows[linked + 1].seq
        place = f"follows entry {rows[linked].seq}" if linked >= 0 else "was the first"
        return VerifyProblem(first, "inserted", f"entry {first}: inserted (entry {row.seq}{was} {place})")
    return VerifyProblem(row.seq, "edited", f"entry {row.seq}: renumbered{was} (edited?)")


def _original_seq(row: AuditEntry) -> int | None:
    """The `seq` the entry's content was hashed with, when only its number changed."""
    for shift in range(1, MAX_RENUMBER + 1):
        for seq in (row.seq - shift, row.seq + shift):
            if seq >= 1 and replace(row, seq=seq).compute_hash() == row.entry_hash:
                return seq
    return None


def _check_signature(row: AuditEntry, key_lookup: KeyLookup | None) -> tuple[VerifyProblem | None, bool]:
    if row.signature is not None:
        try:
            signer = recover_entry_signer(row.entry_hash, row.signature)
        except ValueError as exc:
            return VerifyProblem(row.seq, "bad_signature", f"entry {row.seq}: its signature is unusable ({exc})"), False
        if signer.lower() != row.actor.lower():
            return VerifyProblem(row.seq, "bad_signature", f"entry {row.seq}: its signature is not {row.actor}'s "
                                                           f"(it recovers to {signer}): forged or edited"), False
        if key_lookup is not None and not key_lookup(signer):
            return VerifyProblem(row.seq, "unknown_signer", f"entry {row.seq}: signed by {signer}, which was never "
                                                            "a key of this profile"), False
        return None, True
    if row.action in SIGNING_ACTIONS and row.actor.startswith("0x") and "action_signature" not in row.details():
        return VerifyProblem(row.seq, "unsigned", f"entry {row.seq}: a {row.action} by {row.actor} without the "
                                                  "actor's signature (forged?)"), False
    return None, False


def _check_anchor(rows: list[AuditEntry], expect: AuditHead | None) -> VerifyProblem | None:
    if expect is None:
        return None
    last = rows[-1].seq if rows else 0
    if expect.seq > last:
        gone = expect.seq - last
        return VerifyProblem(last + 1, "truncated", f"entry {last + 1}: missing: the log ends at entry {last}, but "
                                                    f"the anchored head is entry {expect.seq} ({gone} entr"
                                                    f"{'y' if gone == 1 else 'ies'} deleted from the end)")
    row = rows[expect.seq - 1] if expect.seq >= 1 else None
    if row is None or row.entry_hash.lower() != expect.entry_hash.lower():
        return VerifyProblem(expect.seq, "truncated", f"entry {expect.seq}: differs from the anchored head "
                                                      f"{expect.text()} (the log was cut and rewritten from there)")
    return None
