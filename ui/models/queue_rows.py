"""What the Approvals page shows of the approval queue, as display values computed off the GUI thread.

`group_entries` turns what `QueueService.load()` returned (each `QueueEntry` verified now: signatures counted against
the vault's owners read now, conflicts, gaps, quarantine) into vaults, nonces and items. Nothing here decides: the
state, the count of valid signatures, the conflicts and the reasons are the core's; this only says them in words.
Everything that came from outside (labels, intent text, reasons) is plain text with hidden characters made visible.

`attention_of` says what an item wants from this profile's keys: a signature from one of its owner keys that has not
signed, or an execution (the notifications and the page's buttons use it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ui.key_service import can_unlock
from ui.plain_text import reveal_invisible
from wallet_app.domain.hex_text import short_hex

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView
    from wallet_app.queue.views import QueueEntry

LINE_LIMIT = 600
OPEN = ("proposed", "approving", "ready")
IN_FLIGHT = ("claimed", "signed_for_execution", "broadcast", "mined")
CLOSED = ("final", "failed", "stale", "rejected")

STATE_WORDS: dict[str, str] = {
    "proposed": "Proposed",
    "approving": "Approving",
    "ready": "Ready to execute",
    "claimed": "Being executed",
    "signed_for_execution": "Signed for execution",
    "broadcast": "Sent, waiting for the receipt",
    "mined": "Mined, waiting for confirmations",
    "final": "Executed",
    "failed": "Failed on chain",
    "stale": "Stale (nonce used)",
    "rejected": "Rejected (nonce burnt)",
}
STATE_TONES: dict[str, str] = {
    "proposed": "plain", "approving": "plain", "ready": "good", "claimed": "warn", "signed_for_execution": "warn",
    "broadcast": "warn", "mined": "warn", "final": "good", "failed": "bad", "stale": "warn", "rejected": "muted",
}
QUARANTINED_WORD = "QUARANTINED"


def plain(text: object, limit: int = LINE_LIMIT) -> str:
    return reveal_invisible(str(text), max_length=limit)


def plain_lines(text: str, limit: int = LINE_LIMIT) -> str:
    """`text` with hidden characters made visible in each line; the line breaks stay."""
    return "\n".join(plain(line, limit) for line in str(text).splitlines())


def label_of(address: str | None, names: Mapping[str, str]) -> str:
    if not address:
        return ""
    label = names.get(address) or names.get(address.lower()) or ""
    return plain(label, 60) if label else ""


def name_of(address: str | None, names: Mapping[str, str]) -> str:
    """'Alice Chan (0xb672…cEfF)' when the address book knows it, else the full address."""
    if not address:
        return "—"
    label = label_of(address, names)
    return f"{label} ({short_hex(address, head=4, tail=4)})" if label else address


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:  # stored as UTC without a zone (SQLite)
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def is_rejection(entry: QueueEntry) -> bool:
    """The transaction that burns a nonce: a call to the vault itself with nothing in it."""
    tx = entry.item.safe_tx
    return (tx.to.lower() == tx.safe.lower() and tx.value == 0 and not tx.data and int(tx.operation) == 0
            and tx.safe_tx_gas == 0 and tx.base_gas == 0 and tx.gas_price == 0)


def signatures_text(entry: QueueEntry) -> str:
    """'1 valid signature of threshold 2', with '(1 valid of 3 rows)' when stored rows do not count (J6)."""
    valid = entry.valid_signatures
    return counted_text(entry.quarantined, entry.tally is None, valid, entry.signature_rows,
                        f"{valid} valid signature{'s' if valid != 1 else ''} of threshold {entry.threshold}")


def counted_text(quarantined: str, unreadable: bool, valid: int, rows: int, counted: str) -> str:
    """`counted` (the valid signatures in words), or why none counts, with '(1 valid of 3 rows)' when stored rows do
    not count: for transactions and Safe messages alike."""
    if quarantined:
        return f"none counted (quarantined; {plural(rows, 'row')} stored)"
    if unreadable:
        return f"none counted: the vault could not be read ({plural(rows, 'row')} stored)"
    return counted + (f" ({valid} valid of {plural(rows, 'row')})" if rows > valid else "")


def state_text(entry: QueueEntry) -> tuple[str, str]:
    """(words, tone) of an item's state now."""
    if entry.quarantined:
        return QUARANTINED_WORD, "bad"
    state = entry.state
    words = STATE_WORDS.get(state, plain(state, 40))
    if state == "final" and entry.item.outcome == "failure":
        return "Executed, but the call failed (ExecutionFailure)", "bad"
    if state in OPEN and entry.vault_nonce is not None and entry.item.nonce < entry.vault_nonce:
        return STATE_WORDS["stale"], "warn"
    if state == "ready" and entry.vault_nonce is not None and entry.item.nonce > entry.vault_nonce:
        return f"Signed, waits for nonce {entry.vault_nonce}", "plain"
    return words, STATE_TONES.get(state, "plain")


