"""`custos safe queue`: the open items whose recipients a contact's cooling-off still holds back, and when each opens
(issue 16). The policy decides again at every signature; these lines only say it before anyone tries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wallet_app.cli.common import visible_lines
from wallet_app.domain.hex_text import short_hex
from wallet_app.errors import WalletError
from wallet_app.policy.cooling_off import describe_tx_openings
from wallet_app.queue.states import OPEN

if TYPE_CHECKING:
    from wallet_app.queue.views import QueueEntry
    from wallet_app.services import Services


def cooling_off_lines(services: Services, entries: Sequence[QueueEntry]) -> list[str]:
    """A section of lines, or none when nothing waits (or no policy is in force: the decisions say that)."""
    try:
        policy = services.policy.active().document
    except WalletError:
        return []
    now, lines = datetime.now(UTC), []
    for entry in entries:
        if entry.state not in OPEN or entry.quarantined:
            continue
        try:
            texts = describe_tx_openings(policy, entry.item.safe_tx, now=now)
        except WalletError:  # fields no transaction can have: the queue's own lines say what is wrong
            continue
        lines += [f"  nonce {entry.item.nonce}  {short_hex(entry.safe_tx_hash)}  {visible_lines(t)}" for t in texts]
    return ["", "Cooling-off of new contacts (the policy decides again at every signature):", *lines] if lines else []
