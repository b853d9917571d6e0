"""The queue's state machine (SECURITY 6.2, INV-5): exactly the moves an item may make, and none other."""

from __future__ import annotations

import itertools

import pytest

from wallet_app.queue import states as s


def test_the_state_sets_partition_all_states() -> None:
    assert set(s.OPEN) | set(s.IN_FLIGHT) | set(s.CLOSED) == set(s.ALL)
    assert len(s.ALL) == len(set(s.ALL)) == 11
    assert not set(s.OPEN) & set(s.IN_FLIGHT) and not set(s.IN_FLIGHT) & set(s.CLOSED)
    # The states that hold the vault's nonce (one item per nonce, a unique index): in flight, executed, failed.
    assert set(s.NONCE_HOLDERS) == {*s.IN_FLIGHT, s.FINAL, s.FAILED}


EXPECTED = {
    (s.PROPOSED, s.APPROVING), (s.PROPOSED, s.READY), (s.PROPOSED, s.STALE), (s.PROPOSED, s.REJECTED),
    (s.APPROVING, s.PROPOSED), (s.APPROVING, s.READY), (s.APPROVING, s.STALE), (s.APPROVING, s.REJECTED),
    (s.READY, s.PROPOSED), (s.READY, s.APPROVING), (s.READY, s.CLAIMED), (s.READY, s.STALE), (s.READY, s.REJECTED),
    # a claim with nothing signed: released, or taken over after its lease; or signed and stored (write-ahead)
    (s.CLAIMED, s.READY), (s.CLAIMED, s.CLAIMED), (s.CLAIMED, s.SIGNED_FOR_EXECUTION), (s.CLAIMED, s.STALE),
    (s.CLAIMED, s.REJECTED),
    # stored bytes: sent, or mined already (sent before a crash), or the executor transaction reverted / its EOA
    # nonce was used elsewhere (ready, G3), or the vault's nonce went to another transaction
    (s.SIGNED_FOR_EXECUTION, s.BROADCAST), (s.SIGNED_FOR_EXECUTION, s.MINED), (s.SIGNED_FOR_EXECUTION, s.READY),
    (s.SIGNED_FOR_EXECUTION, s.STALE), (s.SIGNED_FOR_EXECUTION, s.REJECTED),
    (s.BROADCAST, s.BROADCAST), (s.BROADCAST, s.MINED), (s.BROADCAST, s.READY), (s.BROADCAST, s.STALE),
    (s.BROADCAST, s.REJECTED),
    # mined: a reorganisation sends it back (G4), confirmations make it final or failed (G6)
    (s.MINED, s.BROADCAST), (s.MINED, s.FINAL), (s.MINED, s.FAILED),
}


def test_exactly_the_expected_moves_are_legal() -> None:
    legal = {(old, new) for old, new in itertools.product(s.ALL, repeat=2) if s.is_legal(old, new)}
    assert legal == EXPECTED


@pytest.mark.parametrize("old,new", sorted(set(itertools.product(s.ALL, repeat=2)) - EXPECTED))
def test_every_other_move_is_refused(old: str, new: str) -> None:
    with pytest.raises(s.IllegalTransition, match=f"from {old} to {new}"):
        s.require_legal(old, new)


def test_closed_states_are_terminal_and_a_failed_item_is_never_executed_again() -> None:
    for closed in s.CLOSED:
        assert not [new for new in s.ALL if s.is_legal(closed, new)]
    assert not s.is_legal(s.FAILED, s.READY) and not s.is_legal(s.FAILED, s.CLAIMED)


def test_nothing_is_sent_or_mined_without_stored_bytes_first() -> None:
    """The only way into signed_for_execution is from a claim, and nothing reaches broadcast or mined without passing
    through signed_for_execution first (the raw bytes are stored in that move)."""
    into = {new: {old for old in s.ALL if s.is_legal(old, new) and old != new} for new in s.ALL}
    assert into[s.SIGNED_FOR_EXECUTION] == {s.CLAIMED}
    assert into[s.BROADCAST] == {s.SIGNED_FOR_EXECUTION, s.MINED}
    assert into[s.MINED] == {s.SIGNED_FOR_EXECUTION, s.BROADCAST}
    assert into[s.CLAIMED] == {s.READY}
    assert into[s.FINAL] == into[s.FAILED] == {s.MINED}


def test_the_happy_path_and_a_reorganisation_are_legal_walks() -> None:
    walks = [
        [s.PROPOSED, s.APPROVING, s.READY, s.CLAIMED, s.SIGNED_FOR_EXECUTION, s.BROADCAST, s.MINED, s.FINAL],
        [s.READY, s.CLAIMED, s.SIGNED_FOR_EXECUTION, s.BROADCAST, s.MINED, s.BROADCAST, s.MINED, s.FAILED],
        [s.READY, s.CLAIMED, s.SIGNED_FOR_EXECUTION, s.BROADCAST, s.READY, s.CLAIMED],  # G3, executed again
    ]
    for walk in walks:
        for old, new in itertools.pairwise(walk):
            s.require_legal(old, new)


@pytest.mark.parametrize("valid,threshold,expected", [
    (0, 2, s.PROPOSED), (1, 2, s.APPROVING), (2, 2, s.READY), (3, 2, s.READY), (0, 0, s.PROPOSED),
    (5, 0, s.APPROVING),  # an unreadable vault (threshold 0) is never ready
])
def test_open_state_follows_the_valid_signatures(valid: int, threshold: int, expected: str) -> None:
    assert s.open_state_for(valid, threshold) == expected
