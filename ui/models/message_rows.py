"""What the Approvals page and the message review dialog show of the Safe messages in the queue (holding statements a
vault's quorum signs), as display values computed off the GUI thread.

`message_row` turns a `MessageEntry` (as the core loaded and verified it now: the SafeMessage hash recomputed from the
stored typed data, the proposal record's signature, each owner signature against the vault's owners read now) into
one row of the list; `prepare_message_review` into everything the review dialog shows. Nothing here decides: the
state, the count of valid signatures, the quarantine and its reason are the core's; this only says them in words.
The typed data's words come from outside: they stay plain text, with hidden characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from ui.models.queue_review import KeyOption, SignatureLine, signature_lines
from ui.models.queue_rows import counted_text, label_of, local_time, name_of, plain, plural, signing_keys
from wallet_app.domain.hex_text import short_hex

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView
    from wallet_app.queue.message_records import MessageEntry

PROPOSED, READY = "proposed", "ready"
HOLDING_STATEMENT = "holding-statement"
KIND_WORDS = {HOLDING_STATEMENT: "Holding statement"}
QUARANTINED_WORD = "QUARANTINED"
READY_HINT = "Write it with: custos statement --signed {hash} --out FILE.json"


class MessageColumn(IntEnum):
    STATE = 0
    VAULT = 1
    KIND = 2
    SIGNATURES = 3
    PROPOSER = 4
    HASH = 5


@dataclass(frozen=True, slots=True)
class MessageRow:
    message_hash: str  # 0x + 64 hex, as the core keys it
    safe: str
    state: str  # the core's: proposed or ready
    texts: tuple[str, ...]  # one per MessageColumn
    tips: tuple[str, ...]
    tone: str  # of the state column
    warnings: tuple[tuple[str, str], ...]  # (tone, text): quarantine, flagged signatures, notes
    approvers: tuple[str, ...]  # this profile's owner keys that can sign and have not signed
    quarantined: str  # the core's reason; non-empty: it may be neither approved nor exported
    ready: bool  # the vault's quorum has signed it (valid signatures now)
    kind: str
    account: str  # a holding statement's account ("" when the typed data does not name one)
    waiting_for: str  # a sentence: who it still waits for, or why nothing more is asked
    detail: str  # the line under the list: state, signatures, who asked when, who it waits for

    @property
    def hint(self) -> str:
        """How to write the signed statement, once it is ready."""
        return READY_HINT.format(hash=self.message_hash) if self.ready and self.kind == HOLDING_STATEMENT else ""


@dataclass(frozen=True, slots=True)
class MessageState:
    """One read of the Safe messages, prepared on a worker lane."""

    rows: tuple[MessageRow, ...]
    names: dict[str, str]
    keys: tuple[KeyView, ...]


@dataclass(frozen=True, slots=True)
class MessageReview:
    """Everything the message review dialog shows (computed on a worker lane)."""

    message_hash: str  # the hash shown, and the one approve() receives
    digest: str  # the EIP-712 digest of the typed data ("" when quarantined)
    safe: str
    title: str
    vault_text: str
    kind_text: str
    proposer_text: str
    state_text: str
    state_tone: str
    signatures_summary: str
    waiting_for: str
    warnings: tuple[tuple[str, str], ...]
    words: tuple[str, ...]  # every field of the typed data, one line each, plain
    signatures: tuple[SignatureLine, ...]
    signers: tuple[str, ...]
    approve_keys: tuple[KeyOption, ...]
    approvable: bool  # the core would take a signature now (it re-checks)
    why_not: str  # why no key is offered
    ready: bool
    hint: str
    account: str


def kind_text(kind: str) -> str:
    return KIND_WORDS.get(kind, plain(kind, 40))


def signatures_text(entry: MessageEntry) -> str:
    """'1 of 2 signatures', with '(1 valid of 2 rows)' when stored rows do not count."""
    valid = entry.valid_signatures
    return counted_text(entry.quarantined, entry.threshold == 0 or entry.tally is None, valid, entry.signature_rows,
                        f"{valid} of {entry.threshold} signatures")


def state_text(entry: MessageEntry) -> tuple[str, str]:
    """(words, tone) of a message's state now."""
    if entry.quarantined:
        return QUARANTINED_WORD, "bad"
    if entry.threshold == 0:
        return "Vault not readable", "warn"
    if entry.state == READY:
        return "Signed by the quorum", "good"
    if entry.flagged:
        return "Approving (flagged rows)", "warn"
    return ("Approving" if entry.valid_signatures else "Proposed"), "plain"


def approvable(entry: MessageEntry) -> bool:
    """Whether the core would take a signature for it now (it re-checks; this only enables buttons)."""
    return not entry.quarantined and entry.threshold > 0 and entry.state == PROPOSED


