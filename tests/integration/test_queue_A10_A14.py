"""Two proposals at one nonce (SECURITY A10, A11) and an owner removed on chain while their approval waits in the queue
(A14), on a private copy of a demo home with real proposals and approvals.

A10: both items are listed, each naming the other as a conflict; neither is chosen for the officers. A11: an officer
who signed one of them cannot sign the other (the signing journal refuses the second digest at that nonce and
records an incident); asking again for the digest already signed is a retry and goes through; burning the nonce by a
rejection stays possible. A14: a removed owner's approval stops counting and is flagged as a stale approver, and
the removed key cannot approve any more.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.queue_worker import (
    ALICE,
    BEN,
    CARMEN,
    CLIENT_VAULT,
    Desk,
    check_queue_invariants,
    copy_home,
    open_desk,
    shared_demo_home,
)
from wallet_app.domain.abi import build_call
from wallet_app.queue.service import QueueError
from wallet_app.safe.journal import INCIDENT_SECOND_DIGEST, SigningBlocked
from wallet_app.safe.signatures import Flag

SENTINEL = "0x0000000000000000000000000000000000000001"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_demo_home(tmp_path_factory.getbasetemp())


@pytest.fixture
def desk(demo: Path, tmp_path: Path) -> Iterator[Desk]:
    with open_desk(copy_home(demo, tmp_path / "home")) as opened:
        yield opened


def test_A10_A11_two_proposals_at_one_nonce_are_conflicts_and_one_officer_signs_only_one(desk: Desk) -> None:
    nonce = desk.next_nonce()
    first = desk.propose(100, nonce).safe_tx_hash
    second = desk.propose(200, nonce).safe_tx_hash
    assert first != second
    listed = {e.safe_tx_hash: e for e in desk.queue.load()}
    assert listed[first].conflicts == (second,) and listed[second].conflicts == (first,)
    assert listed[first].state == listed[second].state == "proposed"  # neither is picked
    assert desk.queue.entry(second).conflicts == (first,)  # a single item is reviewed with its rival
    assert desk.next_nonce() == nonce + 1  # the nonce is taken; a third proposal would not silently join it

    alice = desk.names[ALICE]
    assert desk.approve(first, ALICE).signers == (alice,)
    with pytest.raises(SigningBlocked) as blocked:
        desk.approve(second, ALICE)
    assert f"nonce {nonce} of Harbour client vault" in blocked.value.user_message
    assert "burn the nonce with a rejection" in blocked.value.user_message
    assert "0x" + blocked.value.blocked_digest.hex() == second
    assert "0x" + blocked.value.first_digest.hex() == first
    journal = desk.services.queue._journal
    vault = desk.names[CLIENT_VAULT]
    [incident] = [e for e in journal.incidents(safe=vault) if e.signer == alice and e.nonce == nonce]
    assert incident.detail["incident"] == INCIDENT_SECOND_DIGEST and "0x" + incident.digest.hex() == second
    assert ["0x" + e.digest.hex() for e in journal.signed_at(desk.chain_id, alice, vault, nonce)] == [first]
    entry = desk.queue.entry(second)
    assert entry.signature_rows == 0 and entry.state == "proposed"  # nothing of Alice's reached the item

    # Asking again for the digest she signed is a retry: an idempotent success, no second row, no incident.
    again = desk.approve(first, ALICE)
    assert again.signers == (alice,) and again.signature_rows == 1
    assert len([e for e in journal.incidents(safe=vault) if e.signer == alice]) == 1

    # Another officer may sign the other item (each officer one digest per nonce), and is then held to it.
    assert desk.approve(second, BEN).signers == (desk.names[BEN],)
    with pytest.raises(SigningBlocked):
        desk.approve(first, BEN)
    # Neither reaches the threshold on its own; the conflict stays shown until the officers settle it.
    listed = {e.safe_tx_hash: e for e in desk.queue.load()}
    assert (listed[first].valid_signatures, listed[second].valid_signatures) == (1, 1)
    assert listed[first].conflicts == (second,) and listed[second].conflicts == (first,)

    # The way out the incident offers: Alice burns the nonce with a rejection, allowed beside her one signature.
    rejection = desk.queue.reject_with(second, desk.signer(ALICE))
    assert rejection.item.nonce == nonce and alice in rejection.signers
    listed = {e.safe_tx_hash: e for e in desk.queue.load()}
    assert set(listed[first].conflicts) == {second, rejection.safe_tx_hash}
    check_queue_invariants(desk)


def test_A14_an_owner_removed_on_chain_is_a_stale_approver_and_cannot_approve(desk: Desk) -> None:
    waiting = desk.propose(100)
    other = desk.propose(200)
    desk.approve(waiting.safe_tx_hash, ALICE)
    entry = desk.approve(waiting.safe_tx_hash, BEN)
    assert (entry.state, entry.valid_signatures) == ("ready", 2)
    before = entry.owners
    ben = desk.names[BEN]
    # Outside Custos, Alice and Carmen remove Ben from the client vault (threshold stays 2) at the vault's nonce.
    vault = desk.names[CLIENT_VAULT]
    position = list(before).index(ben)
    previous = SENTINEL if position == 0 else before[position - 1]
    desk.execute_on_chain(CLIENT_VAULT, entry.vault_nonce, vault,
                          build_call("removeOwner(address,address,uint256)", previous, ben, 2), (ALICE, CARMEN))

    entry = desk.queue.entry(waiting.safe_tx_hash)
    assert ben not in entry.owners and set(entry.owners) == set(before) - {ben}
    assert (entry.valid_signatures, entry.signature_rows, entry.threshold) == (1, 2, 2)
    assert entry.signers == (desk.names[ALICE],)
    assert entry.state == "approving" and entry.item.state == "ready"  # recomputed now, stored as it was
    [flagged] = entry.flagged
    assert flagged.startswith(f"{ben}: ") and "stale approver" in flagged and "owner" in flagged
    [stale] = [c for c in entry.tally.checks if not c.valid]
    assert stale.flag is Flag.STALE_APPROVER and stale.signer == ben

    # Ben's key can no longer approve, this item or any other; nothing is signed or stored.
    journal_before = len(desk.services.queue._journal.entries(signer=ben))
    for item in (waiting.safe_tx_hash, other.safe_tx_hash):
        with pytest.raises(QueueError, match=f"{ben} is not an owner of .* now, so it cannot approve"):
            desk.approve(item, BEN)
    assert len(desk.services.queue._journal.entries(signer=ben)) == journal_before
    assert desk.queue.entry(other.safe_tx_hash).signature_rows == 0

    # A current owner completes the quorum again.
    entry = desk.approve(waiting.safe_tx_hash, CARMEN)
    assert (entry.state, entry.valid_signatures, entry.signature_rows) == ("ready", 2, 3)
    assert set(entry.signers) == {desk.names[ALICE], desk.names[CARMEN]}