@dataclass(frozen=True, slots=True)
class Attention:
    """What an item wants from this profile's keys now."""

    approvers: tuple[str, ...]  # this profile's owner keys that can sign and have not signed
    executable: bool  # the threshold is met, the vault's nonce is its nonce, nothing holds it back

    @property
    def needed(self) -> bool:
        return bool(self.approvers) or self.executable


def approvable(entry: QueueEntry) -> bool:
    """Whether the core would take a signature for it now (it re-checks; this only enables buttons)."""
    return (entry.item.state in OPEN and not entry.quarantined and entry.vault_nonce is not None
            and entry.item.nonce >= entry.vault_nonce)


def executable(entry: QueueEntry) -> bool:
    return (entry.state == "ready" and not entry.quarantined and entry.vault_nonce is not None
            and entry.item.nonce == entry.vault_nonce)


def signing_keys(keys: Iterable[KeyView]) -> list[KeyView]:
    return [k for k in keys if can_unlock(k)]


def attention_of(entry: QueueEntry, keys: Sequence[KeyView]) -> Attention:
    mine = signing_keys(keys)
    approvers: tuple[str, ...] = ()
    if approvable(entry):
        signed = {s.lower() for s in entry.signers}
        owners = {o.lower() for o in entry.owners}
        approvers = tuple(k.address for k in mine if k.address.lower() in owners and k.address.lower() not in signed)
    return Attention(approvers, executable(entry) and bool(mine))


# -- the page's rows ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemRow:
    safe_tx_hash: str
    safe: str
    nonce: int
    state: str  # the core's state now (quarantined items keep theirs)
    texts: tuple[str, ...]  # one per QueueColumn
    tips: tuple[str, ...]
    tone: str  # of the state column
    intent: str  # every line of it
    warnings: tuple[tuple[str, str], ...]  # (tone, text): quarantine, conflicts, gap, notes, flagged rows
    attention: Attention
    quarantined: bool
    conflicted: bool
    rejectable: bool  # still gathering signatures, and not itself a rejection
    proposer: str
    proposed_at: str


@dataclass(frozen=True, slots=True)
class NonceGroup:
    nonce: int
    text: str  # "Nonce 7 — next to execute"
    warning: str  # a conflict, a gap, or that the vault already used it
    tone: str
    items: tuple[ItemRow, ...]


@dataclass(frozen=True, slots=True)
class VaultGroup:
    safe: str
    text: str  # "Harbour client vault  0x54ec…f84C — 2 of 3 owners, vault nonce 1"
    tip: str
    nonces: tuple[NonceGroup, ...]

    @property
    def items(self) -> tuple[ItemRow, ...]:
        return tuple(item for group in self.nonces for item in group.items)