def approvers_of(entry: MessageEntry, keys: Sequence[KeyView]) -> tuple[KeyView, ...]:
    """This profile's keys that can sign, own the vault now and have not signed."""
    if not approvable(entry):
        return ()
    owners = {o.lower() for o in entry.owners}
    signed = {s.lower() for s in entry.signers}
    return tuple(k for k in signing_keys(keys) if k.address.lower() in owners and k.address.lower() not in signed)


def account_of(entry: MessageEntry) -> str:
    """The account a holding statement is about, from its typed data ("" when it names none)."""
    try:
        message = entry.item.typed().get("message")
    except ValueError:
        return ""
    account = message.get("account") if isinstance(message, dict) else None
    return account if isinstance(account, str) and account.startswith("0x") and len(account) == 42 else ""


def waiting_text(entry: MessageEntry, names: Mapping[str, str], keys: Sequence[KeyView], *,
                 short: bool = False) -> str:
    """Who it still waits for, in a sentence; `short` names owners by label only (the page's line)."""
    if entry.quarantined:
        return "It is quarantined: it can be neither approved nor exported."
    if entry.threshold == 0:
        return "The vault could not be read now: no signature is counted."
    missing = max(entry.threshold - entry.valid_signatures, 0)
    if not missing:
        return "The vault's threshold is met."
    signed = {s.lower() for s in entry.signers}
    mine = {k.address.lower() for k in signing_keys(keys)}
    waiting = [o for o in entry.owners if o.lower() not in signed]

    def called(owner: str) -> str:
        return (label_of(owner, names) or short_hex(owner, head=4, tail=4)) if short else name_of(owner, names)

    ours = [called(o) for o in waiting if o.lower() in mine]
    text = f"Waiting for {missing} more of: " + (", ".join(called(o) for o in waiting) or "nobody (too few owners)")
    if ours and len(ours) == len(waiting):
        return text + (" (all keys of this profile)." if len(ours) > 1 else " (a key of this profile).")
    if ours:
        return text + f" (of this profile: {', '.join(ours)})."
    return text + " (none is a key of this profile)."


