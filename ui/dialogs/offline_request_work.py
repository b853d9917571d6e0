"""What the offline sign-request dialog runs off the GUI thread, and what comes back: the item (a queued transaction or
a Safe message) and the owners who may still sign it (PARALLEL lane), making the request (SERIAL lane: it reads the
chain and records the request), and writing it as a file of UR lines, never over an existing file (SERIAL lane).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ui.dialogs.offline_answer import OfflineSources

if TYPE_CHECKING:
    from ui.message_sources import MessageQueueLike
    from ui.queue_sources import QueueServiceLike, QueueSources
    from wallet_app.keys.views import KeyView


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    address: str
    text: str
    offline: bool  # a paired offline signer of this profile


@dataclass(frozen=True, slots=True)
class RequestSetup:
    heading: str
    choices: tuple[OwnerChoice, ...]
    statement: tuple[str, ...] = ()  # a Safe message's typed data in plain words, one line a field (MessageEntry.words)


@dataclass(frozen=True, slots=True)
class MadeRequest:
    sent: Any  # wallet_app.offline.requests.SentRequest
    lines: tuple[str, ...]  # hash_lines(sent.hashes, the names the offline signer prints for this kind)
    checked: str  # "checked online at block N: decision"; "" for a Safe message (no chain facts are carried)
    instruction: str = ""  # the compare instruction the offline signer prints for this kind


def load_setup(queue: QueueServiceLike, sources: QueueSources, offline: OfflineSources,
               safe_tx_hash: str) -> RequestSetup:
    """The item and the owners who may still sign it, paired offline signers first (on a worker lane)."""
    from ui.models.queue_rows import name_of, plain

    entry = queue.entry(safe_tx_hash)
    keys, names = _keys_and_names(sources)
    intent = plain(entry.intent_text.splitlines()[0], 160) if entry.intent_text else "(no description)"
    heading = (f"{intent}\n{name_of(entry.item.safe, names)}, nonce {entry.item.nonce}: "
               f"{entry.valid_signatures} of {entry.threshold} signatures")
    return RequestSetup(heading, owner_choices(entry.owners, entry.signers, keys, names, offline))


def load_message_setup(messages: MessageQueueLike, sources: QueueSources, offline: OfflineSources,
                       message_hash: str) -> RequestSetup:
    """A queued Safe message, its statement in words and the owners who may still sign it (on a worker lane). A
    quarantined message, or one whose vault cannot be read now, takes no request (the core would refuse it too)."""
    from ui.models.message_rows import kind_text, signatures_text
    from ui.models.queue_rows import name_of, plain
    from wallet_app.queue.errors import QueueError

    entry = messages.entry(message_hash)
    if entry.quarantined:
        raise QueueError(f"This message is quarantined, so no sign request is made: {plain(entry.quarantined)}")
    if not entry.owners or entry.threshold == 0:
        raise QueueError("The vault's owners could not be read now, so no sign request is made; try again when "
                          "the node answers.")
    keys, names = _keys_and_names(sources)
    heading = f"{kind_text(entry.item.kind)} for {name_of(entry.item.safe, names)}: {signatures_text(entry)}"
    statement = tuple(plain(line) for line in entry.words) or ("(no fields)",)
    return RequestSetup(heading, owner_choices(entry.owners, entry.signers, keys, names, offline), statement)


def owner_choices(owners: Sequence[str], signers: Sequence[str], keys: dict[str, KeyView], names: dict[str, str],
                  offline: OfflineSources) -> tuple[OwnerChoice, ...]:
    """The owners who have not signed, paired offline signers first (with their device's name)."""
    from ui.models.queue_rows import name_of, plain
    from wallet_app.keys.signer import KeyKind

    signed = {s.lower() for s in signers}
    paired: list[OwnerChoice] = []
    others: list[OwnerChoice] = []
    for owner in owners:
        if owner.lower() in signed:
            continue
        key = keys.get(owner.lower())
        if key is not None and key.kind is KeyKind.OFFLINE:
            origin = offline.offline_origin(owner)
            device = plain(origin.device, 60) if origin is not None and origin.device else "its device"
            paired.append(OwnerChoice(owner, f"{name_of(owner, names)} — paired offline signer on {device}", True))
        else:
            where = "a key of this desktop" if key is not None and key.can_sign else "not a key of this profile"
            others.append(OwnerChoice(owner, f"{name_of(owner, names)} — {where}", False))
    return tuple(paired + others)


def _keys_and_names(sources: QueueSources) -> tuple[dict[str, KeyView], dict[str, str]]:
    from ui.models.queue_rows import names_from

    keys = {k.address.lower(): k for k in sources.load_keys()}
    return keys, names_from({k.address: k.label for k in keys.values()}, sources.load_names())


def make_request(offline: OfflineSources, subject_hash: str, owner: str) -> MadeRequest:
    """`OfflineRequests.create` for `owner` of a queued transaction (safeTxHash) or Safe message (SafeMessage hash),
    on the serial lane: it reads the chain and records the request. The hash lines and the instruction are the very
    ones the offline signer prints for that kind (SECURITY K6)."""
    from wallet_app.offline.online_check import MessageCheck
    from wallet_app.offline.rendering import COMPARE_INSTRUCTION, MESSAGE_NAMES, compare_instruction, hash_lines

    sent = offline.requests.create(subject_hash, owner)
    if isinstance(sent.check, MessageCheck):
        return MadeRequest(sent, tuple(hash_lines(sent.hashes, MESSAGE_NAMES)), "",
                           compare_instruction("SafeMessage hash"))
    checked = f"checked online at block {sent.block_number}: {sent.decision}"
    return MadeRequest(sent, tuple(hash_lines(sent.hashes)), checked, COMPARE_INSTRUCTION)


def request_file_text(urs: Sequence[Any]) -> bytes:
    """The UR lines of a request as `custos offline request --out` writes them."""
    from wallet_app.ur.ur import encode_ur

    return ("\n".join(encode_ur(ur).upper() for ur in urs) + "\n").encode("ascii")