def _item_warnings(entry: QueueEntry, names: Mapping[str, str]) -> list[tuple[str, str]]:
    warnings: list[tuple[str, str]] = []
    if entry.quarantined:
        warnings.append(("bad", "Quarantined: " + plain(entry.quarantined)))
    if entry.conflicts:
        others = ", ".join(short_hex(h) for h in entry.conflicts[:4])
        warnings.append(("warn", f"Conflict: {plural(len(entry.conflicts), 'other proposal')} at nonce "
                                 f"{entry.item.nonce} ({others}). Only one can execute; Custos never picks one. "
                                 "Review each and approve the one you mean."))
    if entry.gap:
        warnings.append(("warn", "Gap: " + plain(entry.gap)))
    for note in entry.notes:
        warnings.append(("warn", plain(note)))
    if entry.tally is not None:
        for check in entry.tally.flagged:
            who = name_of(check.signer, names) if check.signer else "a row"
            warnings.append(("bad", f"Does not count: {who}: {plain(check.reason)}"))
    elif entry.flagged:
        warnings.extend(("bad", "Does not count: " + plain(f)) for f in entry.flagged)
    if not entry.quarantined and not entry.proposer_verified:
        warnings.append(("bad", "The proposal record is not signed by the proposer it names"))
    if int(entry.item.safe_tx.operation) == 1:
        warnings.append(("bad", "DELEGATECALL: the called contract runs with the vault's own storage and funds"))
    return warnings


def item_row(entry: QueueEntry, names: Mapping[str, str], keys: Sequence[KeyView]) -> ItemRow:
    item = entry.item
    intent = plain_lines(entry.intent_text) if entry.intent_text else ""
    if not intent:
        intent = "(not decoded: quarantined)" if entry.quarantined else "(no description)"
    if is_rejection(entry):
        intent = f"On-chain rejection: burns nonce {item.nonce} so that nothing else can use it"
    first = intent.splitlines()[0] if intent else ""
    words, tone = state_text(entry)
    if entry.conflicts and not entry.quarantined and entry.state in OPEN:
        tone = "warn" if tone in ("plain", "good") else tone
    attention = attention_of(entry, keys)
    mine = ", ".join(name_of(a, names) for a in attention.approvers)
    if attention.executable:
        for_you, for_you_tip = "Execute", "The threshold is met and its nonce is next: one of your keys can execute it"
        if mine:
            for_you_tip += f"; these keys could still sign it: {mine}"
    elif attention.approvers:
        for_you, for_you_tip = "Sign", f"Needs a signature; these keys of yours can give it: {mine}"
    else:
        for_you, for_you_tip = "", "Nothing waits for your keys"
    sigs = signatures_text(entry)
    proposer = name_of(item.proposer, names)
    proposed = local_time(item.proposed_at)
    texts = (first, words, sigs, for_you, label_of(item.proposer, names) or short_hex(item.proposer, head=4, tail=4),
             proposed, short_hex(item.safe_tx_hash))
    signer_names = ", ".join(name_of(s, names) for s in entry.signers) or "nobody yet"
    tips = (intent, words, f"{sigs}\nSigned by: {signer_names}", for_you_tip, proposer, proposed, item.safe_tx_hash)
    return ItemRow(
        safe_tx_hash=item.safe_tx_hash, safe=item.safe, nonce=item.nonce, state=entry.state, texts=texts, tips=tips,
        tone=tone, intent=intent, warnings=tuple(_item_warnings(entry, names)), attention=attention,
        quarantined=bool(entry.quarantined), conflicted=bool(entry.conflicts),
        rejectable=approvable(entry) and not is_rejection(entry), proposer=proposer, proposed_at=proposed,
    )


def _nonce_group(nonce: int, entries: list[QueueEntry], names: Mapping[str, str],
                 keys: Sequence[KeyView]) -> NonceGroup:
    entries = sorted(entries, key=lambda e: (e.item.proposed_at.isoformat(), e.safe_tx_hash))
    vault_nonce = entries[0].vault_nonce
    live = [e for e in entries if e.item.state not in CLOSED]
    text = f"Nonce {nonce}"
    warning, tone = "", "plain"
    if vault_nonce is not None and nonce < vault_nonce:
        text += " — used"
        warning, tone = f"the vault's nonce is already {vault_nonce}", "muted"
    elif vault_nonce is not None and nonce == vault_nonce:
        text += " — next to execute"
    if len(live) > 1:
        warning = (f"{len(live)} proposals at nonce {nonce}: only one can execute. Review each and approve the one "
                   "you mean; Custos never picks one.")
        tone = "warn"
    elif any(e.gap for e in live):
        gap = next(e.gap for e in live if e.gap)
        warning, tone = "Gap: " + plain(gap), "warn"
    return NonceGroup(nonce, text, warning, tone, tuple(item_row(e, names, keys) for e in entries))


