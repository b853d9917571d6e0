"""What the Sign tab shows of one reviewed request, as display strings prepared off the GUI thread.

`prepare_review` takes the core's `OfflineReview` (wallet_app.offline.review) and says it in words: the vault as
anchored here, chain, nonce, signer, the intent decoded here, the three hashes as `hash_lines` writes them (the very
strings the online screen shows, SECURITY K6), the decision, each rule's verdict with where it was decided, the online
desktop's decision, and the refusals. Every string that came from outside is plain text with its invisible and
direction-changing characters made visible. A Safe message (a holding statement the vault vouches for) is
shown by every field of the statement, with its SafeMessage hashes. The request read is kept: signing checks it
again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.models.policy_checks import DECISION_WORD, DECISIVE_FIRST
from ui.models.policy_rows import LINE_LIMIT, reveal_lines
from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from wallet_app.offline.message_review import MessageReview
    from wallet_app.offline.review import OfflineReview
    from wallet_app.offline.transport import ReadRequest

DECIDED_HERE = "decided here"


def checked_online(block: int | None) -> str:
    return f"checked online at block {block}"


@dataclass(frozen=True, slots=True)
class ReviewVerdictRow:
    verdict: str  # deny, escalate, match, pass, skip
    rule: str
    reason: str
    where: str  # DECIDED_HERE, or checked_online(N)


@dataclass(frozen=True)
class ShownReview:
    read: ReadRequest  # what `OfflineSigner.approve` takes: it checks the request again before it signs
    review: OfflineReview | MessageReview
    is_message: bool  # a Safe message (a holding statement) rather than a transaction
    request_id: str
    vault: str
    chain: str
    nonce: str  # "" for a Safe message
    signer: str
    key_text: str  # the signing key's label and address, on two lines
    intent_title: str
    intent: str
    hash_lines: tuple[str, ...]
    hash_name: str  # "safeTxHash" or "SafeMessage hash": what the officer compares and types
    safe_tx_hash: str  # 0x and 64 hex digits, as this machine computed it
    policy: str
    decision: str  # allow, escalate, deny; "" for a Safe message
    decision_text: str
    verdicts: tuple[ReviewVerdictRow, ...]
    online: str  # the online desktop's decision, in words
    refusals: tuple[str, ...]
    compare_instruction: str

    @property
    def can_sign(self) -> bool:
        return not self.refusals and self.review.can_sign


def _shown(text: str, limit: int = 200) -> str:
    return reveal_invisible(str(text), max_length=limit)


def _vault_text(review: OfflineReview | MessageReview) -> str:
    facts = review.vault.facts
    label = f"{_shown(facts.label, 80)}  " if facts.label else ""
    return (f"{label}{facts.address}\nSafe {_shown(facts.version, 20)}, {facts.threshold} of {len(facts.owners)} "
            "owners, as anchored on this signer")


def _signer_text(address: str, key_labels: Mapping[str, str], separator: str = "  ") -> str:
    label = key_labels.get(address, "")
    return f"{_shown(label, 80)}{separator}{address}" if label else address


def prepare_review(read: ReadRequest, review: OfflineReview | MessageReview,
                   key_labels: Mapping[str, str]) -> ShownReview:
    """The review in words (worker lane: it imports the offline rendering)."""
    from wallet_app.offline.message_review import MessageReview

    if isinstance(review, MessageReview):
        return _prepare_message(read, review, key_labels)
    from wallet_app.offline.rendering import COMPARE_INSTRUCTION, hash_lines

    block = review.online_block
    rows = [ReviewVerdictRow(_shown(v.verdict, 20), _shown(v.id, 64), _shown(v.reason, LINE_LIMIT),
                             DECIDED_HERE if v.source == "offline" else checked_online(block))
            for v in review.verdicts]
    # The decisive verdicts first (deny, escalate, the rule that matched, the rules that did not apply), the checks
    # that passed last, each group in the order the engine ran them.
    verdicts = tuple(sorted(rows, key=lambda r: DECISIVE_FIRST.get(r.verdict, len(DECISIVE_FIRST))))
    check = review.check
    if check is None:
        online = "No online check came with this request."
    else:
        simulation = _shown(check.simulation, 600) or "no simulation"
        word = DECISION_WORD.get(check.decision, _shown(check.decision, 20))
        online = f"{word} at block {block} (simulation: {simulation})"
    decision = str(review.decision.decision)
    return ShownReview(
        read=read,
        review=review,
        is_message=False,
        request_id=str(review.request.request_id),
        vault=_vault_text(review),
        chain=str(review.tx.chain_id),
        nonce=str(review.tx.nonce),
        signer=_signer_text(review.signer, key_labels),
        key_text=_signer_text(review.signer, key_labels, "\n"),
        intent_title="Intent, decoded on this signer",
        intent=reveal_lines(review.intent_text) or "(nothing decoded)",
        hash_lines=tuple(hash_lines(review.hashes)),
        hash_name="safeTxHash",
        safe_tx_hash="0x" + review.hashes.safe_tx_hash.hex(),
        policy=f"Version {review.policy_version} ({_shown(review.policy_digest, 80)}), as imported on this signer",
        decision=decision,
        decision_text=DECISION_WORD.get(decision, _shown(decision, 20)) + (
            " by the policy, but the request is refused (see why above)" if review.refusals and decision != "deny"
            else ""),
        verdicts=verdicts,
        online=online,
        refusals=tuple(_shown(r, LINE_LIMIT) for r in review.refusals),
        compare_instruction=COMPARE_INSTRUCTION,
    )


def _prepare_message(read: ReadRequest, review: MessageReview, key_labels: Mapping[str, str]) -> ShownReview:
    from wallet_app.offline.rendering import MESSAGE_NAMES, compare_instruction, hash_lines

    words = [reveal_invisible(line, max_length=LINE_LIMIT) for line in review.words]
    words.append(f"statement digest 0x{review.digest.hex()}")
    return ShownReview(
        read=read,
        review=review,
        is_message=True,
        request_id=str(review.request.request_id),
        vault=_vault_text(review),
        chain=str(review.request.chain_id),
        nonce="",
        signer=_signer_text(review.signer, key_labels),
        key_text=_signer_text(review.signer, key_labels, "\n"),
        intent_title=f"Safe message ({_shown(review.check.kind, 40)}): the vault vouches for this statement, every "
                     "field as signed",
        intent="\n".join(words),
        hash_lines=tuple(hash_lines(review.hashes, MESSAGE_NAMES)),
        hash_name="SafeMessage hash",
        safe_tx_hash="0x" + review.hashes.safe_tx_hash.hex(),
        policy="",
        decision="",
        decision_text="",
        verdicts=(),
        online="",
        refusals=tuple(_shown(r, LINE_LIMIT) for r in review.refusals),
        compare_instruction=compare_instruction("SafeMessage hash"),
    )


def normalize_hash(text: str) -> str:
    """A typed or pasted hash as 0x and lower-case hex: spaces and line breaks (the grouped form) dropped, the 0x
    optional."""
    squashed = "".join(text.split()).lower()
    if squashed.startswith("0x"):
        squashed = squashed[2:]
    return "0x" + squashed
