"""What the review dialog shows of one queued transaction, computed off the GUI thread from the `QueueEntry` the core
loaded and verified now: the decoded intent, every raw field of the SafeTx, the three hashes (by the core's own pure
code, `QueueEntry.to_json`), each stored signature with whether it counts and why not, and which of this profile's
keys may approve, reject or execute it.

The dialog signs with the safeTxHash shown here; the core recomputes it from the stored fields and refuses a mismatch
(A7). Outside text (labels, intent, reasons) is plain text with hidden characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ui.models.queue_rows import (
    approvable,
    executable,
    label_of,
    name_of,
    plain,
    signatures_text,
    signing_keys,
    state_text,
)
from ui.models.queue_rows import item_row as _item_row
from wallet_app.domain.safe_tx import uses_legacy_domain
from wallet_app.domain.units import format_units
from wallet_app.safe.signatures import Flag, SignatureKind

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView
    from wallet_app.queue.views import QueueEntry

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Keyed by the core's own enums (wallet_app.safe.signatures.Flag and SignatureKind), by value.
FLAG_WORDS = {
    Flag.NON_OWNER.value: "not an owner", Flag.STALE_APPROVER.value: "not an owner now",
    Flag.WRONG_HASH.value: "signs another transaction", Flag.DUPLICATE.value: "duplicate",
    Flag.MALLEATED.value: "malleated copy", Flag.HIGH_S.value: "high-s (malleable)",
    Flag.BAD_V.value: "not a Safe signature type", Flag.GARBLED.value: "garbled",
    Flag.ETH_SIGN_FORBIDDEN.value: "prefixed signatures (v > 30) not allowed",
    Flag.NOT_APPROVED.value: "hash not approved on chain", Flag.CONTRACT_REVERTED.value: "owner contract reverted",
    Flag.CONTRACT_REJECTED.value: "owner contract refused", Flag.CONTRACT_LAYOUT.value: "contract signature malformed",
    Flag.UNCHECKED.value: "not checked", Flag.TAMPERED.value: "tampered row",
}
KIND_WORDS = {SignatureKind.ECDSA.value: "ECDSA", SignatureKind.ETH_SIGN.value: "ECDSA, prefixed (v > 30)",
              SignatureKind.APPROVED_HASH.value: "approved hash", SignatureKind.CONTRACT.value: "contract (EIP-1271)",
              SignatureKind.UNKNOWN.value: "unknown type", SignatureKind.GARBLED.value: "garbled"}
DELEGATECALL_WARNING = ("DELEGATECALL: the called contract runs as the vault itself, with its storage, owners and "
                        "funds. Sign only if the target is a contract your policy pins (MultiSendCallOnly).")


@dataclass(frozen=True, slots=True)
class FieldRow:
    name: str  # as Safe names the field
    text: str
    tip: str = ""
    tone: str = "plain"


@dataclass(frozen=True, slots=True)
class SignatureLine:
    texts: tuple[str, str, str, str]  # signer, kind, counts, why not
    tone: str
    valid: bool


@dataclass(frozen=True, slots=True)
class KeyOption:
    address: str
    text: str


@dataclass(frozen=True, slots=True)
class ReviewView:
    safe_tx_hash: str  # 0x + 64 hex: the one shown and the one approve() receives
    domain_hash: str
    message_hash: str
    safe: str
    nonce: int
    title: str
    vault_text: str
    intent: str
    state_text: str
    state_tone: str
    warnings: tuple[tuple[str, str], ...]
    fields: tuple[FieldRow, ...]
    data_hex: str
    data_size: str
    delegatecall: bool
    signatures_summary: str
    signatures: tuple[SignatureLine, ...]
    waiting_for: str
    signers: tuple[str, ...]
    approve_keys: tuple[KeyOption, ...]
    reject_keys: tuple[KeyOption, ...]
    execute_keys: tuple[KeyOption, ...]
    approvable: bool
    rejectable: bool
    executable: bool


def chunk_address(address: str) -> str:
    """'0x 8A46 0bb1 …': the checksummed address in groups of four, for reading out and comparing (B7)."""
    digits = address[2:]
    return "0x " + " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def _address_field(name: str, address: str, names: Mapping[str, str]) -> FieldRow:
    label = label_of(address, names)
    if address == ZERO_ADDRESS:
        return FieldRow(name, f"{address}  (none)", address)
    named = f"{address}  ({label})" if label else f"{address}  (not in the address book)"
    return FieldRow(name, f"{named}\n{chunk_address(address)}", address)


def _uint_field(name: str, value: int, *, warn_if_set: bool = False) -> FieldRow:
    return FieldRow(name, f"{value:,}" if value else "0", str(value), "warn" if warn_if_set and value else "plain")


def _key_text(key: KeyView, note: str = "") -> str:
    label = plain(key.label, 60)
    return f"{label}  {key.address}" + (f"  ({note})" if note else "")


def signature_lines(entry: QueueEntry, names: Mapping[str, str]) -> tuple[SignatureLine, ...]:
    tally = entry.tally
    if tally is None:
        return tuple(SignatureLine((plain(f.split(":", 1)[0], 120), "—", "does not count",
                                    plain(f.split(":", 1)[-1].strip())), "bad", False) for f in entry.flagged)
    lines = []
    for check in tally.checks:
        kind = str(getattr(check.kind, "value", check.kind))
        signer = name_of(check.signer, names) if check.signer else "(unknown signer)"
        if check.valid:
            lines.append(SignatureLine((signer, KIND_WORDS.get(kind, plain(kind, 30)), "counts", ""), "good", True))
            continue
        flag = str(getattr(check.flag, "value", check.flag or ""))
        word = FLAG_WORDS.get(flag, plain(flag, 40))
        reason = plain(check.reason or "")
        why = f"{word}: {reason}" if word and reason and not reason.lower().startswith(word.split(" ")[0]) else (
            reason or word)
        lines.append(SignatureLine((signer, KIND_WORDS.get(kind, plain(kind, 30)), "does not count", why), "bad",
                                   False))
    return tuple(lines)


def prepare_review(entry: QueueEntry, names: Mapping[str, str], keys: Sequence[KeyView], *,
                   native: tuple[str, int] = ("ETH", 18)) -> ReviewView:
    """Everything the review dialog shows (run on a worker lane: the hashes are computed here)."""
    item, tx = entry.item, entry.item.safe_tx
    as_json: dict[str, Any] = entry.to_json()
    symbol, decimals = native
    row = _item_row(entry, names, keys)
    words, tone = state_text(entry)
    value_text = f"{tx.value:,} wei" if tx.value else "0"
    if tx.value:
        value_text += f"  ({format_units(tx.value, decimals)} {plain(symbol, 12)})"
    operation = int(tx.operation)
    fields = (
        _address_field("to", tx.to, names),
        FieldRow("value", value_text, str(tx.value)),
        FieldRow("operation", "1 — DELEGATECALL" if operation == 1 else "0 — CALL" if operation == 0 else
                 str(operation), tone="bad" if operation != 0 else "plain"),
        _uint_field("safeTxGas", tx.safe_tx_gas),
        _uint_field("baseGas", tx.base_gas, warn_if_set=True),
        _uint_field("gasPrice", tx.gas_price, warn_if_set=True),
        _tone(_address_field("gasToken", tx.gas_token, names), tx.gas_token != ZERO_ADDRESS),
        _tone(_address_field("refundReceiver", tx.refund_receiver, names), tx.refund_receiver != ZERO_ADDRESS),
        FieldRow("nonce", str(tx.nonce), str(tx.nonce)),
    )
    warnings = list(row.warnings)
    if operation == 1:
        warnings = [w for w in warnings if not w[1].startswith("DELEGATECALL")]
    if tx.gas_price or tx.refund_receiver != ZERO_ADDRESS or tx.gas_token != ZERO_ADDRESS:
        warnings.append(("warn", "Gas refund: gasPrice, gasToken or refundReceiver is set, so the vault pays "
                                 "whoever executes it (up to gasPrice * (baseGas + safeTxGas))."))
    if uses_legacy_domain(tx.version):
        warnings.append(("warn", f"Safe {plain(tx.version, 12)} signs without the chain id in its domain: a "
                                 "signature is valid on every chain where this address holds this Safe."))
    signed = {s.lower() for s in entry.signers}
    waiting = [o for o in entry.owners if o.lower() not in signed]
    if entry.tally is None:
        waiting_text = "—"
    elif entry.tally.met:
        waiting_text = "nobody: the threshold is met"
    else:
        waiting_text = ", ".join(name_of(o, names) for o in waiting) or "—"
    mine = signing_keys(keys)
    owners = {o.lower() for o in entry.owners}
    can_approve = approvable(entry)
    approve_keys = tuple(KeyOption(k.address, _key_text(k)) for k in mine
                         if can_approve and k.address.lower() in owners and k.address.lower() not in signed)
    owner_keys = [k for k in mine if k.address.lower() in owners]
    other_keys = [k for k in mine if k.address.lower() not in owners]
    reject_keys = tuple([KeyOption(k.address, _key_text(k, "owner")) for k in owner_keys]
                        + [KeyOption(k.address, _key_text(k, "not an owner: queues the rejection for the owners"))
                           for k in other_keys])
    execute_keys = tuple(KeyOption(k.address, _key_text(k)) for k in mine)
    vault_label = label_of(tx.safe, names)
    data = bytes(tx.data)
    return ReviewView(
        safe_tx_hash=item.safe_tx_hash.lower(),
        domain_hash=str(as_json["domain_hash"]),
        message_hash=str(as_json["message_hash"]),
        safe=tx.safe,
        nonce=tx.nonce,
        title=f"Nonce {tx.nonce} of {vault_label or tx.safe}",
        vault_text=(f"{vault_label}  {tx.safe}" if vault_label else tx.safe)
        + f"  (Safe {plain(tx.version, 12)}, chain id {tx.chain_id})",
        intent=row.intent,
        state_text=words + (" · conflict" if entry.conflicts and not entry.quarantined else ""),
        state_tone=tone,
        warnings=tuple(warnings),
        fields=fields,
        data_hex="0x" + data.hex(),
        data_size=f"{len(data):,} byte{'s' if len(data) != 1 else ''}"
        + (f", selector 0x{data[:4].hex()}" if len(data) >= 4 else ""),
        delegatecall=operation == 1,
        signatures_summary=signatures_text(entry),
        signatures=signature_lines(entry, names),
        waiting_for=waiting_text,
        signers=tuple(entry.signers),
        approve_keys=approve_keys,
        reject_keys=reject_keys if row.rejectable else (),
        execute_keys=execute_keys if executable(entry) else (),
        approvable=can_approve,
        rejectable=row.rejectable,
        executable=executable(entry),
    )


def _tone(field: FieldRow, warn: bool) -> FieldRow:
    return FieldRow(field.name, field.text, field.tip, "warn" if warn else field.tone)
