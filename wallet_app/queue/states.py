"""The life of a queued Safe transaction (issue 6, SECURITY 6.2), and which moves between states are legal.

proposed -> approving -> ready      signatures are gathered (k valid of threshold n)
ready -> claimed                    one desktop claims it to execute (a conditional UPDATE; G7)
claimed -> signed_for_execution     the executor transaction is signed and its raw bytes stored (write-ahead)
signed_for_execution -> broadcast   the stored bytes were sent
broadcast -> mined -> final|failed  receipt read (ExecutionSuccess or ExecutionFailure), then confirmations
mined -> broadcast                  a reorganisation took it out: the same bytes are sent again (G4)
open -> stale | rejected            the vault's nonce was used by another transaction (G5) or by a rejection

"Open" items still gather signatures; which of proposed/approving/ready an open item is depends on the signatures
that verify now (a removed owner's approval stops counting, A14), so a loaded item's state is recomputed.
"""

from __future__ import annotations

PROPOSED = "proposed"
APPROVING = "approving"
READY = "ready"
CLAIMED = "claimed"
SIGNED_FOR_EXECUTION = "signed_for_execution"
BROADCAST = "broadcast"
MINED = "mined"
FINAL = "final"
FAILED = "failed"
STALE = "stale"
REJECTED = "rejected"

OPEN = (PROPOSED, APPROVING, READY)
IN_FLIGHT = (CLAIMED, SIGNED_FOR_EXECUTION, BROADCAST, MINED)
CLOSED = (FINAL, FAILED, STALE, REJECTED)
ALL = OPEN + IN_FLIGHT + CLOSED
# Items that hold (or will hold) the vault's nonce on chain: at most one per (vault, nonce), enforced by a unique index.
NONCE_HOLDERS = (*IN_FLIGHT, FINAL, FAILED)

_LEGAL: dict[str, frozenset[str]] = {
    PROPOSED: frozenset({APPROVING, READY, STALE, REJECTED}),
    APPROVING: frozenset({PROPOSED, READY, STALE, REJECTED}),
    READY: frozenset({PROPOSED, APPROVING, CLAIMED, STALE, REJECTED}),
    # A claim without stored bytes may be released (nothing was signed) or taken over after its lease expired.
    CLAIMED: frozenset({READY, CLAIMED, SIGNED_FOR_EXECUTION, STALE, REJECTED}),
    SIGNED_FOR_EXECUTION: frozenset({BROADCAST, MINED, READY, STALE, REJECTED}),
    BROADCAST: frozenset({BROADCAST, MINED, READY, STALE, REJECTED}),
    MINED: frozenset({BROADCAST, FINAL, FAILED}),
    FINAL: frozenset(),
    FAILED: frozenset(),
    STALE: frozenset(),
    REJECTED: frozenset(),
}


class IllegalTransition(ValueError):
    pass


def is_legal(old: str, new: str) -> bool:
    return new in _LEGAL.get(old, frozenset())


def require_legal(old: str, new: str) -> None:
    if not is_legal(old, new):
        raise IllegalTransition(f"a queued transaction cannot go from {old} to {new}")


def open_state_for(valid_signatures: int, threshold: int) -> str:
    """proposed, approving or ready from the signatures that verify now."""
    if threshold > 0 and valid_signatures >= threshold:
        return READY
    return APPROVING if valid_signatures > 0 else PROPOSED
