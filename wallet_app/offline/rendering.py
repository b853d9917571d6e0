"""The words both sides of the air gap show for one SafeTx, from one function, so that an officer comparing the online
screen with the offline one compares identical strings (SECURITY K6, SC-6): the three hashes in full and in groups
of four, and the decoded intent as this side's own decoder put it."""

from __future__ import annotations

from collections.abc import Sequence

from wallet_app.domain.hex_text import chunk_hex, hex_text
from wallet_app.domain.safe_tx import SafeTxHashes
from wallet_app.holdings.views import make_visible
from wallet_app.offline.message_review import MessageReview
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.review import OfflineReview, ReviewedVerdict


def compare_instruction(what: str = "safeTxHash") -> str:
    return (f"Compare the {what} with the online screen (and, for large transfers, with a second person or tool) "
            "before you sign.")


COMPARE_INSTRUCTION = compare_instruction()


TX_NAMES = ("domain hash", "message hash", "safeTxHash")
MESSAGE_NAMES = ("domain hash", "struct hash", "SafeMessage")


def hash_lines(hashes: SafeTxHashes, names: tuple[str, str, str] = TX_NAMES) -> list[str]:
    rows = zip(names, (hashes.domain_hash, hashes.message_hash, hashes.safe_tx_hash), strict=True)
    lines = []
    for name, value in rows:
        lines += [f"{name:<13} {hex_text(value)}", f"{'':<13} {chunk_hex(value)}"]
    return lines


def message_review_lines(review: MessageReview) -> list[str]:
    facts = review.vault.facts
    lines = [
        f"Vault         {facts.label + ' ' if facts.label else ''}{facts.address} (Safe {facts.version}, "
        f"{facts.threshold} of {len(facts.owners)}, as anchored here)",
        f"Signer        {review.signer}",
        f"Safe message  {review.check.kind}: the vault vouches for this statement (every field, as signed):",
        *("  " + make_visible(line) for line in review.words),
        f"{'statement':<13} {hex_text(review.digest)}",
        *hash_lines(review.hashes, MESSAGE_NAMES),
    ]
    if review.refusals:
        return [*lines, "REFUSED:", *("  " + make_visible(r) for r in review.refusals)]
    return [*lines, compare_instruction("SafeMessage hash")]


def review_lines(review: OfflineReview | MessageReview) -> list[str]:
    if isinstance(review, MessageReview):
        return message_review_lines(review)
    facts = review.vault.facts
    lines = [
        f"Vault         {facts.label + ' ' if facts.label else ''}{facts.address} (Safe {facts.version}, "
        f"{facts.threshold} of {len(facts.owners)}, as anchored here)",
        f"Chain id      {review.tx.chain_id}",
        f"Nonce         {review.tx.nonce}",
        f"Signer        {review.signer}",
        "Intent (decoded here):",
        *("  " + make_visible(line) for line in review.intent_text.split("\n")),
        *hash_lines(review.hashes),
        f"Policy        version {review.policy_version} ({review.policy_digest}), as imported here",
        f"Decision      {review.decision.decision}",
    ]
    lines += verdict_lines(review.verdicts, review.check, review.online_block)
    if review.refusals:
        lines.append("REFUSED:")
        lines += ["  " + make_visible(r) for r in review.refusals]
    else:
        lines.append(COMPARE_INSTRUCTION)
    return lines


def verdict_lines(verdicts: Sequence[ReviewedVerdict], check: OnlineCheck | None, block: int | None) -> list[str]:
    """Each verdict with where it was decided, then the online desktop's own decision."""
    lines = []
    for v in verdicts:
        where = "decided here" if v.source == "offline" else f"checked online at block {block}"
        lines.append(f"  {v.verdict:<8} {v.id}: {make_visible(v.reason)} [{where}]")
    if check is not None:
        lines.append(f"Online desktop decided {check.decision} at block {block} "
                     f"(simulation: {make_visible(check.simulation)})")
    return lines