def vault_heading(safe: str, entry: QueueEntry | None, names: Mapping[str, str]) -> tuple[str, str]:
    label = label_of(safe, names)
    head = f"{label}  {short_hex(safe, head=4, tail=4)}" if label else safe
    if entry is None:
        return head, safe
    if entry.vault_nonce is None:
        return f"{head} — could not be read now: no signature is counted", safe
    return (f"{head} — {entry.threshold} of {len(entry.owners)} owners, vault nonce {entry.vault_nonce}",
            safe)


def group_entries(entries: Sequence[QueueEntry], names: Mapping[str, str], keys: Sequence[KeyView],
                  vaults: Sequence[str] = ()) -> list[VaultGroup]:
    """Vaults (in label order), their nonces (lowest first) and the items at each nonce (oldest proposal first).
    `vaults` adds vaults that have nothing queued, so that the filter can offer them."""
    by_vault: dict[str, dict[int, list[QueueEntry]]] = {}
    for entry in entries:
        by_vault.setdefault(entry.item.safe, {}).setdefault(entry.item.nonce, []).append(entry)
    for safe in vaults:
        by_vault.setdefault(safe, {})
    groups = []
    for safe, nonces in by_vault.items():
        first = next((e for items in nonces.values() for e in items), None)
        text, tip = vault_heading(safe, first, names)
        groups.append(VaultGroup(safe, text, tip, tuple(
            _nonce_group(n, nonces[n], names, keys) for n in sorted(nonces))))
    return sorted(groups, key=lambda g: (label_of(g.safe, names).lower() or "~", g.safe.lower()))


def filter_groups(groups: Sequence[VaultGroup], *, vault: str | None, show_executed: bool) -> list[VaultGroup]:
    """One vault or all; executed items (final) only when asked for. Stale, rejected, failed and quarantined items
    always stay: they are what a person must notice."""
    shown = []
    for group in groups:
        if vault is not None and group.safe != vault:
            continue
        nonces = []
        for nonce in group.nonces:
            items = tuple(i for i in nonce.items if show_executed or i.state != "final" or i.quarantined)
            if items:
                nonces.append(NonceGroup(nonce.nonce, nonce.text, nonce.warning, nonce.tone, items))
        if nonces or vault is not None:
            shown.append(VaultGroup(group.safe, group.text, group.tip, tuple(nonces)))
    return shown


def summary_line(groups: Sequence[VaultGroup]) -> str:
    items = [i for g in groups for i in g.items]
    open_items = [i for i in items if i.state in OPEN and not i.quarantined]
    mine = sum(1 for i in items if i.attention.approvers)
    ready = sum(1 for i in items if i.attention.executable)
    conflicts = len({(i.safe, i.nonce) for i in items if i.conflicted and i.state in OPEN})
    quarantined = sum(1 for i in items if i.quarantined)
    parts = [f"{plural(len(open_items), 'open transaction')}"]
    if mine:
        parts.append(f"{mine} need{'s' if mine == 1 else ''} your signature")
    if ready:
        parts.append(f"{ready} ready to execute")
    waiting = sum(1 for i in items if i.state == "ready" and not i.attention.executable and not i.quarantined)
    if waiting:
        parts.append(f"{waiting} signed, waiting for a lower nonce")
    if conflicts:
        parts.append(f"{plural(conflicts, 'nonce')} with conflicting proposals")
    if quarantined:
        parts.append(f"{quarantined} quarantined")
    return "; ".join(parts) + "."


def names_from(*sources: Mapping[str, Any]) -> dict[str, str]:
    """address -> label from several sources, later ones winning; values may be labels or objects with `.label`."""
    names: dict[str, str] = {}
    for source in sources:
        for address, value in source.items():
            label = value if isinstance(value, str) else str(getattr(value, "label", "") or "")
            if label:
                names[address] = label
    return names
