"""The online side of an anchored vault's owner change: an executed owner change of the queue, with the signatures
that executed it, written for the offline signers (wallet_app.offline.anchor_changes reads it there)."""

from __future__ import annotations

from wallet_app.offline.anchor_changes import OWNER_CALLS, change_bundle
from wallet_app.queue.errors import QueueError
from wallet_app.queue.service import QueueService
from wallet_app.queue.states import FINAL


def export_change(queue: QueueService, safe_tx_hash: str) -> tuple[bytes, str]:
    """The change file for the queued owner change `safe_tx_hash`, once it is final on chain; (bytes, summary)."""
    entry = queue.entry(safe_tx_hash)
    tx = entry.item.safe_tx
    if entry.item.state != FINAL:
        raise QueueError(f"{entry.safe_tx_hash} is {entry.state}: only an owner change final on chain is exported")
    call = OWNER_CALLS.get(tx.data[:4])
    if call is None or tx.to != tx.safe:
        raise QueueError(f"{entry.safe_tx_hash} is not an owner or threshold change of its vault")
    checks = entry.tally.checks if entry.tally is not None else ()
    signatures = {str(c.signer): c.signature.static_bytes() for c in checks
                  if c.valid and c.signer is not None and c.signature is not None
                  and c.signature.static_bytes()[64] in (27, 28)}  # plain ECDSA: what an offline signer can verify
    return change_bundle(tx, signatures), f"{call[0]} of {tx.safe} at nonce {tx.nonce}"
