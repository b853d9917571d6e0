"""What the offline sign-request dialog runs off the GUI thread, and what comes back: the item and the owners who may
still sign it (PARALLEL lane), making the request (SERIAL lane: it reads the chain and records the request), and
writing it as a file of UR lines, never over an existing file (SERIAL lane).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ui.dialogs.offline_answer import OfflineSources

if TYPE_CHECKING:
    from ui.queue_sources import QueueServiceLike, QueueSources


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    address: str
    text: str
    offline: bool  # a paired offline signer of this profile


@dataclass(frozen=True, slots=True)
class RequestSetup:
    heading: str
    choices: tuple[OwnerChoice, ...]


@dataclass(frozen=True, slots=True)
class MadeRequest:
    sent: Any  # wallet_app.offline.requests.SentRequest
    lines: tuple[str, ...]  # hash_lines(sent.hashes)
    checked: str  # "checked online at block N: decision"


def load_setup(queue: QueueServiceLike, sources: QueueSources, offline: OfflineSources,
               safe_tx_hash: str) -> RequestSetup:
    """The item and the owners who may still sign it, paired offline signers first (on a worker lane)."""
    from ui.models.queue_rows import name_of, names_from, plain
    from wallet_app.keys.signer import KeyKind

    entry = queue.entry(safe_tx_hash)
    keys = {k.address.lower(): k for k in sources.load_keys()}
    names = names_from({k.address: k.label for k in keys.values()}, sources.load_names())
    signed = {s.lower() for s in entry.signers}
    paired: list[OwnerChoice] = []
    others: list[OwnerChoice] = []
    for owner in entry.owners:
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
    intent = plain(entry.intent_text.splitlines()[0], 160) if entry.intent_text else "(no description)"
    heading = (f"{intent}\n{name_of(entry.item.safe, names)}, nonce {entry.item.nonce}: "
               f"{entry.valid_signatures} of {entry.threshold} signatures")
    return RequestSetup(heading, tuple(paired + others))


def make_request(offline: OfflineSources, safe_tx_hash: str, owner: str) -> MadeRequest:
    """`OfflineRequests.create` for `owner` (on the serial lane: it reads the chain and records the request)."""
    from wallet_app.offline.rendering import hash_lines

    sent = offline.requests.create(safe_tx_hash, owner)
    checked = f"checked online at block {sent.block_number}: {sent.decision}"
    return MadeRequest(sent, tuple(hash_lines(sent.hashes)), checked)


def request_file_text(urs: Sequence[Any]) -> bytes:
    """The UR lines of a request as `custos offline request --out` writes them."""
    from wallet_app.ur.ur import encode_ur

    return ("\n".join(encode_ur(ur).upper() for ur in urs) + "\n").encode("ascii")
