"""What the Approvals page shows of the account vaults' queue (transfers from plain accounts whose approvers and
threshold are in the policy, such as the cold vault), as display values computed off the GUI thread.

`account_row` turns an `AccountEntry` (as the core loaded and verified it now: the unsigned transaction re-parsed and
hashed, the proposal record's signature, each approval against the policy's approvers and digest in force) into one
row of the list: the vault, the nonce, the transfer in words (decoded from the transaction's own fields by the policy
checker's describer), "k of n approvals" with the approvers' names, where it stands, and each warning in words (a
quarantine and its reason, an approval that does not count and why). Nothing here decides: the state, the approvals
counted and the reasons are the core's. Everything that came from outside is plain text with hidden characters made
visible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from ui.models.queue_rows import QUARANTINED_WORD, local_time, name_of, plain, plural, signing_keys
from wallet_app.domain.hex_text import short_hex

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

PROPOSED, READY, SIGNED, BROADCAST, FINAL, FAILED = "proposed", "ready", "signed", "broadcast", "final", "failed"
OPEN = (PROPOSED, READY)
STATE_WORDS = {
    PROPOSED: "Collecting approvals",
    READY: "Ready for the cold ceremony",
    SIGNED: "Signed: ready to send",
    BROADCAST: "Sent, waiting for finality",
    FINAL: "Final",
    FAILED: "Failed on chain",
}
STATE_TONES = {PROPOSED: "plain", READY: "good", SIGNED: "good", BROADCAST: "warn", FINAL: "good", FAILED: "bad"}
NEXT_STEP = {
    PROPOSED: "Approve… with an approver's key.",
    READY: "Cold ceremony request… shows it to the offline signer; Import signed transaction… takes the answer back.",
    SIGNED: "Send broadcasts the signed transaction (after one more policy check) and follows it to final.",
    BROADCAST: "Follow checks its receipt and confirmations again.",
}

Describe = Callable[[str, Any], str]  # (vault, AccountTx) -> the transfer in words


class AccountColumn(IntEnum):
    STATE = 0
    VAULT = 1
    NONCE = 2
    TRANSFER = 3
    APPROVALS = 4
    PROPOSER = 5
    HASH = 6


@dataclass(frozen=True, slots=True)
class AccountRow:
    tx_hash: str  # the unsigned transaction's signing hash, as the core keys it
    vault: str
    vault_label: str  # plain ("" when the policy no longer names it)
    nonce: int
    state: str  # the core's
    transfer: str  # plain, one line
    texts: tuple[str, ...]  # one per AccountColumn
    tips: tuple[str, ...]
    tone: str  # of the state column
    warnings: tuple[tuple[str, str], ...]  # (tone, text)
    quarantined: str  # the core's reason ("" when trusted)
    candidates: tuple[tuple[str, str], ...]  # (address, words): this profile's approver keys that have not approved
    detail: str  # the line under the list: state, approvals, who proposed when, what comes next
    sent_tx_hash: str = ""

    @property
    def approvable(self) -> bool:
        return self.state in OPEN and not self.quarantined and bool(self.candidates)

    @property
    def requestable(self) -> bool:
        return self.state == READY and not self.quarantined

    @property
    def sendable(self) -> bool:
        return self.state in (SIGNED, BROADCAST) and not self.quarantined


@dataclass(frozen=True, slots=True)
class AccountState:
    """One read of the account vaults' queue, prepared on a worker lane."""

    rows: tuple[AccountRow, ...]
    names: dict[str, str]


def approvals_text(entry: Any, names: Mapping[str, str]) -> str:
    """'1 of 2 approvals: Alice Chan (officer)' (names of those that count), or why none counts."""
    if entry.quarantined:
        return "none counted (quarantined)"
    if entry.vault is None:
        return "none counted: the policy in force names no such account vault"
    count = len(entry.approvers)
    who = ", ".join(_short_name(a, names) for a in entry.approvers)
    return f"{count} of {entry.threshold} approvals" + (f": {who}" if who else "")


def _short_name(address: str, names: Mapping[str, str]) -> str:
    label = names.get(address) or names.get(address.lower()) or ""
    return plain(label, 60) if label else short_hex(address, head=4, tail=4)