def _warnings(entry: MessageEntry, names: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    warnings: list[tuple[str, str]] = []
    if entry.quarantined:
        warnings.append(("bad", "Quarantined: " + plain(entry.quarantined)))
    for note in entry.notes:
        warnings.append(("warn", plain(note)))
    if entry.tally is not None:
        for check in entry.tally.flagged:
            who = name_of(check.signer, names) if check.signer else "a row"
            warnings.append(("bad", f"Does not count: {who}: {plain(check.reason)}"))
    else:
        warnings.extend(("bad", "Does not count: " + plain(f)) for f in entry.flagged)
    if not entry.quarantined and not entry.proposer_verified:
        warnings.append(("bad", "The proposal record is not signed by the proposer it names"))
    return tuple(warnings)


def message_row(entry: MessageEntry, names: Mapping[str, str], keys: Sequence[KeyView]) -> MessageRow:
    item = entry.item
    words, tone = state_text(entry)
    sigs = signatures_text(entry)
    mine = approvers_of(entry, keys)
    vault = label_of(item.safe, names) or short_hex(item.safe, head=4, tail=4)
    proposer = label_of(item.proposer, names) or short_hex(item.proposer, head=4, tail=4)
    proposed = local_time(item.proposed_at)
    warnings = _warnings(entry, names)
    if warnings and tone in ("plain", "good") and any(t == "bad" for t, _ in warnings):
        tone = "warn"
    signer_names = ", ".join(name_of(s, names) for s in entry.signers) or "nobody yet"
    waiting = waiting_text(entry, names, keys, short=True)
    state_tip = words + ("\n" + "\n".join(text for _t, text in warnings) if warnings else "")
    if mine:
        state_tip += "\nYour keys can sign it: " + ", ".join(name_of(k.address, names) for k in mine)
    texts = (words, vault, kind_text(item.kind), sigs, proposer, item.message_hash)
    tips = (state_tip, f"{name_of(item.safe, names)}\n{item.safe}", f"{kind_text(item.kind)} ({plain(item.kind, 40)})",
            f"{sigs}\nSigned by: {signer_names}\n{waiting}",
            f"{name_of(item.proposer, names)}\n{item.proposer}\nat {proposed}"
            + ("" if entry.proposer_verified else "\nThe proposal record does not verify"),
            f"SafeMessage hash {item.message_hash}")
    return MessageRow(
        message_hash=item.message_hash, safe=item.safe, state=entry.state, texts=texts, tips=tips, tone=tone,
        warnings=warnings, approvers=tuple(k.address for k in mine), quarantined=entry.quarantined,
        ready=entry.state == READY and not entry.quarantined and entry.threshold > 0, kind=item.kind,
        account=account_of(entry), waiting_for=waiting,
        detail=f"{words} — {sigs}; asked for by {proposer} at {proposed}. {waiting}",
    )


def message_rows(entries: Sequence[MessageEntry], names: Mapping[str, str],
                 keys: Sequence[KeyView]) -> tuple[MessageRow, ...]:
    """Newest first: what was asked for last is what the officers are most likely looking for."""
    ordered = sorted(entries, key=lambda e: (e.item.proposed_at.isoformat(), e.message_hash), reverse=True)
    return tuple(message_row(e, names, keys) for e in ordered)


def filter_rows(rows: Sequence[MessageRow], vault: str | None) -> tuple[MessageRow, ...]:
    return tuple(rows) if vault is None else tuple(r for r in rows if r.safe.lower() == vault.lower())


def messages_summary(rows: Sequence[MessageRow]) -> str:
    if not rows:
        return "No Safe message is queued."
    waiting = sum(1 for r in rows if r.state == PROPOSED and not r.quarantined)
    mine = sum(1 for r in rows if r.approvers)
    ready = sum(1 for r in rows if r.ready)
    quarantined = sum(1 for r in rows if r.quarantined)
    parts = [f"{plural(waiting, 'message')} gathering signatures"]
    if mine:
        parts.append(f"{mine} need{'s' if mine == 1 else ''} your signature")
    if ready:
        parts.append(f"{ready} signed by the quorum")
    if quarantined:
        parts.append(f"{quarantined} quarantined")
    return "; ".join(parts) + "."


def _key_text(key: KeyView) -> str:
    return f"{plain(key.label, 60)}  {key.address}"


def _why_not(entry: MessageEntry, keys: Sequence[KeyView]) -> str:
    if entry.quarantined:
        return "It is quarantined, so it can be neither approved nor exported: " + plain(entry.quarantined)
    if entry.threshold == 0:
        return "The vault could not be read now, so nothing can be signed; try again when the node answers."
    if entry.state == READY:
        return "It takes no more signatures: the vault's threshold is met."
    owners = {o.lower() for o in entry.owners}
    mine = [k for k in signing_keys(keys) if k.address.lower() in owners]
    if not mine:
        return "None of this profile's keys is an owner of this vault that can sign."
    return "Every key of this profile that owns the vault has already signed it."


def prepare_message_review(entry: MessageEntry, names: Mapping[str, str], keys: Sequence[KeyView]) -> MessageReview:
    """Everything the review dialog shows (run on a worker lane)."""
    item = entry.item
    words, tone = state_text(entry)
    label = label_of(item.safe, names)
    vault_text = f"{label}  {item.safe}" if label else f"{item.safe}  (not in the address book)"
    if entry.threshold:
        vault_text += f"\n{entry.threshold} of {len(entry.owners)} owners (Safe {plain(entry.version, 20)})"
    proposer = f"{name_of(item.proposer, names)} at {local_time(item.proposed_at)}"
    proposer += ("; the proposal record is signed by this key" if entry.proposer_verified
                 else "; the proposal record does NOT verify")
    mine = approvers_of(entry, keys)
    row_hint = READY_HINT.format(hash=item.message_hash) if entry.state == READY and item.kind == HOLDING_STATEMENT \
        and not entry.quarantined and entry.threshold > 0 else ""
    lines: list[str] = [plain(line) for line in entry.words]
    if not lines:
        lines = ["(the typed data cannot be read: quarantined)" if entry.quarantined else "(no fields)"]
    any_entry: Any = entry  # the signatures of a message are read as a transaction's are (tally, flagged)
    return MessageReview(
        message_hash=item.message_hash, digest=entry.digest, safe=item.safe,
        title=f"{kind_text(item.kind)} for {label or short_hex(item.safe, head=4, tail=4)}",
        vault_text=vault_text, kind_text=f"{kind_text(item.kind)} ({plain(item.kind, 40)})", proposer_text=proposer,
        state_text=words, state_tone=tone, signatures_summary=signatures_text(entry),
        waiting_for=waiting_text(entry, names, keys), warnings=_warnings(entry, names), words=tuple(lines),
        signatures=signature_lines(any_entry, names), signers=entry.signers,
        approve_keys=tuple(KeyOption(k.address, _key_text(k)) for k in mine), approvable=approvable(entry),
        why_not="" if mine else _why_not(entry, keys), ready=entry.state == READY and not entry.quarantined,
        hint=row_hint, account=account_of(entry),
    )
