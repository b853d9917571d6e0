"""When a destination opens for transfers, as the propose dialog and the Approvals page say it: the core's answer
(`wallet_app.policy.cooling_off`) for the recipient being typed or the recipients of a queued transaction, with a
tone. Qt-free and pure (the policy document was read on a worker lane); the core decides at every signature, this
only says early when a cooling-off for new contacts holds a destination back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ui.models.queue_propose import NFT_STANDARDS, Verdict
from ui.models.queue_rows import plain

if TYPE_CHECKING:
    from wallet_app.policy.cooling_off import Opening
    from wallet_app.policy.document import PolicyDocument

TONES = {"cooling": "warn", "never": "bad", "open": "plain"}


def recipient_opening(policy: PolicyDocument | None, vault: str | None, recipient: str | None, *,
                      asset: str | None = None, standard: str = "", now: datetime | None = None) -> Verdict | None:
    """When `recipient` (EIP-55) opens for a transfer from `vault` in `asset` (None: any), or None when nothing holds
    it back (or it is no contact, or the policy was not read)."""
    if policy is None or not vault or not recipient:
        return None
    from wallet_app.policy.cooling_off import TRANSFER_KINDS, compute_opening

    kinds = frozenset({"nft_transfer" if standard in NFT_STANDARDS else "transfer"}) if asset else TRANSFER_KINDS
    opening = compute_opening(policy, vault, recipient, now=now or datetime.now(UTC), asset=asset, kinds=kinds)
    return _verdict(policy, opening)


def tx_openings(policy: PolicyDocument | None, safe_tx: Any, *, now: datetime | None = None) -> list[Verdict]:
    """The same for every recipient of a queued transaction (its transfers, those of a batch too)."""
    if policy is None or safe_tx is None:
        return []
    from wallet_app.errors import WalletError
    from wallet_app.policy.cooling_off import compute_tx_openings

    try:
        openings = compute_tx_openings(policy, safe_tx, now=now or datetime.now(UTC))
    except WalletError:  # fields no transaction can have: the queue marks those itself
        return []
    return [v for v in (_verdict(policy, o) for o in openings) if v is not None]


def worst_tone(verdicts: Sequence[Verdict]) -> str:
    tones = {v.tone for v in verdicts}
    return next((t for t in ("bad", "warn") if t in tones), "plain")


def _verdict(policy: PolicyDocument, opening: Opening) -> Verdict | None:
    from wallet_app.policy.cooling_off import describe_opening

    text = describe_opening(opening, policy)
    return Verdict(TONES[opening.status], plain(text), opening.destination) if text else None