def candidates_of(entry: Any, keys: Sequence[KeyView], names: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """This profile's keys that are approvers of the vault and have not approved, eligible ones first; the proposer
    (when an approver) last, said so: the core refuses a proposer's approval (segregation of duties)."""
    if entry.vault is None or entry.item.state not in OPEN or entry.quarantined:
        return ()
    approvers = {a.lower() for a in entry.vault.approvers}
    counted = {a.lower() for a in entry.approvers}
    proposer = entry.item.proposer.lower()
    mine = [k for k in signing_keys(keys) if k.address.lower() in approvers and k.address.lower() not in counted]
    eligible = [(k.address, f"{name_of(k.address, names)} — approver of this vault") for k in mine
                if k.address.lower() != proposer]
    theirs = [(k.address, f"{name_of(k.address, names)} — proposed it: the proposer does not approve") for k in mine
              if k.address.lower() == proposer]
    return tuple(eligible + theirs)


def transfer_words(entry: Any, describe: Describe | None) -> str:
    tx = entry.item.tx
    if tx is None:
        return "(the stored transaction does not parse)"
    if describe is not None:
        try:
            text = describe(entry.item.vault, tx)
        except Exception as exc:  # a describer that cannot read the policy: the raw fields still say it
            text = f"call to {tx.to} with {tx.value} wei ({type(exc).__name__})"
        return plain(text.splitlines()[0] if text else "(no description)", 300)
    return f"call to {tx.to} with {tx.value} wei"


def account_row(entry: Any, describe: Describe | None, names: Mapping[str, str], keys: Sequence[KeyView]) -> AccountRow:
    item = entry.item
    vault_label = plain(entry.vault.label, 60) if entry.vault is not None else ""
    vault_text = vault_label or name_of(item.vault, names)
    transfer = transfer_words(entry, describe)
    approvals = approvals_text(entry, names)
    quarantined = plain(entry.quarantined, 400) if entry.quarantined else ""
    reason = plain(item.state_reason, 300) if item.state_reason else ""
    if quarantined:
        state_words, tone = QUARANTINED_WORD, "bad"
    else:
        state_words, tone = STATE_WORDS.get(item.state, plain(item.state, 40)), STATE_TONES.get(item.state, "plain")
    warnings: list[tuple[str, str]] = []
    if quarantined:
        warnings.append(("bad", f"Quarantined: {quarantined}. It is shown, never approved, signed or sent."))
    warnings += [("warn", f"Not counted — {_named_reason(why, names)}") for why in entry.not_counted]
    if item.state == FAILED and reason:
        warnings.append(("bad", f"Failed: {reason}"))
    proposer = name_of(item.proposer, names)
    when = local_time(item.proposed_at)
    candidates = candidates_of(entry, keys, names)
    waiting = ""
    if item.state in OPEN and entry.vault is not None and not quarantined:
        missing = [a for a in entry.vault.approvers if a not in entry.approvers and a != item.proposer]
        if missing and len(entry.approvers) < entry.threshold:
            waiting = (f" Waiting for {plural(entry.threshold - len(entry.approvers), 'more approval')} of: "
                       + ", ".join(_short_name(a, names) for a in missing) + ".")
    sent = ""
    if item.sent_tx_hash and item.state in (BROADCAST, FINAL, FAILED):
        mined = f", mined in block {item.mined_block}" if item.mined_block else ""
        sent = f" Transaction {item.sent_tx_hash}{mined}."
    step = "" if quarantined else " " + NEXT_STEP.get(item.state, "")
    detail = (f"{transfer[:1].upper()}{transfer[1:]}. {state_words} — {approvals}; proposed by {proposer} at {when}."
              f"{waiting}{sent}{step}").strip()
    texts = (state_words, vault_text, str(item.nonce), transfer, approvals, _short_name(item.proposer, names),
             short_hex(item.tx_hash))
    tips = (quarantined or reason or state_words, f"{vault_text}\n{item.vault}", f"The vault's nonce {item.nonce}",
            transfer, approvals, f"{proposer}\nat {when}", f"Signing hash of the unsigned transaction\n{item.tx_hash}")
    return AccountRow(item.tx_hash, item.vault, vault_label, item.nonce, item.state, transfer, texts, tips, tone,
                      tuple(warnings), quarantined, candidates, detail, item.sent_tx_hash or "")


def _named_reason(why: str, names: Mapping[str, str]) -> str:
    """'0xAbc…: reason' from the core, the address given its name when the address book knows it."""
    address, sep, reason = str(why).partition(": ")
    if sep and address.startswith("0x"):
        return f"{name_of(address, names)}: {plain(reason, 300)}"
    return plain(why, 300)


def account_rows(entries: Sequence[Any], describe: Describe | None, names: Mapping[str, str],
                 keys: Sequence[KeyView]) -> tuple[AccountRow, ...]:
    """The rows, the ones still moving first (by vault and nonce), then the closed ones, newest first."""
    rows = [account_row(e, describe, names, keys) for e in entries]
    moving = sorted((r for r in rows if r.state not in (FINAL, FAILED)), key=lambda r: (r.vault_label, r.nonce))
    closed = sorted((r for r in rows if r.state in (FINAL, FAILED)), key=lambda r: -r.nonce)
    return tuple(moving + closed)


def accounts_summary(rows: Sequence[AccountRow], *, show_final: bool = True) -> str:
    if not rows:
        return "No transfer from an account vault is queued. Propose transfer… starts one."
    counts: dict[str, int] = {}
    for row in rows:
        key = "quarantined" if row.quarantined else row.state
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{counts[PROPOSED]} collecting approvals" if counts.get(PROPOSED) else "",
             f"{counts[READY]} ready for the cold ceremony" if counts.get(READY) else "",
             f"{counts[SIGNED]} signed, to send" if counts.get(SIGNED) else "",
             f"{counts[BROADCAST]} sent" if counts.get(BROADCAST) else "",
             f"{counts[FINAL]} final" if counts.get(FINAL) and show_final else "",
             f"{counts[FAILED]} failed" if counts.get(FAILED) else "",
             f"{counts['quarantined']} QUARANTINED" if counts.get("quarantined") else ""]
    mine = sum(1 for r in rows if r.approvable and any("approver of this vault" in c[1] for c in r.candidates))
    text = "; ".join(p for p in parts if p) or "nothing open"
    return f"{plural(len(rows), 'transfer')}: {text}" + (f"; {mine} can be approved with your keys." if mine else ".")
