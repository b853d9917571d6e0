"""Rows of the approval queue edited or forged directly in the database (SECURITY J2, J3, J6): nothing read from a row
counts unless its signature verifies now, and a reviewer is told which rows do not count and why.

Every test works on a private copy of a demo home (`custos demo init`: Dana Ho proposes, the officers Alice, Ben and
Carmen own the 2-of-3 client vault), with real proposals and approvals made through `QueueService`; the attacker
then writes to the profile's database with plain SQL, outside Custos. J6 runs on the profile's SQLite file and on a
shared PostgreSQL database (where a compromised server is the threat).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support.queue_worker import (
    ALICE,
    BEN,
    CARMEN,
    CENT,
    DANA,
    Desk,
    check_queue_invariants,
    copy_home,
    move_profile_to_postgres,
    open_desk,
    shared_demo_home,
)
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.queue.records import proposal_digest, safe_tx_to_row
from wallet_app.queue.service import QueueError
from wallet_app.safe.signatures import Flag

ATTACKER_KEY = bytes.fromhex("5e" * 32)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_demo_home(tmp_path_factory.getbasetemp())


@pytest.fixture
def desk(demo: Path, tmp_path: Path) -> Iterator[Desk]:
    with open_desk(copy_home(demo, tmp_path / "home")) as opened:
        yield opened


def attacker() -> KeystoreSigner:
    from eth_account import Account

    return KeystoreSigner(address=str(Account.from_key(ATTACKER_KEY).address), private_key=ATTACKER_KEY)


def sql(desk: Desk, statement: str, **params: Any) -> int:
    """Run SQL on the profile's database as someone with the database would: not through Custos."""
    engine = create_engine(desk.engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            return int(conn.execute(text(statement), params).rowcount)
    finally:
        engine.dispose()


def signature_of(desk: Desk, safe_tx_hash: str, owner: str) -> str:
    engine = create_engine(desk.engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT signature FROM queue_signatures WHERE safe_tx_hash = :h AND "
                                         "owner = :o"), {"h": safe_tx_hash, "o": owner}).scalar_one())
    finally:
        engine.dispose()


def flags(entry: Any) -> dict[str, Flag | None]:
    """signer (as recovered) -> why it does not count, for every check that does not count."""
    return {str(c.signer): c.flag for c in entry.tally.checks if not c.valid}


def ready_item(desk: Desk, cents: int = 100) -> str:
    safe_tx_hash = desk.propose(cents).safe_tx_hash
    desk.approve(safe_tx_hash, ALICE)
    entry = desk.approve(safe_tx_hash, BEN)
    assert (entry.state, entry.valid_signatures, entry.signature_rows) == ("ready", 2, 2)
    return str(safe_tx_hash)


# -- J2: a signature row edited --------------------------------------------------------------------------------------

def test_J2_edited_signature_bytes_stop_counting_and_are_flagged(desk: Desk) -> None:
    safe_tx_hash = ready_item(desk)
    ben = desk.names[BEN]
    raw = bytearray.fromhex(signature_of(desk, safe_tx_hash, ben)[2:])
    raw[40] ^= 0x01  # one bit of s
    assert sql(desk, "UPDATE queue_signatures SET signature = :s WHERE safe_tx_hash = :h AND owner = :o",
               s="0x" + raw.hex(), h=safe_tx_hash, o=ben) == 1
    entry = desk.queue.entry(safe_tx_hash)
    assert (entry.valid_signatures, entry.signature_rows, entry.threshold) == (1, 2, 2)
    assert entry.signers == (desk.names[ALICE],)
    assert entry.state == "approving"  # recomputed from what verifies, not the stored "ready"
    assert entry.item.state == "ready"
    [flag] = entry.flagged
    assert flag.startswith(f"{ben}: ") and f"not to {ben} who is said to have signed" in flag
    # Garbage instead of a signature: flagged as garbled, never counted, the queue still loads.
    assert sql(desk, "UPDATE queue_signatures SET signature = '0xdeadbeef' WHERE safe_tx_hash = :h AND owner = :o",
               h=safe_tx_hash, o=ben) == 1
    entry = next(e for e in desk.queue.load() if e.safe_tx_hash == safe_tx_hash)
    assert (entry.valid_signatures, entry.signature_rows) == (1, 2)
    assert any(f.startswith(f"{ben}: garbled") for f in entry.flagged), entry.flagged


def test_J2_edited_owner_column_is_tampered_and_the_genuine_owner_still_counts(desk: Desk) -> None:
    safe_tx_hash = ready_item(desk)
    alice, carmen = desk.names[ALICE], desk.names[CARMEN]
    # Alice's row now claims to be Carmen's approval.
    assert sql(desk, "UPDATE queue_signatures SET owner = :c WHERE safe_tx_hash = :h AND owner = :a",
               h=safe_tx_hash, a=alice, c=carmen) == 1
    entry = desk.queue.entry(safe_tx_hash)
    assert (entry.valid_signatures, entry.signature_rows) == (1, 2)
    assert entry.signers == (desk.names[BEN],)
    assert flags(entry) == {alice: Flag.TAMPERED}
    [flag] = entry.flagged
    assert flag == (f"{carmen}: tampered: the row names {carmen} but the signature is {alice}'s; it does not count")
    # Alice approves again: her own row counts; the renamed copy of her signature stays flagged and does not take its
    # place (it used to void her new row as a "duplicate").
    entry = desk.approve(safe_tx_hash, ALICE)
    assert (entry.valid_signatures, entry.signature_rows) == (2, 3)
    assert set(entry.signers) == {alice, desk.names[BEN]} and entry.state == "ready"
    assert flags(entry) == {alice: Flag.TAMPERED}


def test_J2_an_owner_whose_row_was_tampered_can_approve_again(desk: Desk) -> None:
    safe_tx_hash = ready_item(desk)
    ben = desk.names[BEN]
    assert sql(desk, "UPDATE queue_signatures SET signature = '0xdeadbeef' WHERE safe_tx_hash = :h AND owner = :o",
               h=safe_tx_hash, o=ben) == 1
    assert desk.queue.entry(safe_tx_hash).valid_signatures == 1
    entry = desk.approve(safe_tx_hash, BEN)  # Ben signs again: either it counts, or he is told it did not
    assert ben in entry.signers and entry.valid_signatures == 2


# -- J3: the payload edited under its hash ---------------------------------------------------------------------------

def test_J3_edited_data_under_the_same_hash_is_quarantined_and_refused(desk: Desk) -> None:
    safe_tx_hash = desk.propose(100).safe_tx_hash
    desk.approve(safe_tx_hash, ALICE)
    other = desk.propose(200).safe_tx_hash
    sanctioned = desk.names["Sanctioned Shell Co."]
    evil = build_call("transfer(address,uint256)", sanctioned, 100 * CENT)
    assert sql(desk, "UPDATE queue_items SET data = :d WHERE safe_tx_hash = :h", d="0x" + evil.hex(),
               h=safe_tx_hash) == 1
    entry = desk.queue.entry(safe_tx_hash)
    assert entry.quarantined.startswith("its fields hash to 0x") and f"not to the {safe_tx_hash}" in entry.quarantined
    assert entry.tally is None and entry.valid_signatures == 0  # Alice's genuine approval is of other fields
    assert entry.intent_text == ""  # the edited payload is not put in words as if it were the transaction
    assert entry.to_json()["quarantined"] == entry.quarantined
    with pytest.raises(QueueError, match="is quarantined"):
        desk.approve(safe_tx_hash, BEN)
    execute = getattr(desk.queue, "execute_with", None)
    if execute is not None:  # execution is being written; when it lands it must refuse too
        with pytest.raises(QueueError, match="quarantined"):
            execute(safe_tx_hash, desk.signer(BEN))
    assert desk.queue.entry(safe_tx_hash).signature_rows == 1  # nothing was added
    # The item next to it is untouched and can be approved.
    assert desk.approve(other, ALICE).valid_signatures == 1
    # Editing the key along with the data does not help: the proposal record signs the original hash.
    third = desk.propose(300)
    moved = "0x" + compute_hashes(SafeTx(
        safe=desk.names["Harbour client vault"], chain_id=desk.chain_id, version="1.4.1",
        to=desk.names["Harbour HKD"], value=0, data=evil, operation=Operation.CALL,
        nonce=third.item.nonce)).safe_tx_hash.hex()
    assert sql(desk, "UPDATE queue_items SET data = :d, safe_tx_hash = :m WHERE safe_tx_hash = :h",
               d="0x" + evil.hex(), m=moved, h=third.safe_tx_hash) == 1
    entry = desk.queue.entry(moved)
    assert not entry.proposer_verified
    assert entry.quarantined.startswith(f"the proposal record is not signed by {desk.names[DANA]}")
    with pytest.raises(QueueError, match="is quarantined"):
        desk.approve(moved, ALICE)
    # An unreadable row (not hex at all) is named when the whole queue is loaded; single items still load.
    assert sql(desk, "UPDATE queue_items SET data = '0xzz' WHERE safe_tx_hash = :h", h=safe_tx_hash) == 1
    with pytest.raises(QueueError, match=f"first: {safe_tx_hash}.*edited outside Custos"):
        desk.queue.load()
    assert desk.queue.entry(other).valid_signatures == 1


# -- J6: the shared database compromised -----------------------------------------------------------------------------

def forge_rows(desk: Desk, safe_tx_hash: str) -> dict[str, str]:
    """Three fake approvals of a genuine item: the attacker's key under Carmen's name, the attacker's key under its
    own name, and a copy of Alice's genuine signature under a made-up name."""
    thief = attacker()
    digest = bytes.fromhex(safe_tx_hash[2:])
    fake = "0x" + thief.sign_digest(digest).to_bytes().hex()
    stranger = "0x" + "77" * 20
    rows = {desk.names[CARMEN]: fake, thief.address: fake,
            "0x7777777777777777777777777777777777777777": signature_of(desk, safe_tx_hash, desk.names[ALICE])}
    for owner, signature in rows.items():
        sql(desk, "INSERT INTO queue_signatures (chain_id, safe_tx_hash, owner, signature, source, added_at, "
                  "added_by) VALUES (:c, :h, :o, :s, 'custos', CURRENT_TIMESTAMP, 'desk-9')",
            c=desk.chain_id, h=safe_tx_hash, o=owner, s=signature)
    assert stranger.lower() in {o.lower() for o in rows}
    return rows


def forge_proposal(desk: Desk, nonce: int, *, proposer: str, record_signer: KeystoreSigner) -> str:
    """A proposal inserted directly: 900,000 HKDH to the attacker, the record naming `proposer`."""
    tx = SafeTx(safe=desk.names["Harbour client vault"], chain_id=desk.chain_id, version="1.4.1",
                to=desk.names["Harbour HKD"], value=0,
                data=build_call("transfer(address,uint256)", attacker().address, 900_000 * 10**6),
                operation=Operation.CALL, nonce=nonce)
    key = "0x" + compute_hashes(tx).safe_tx_hash.hex()
    record = record_signer.sign_digest(proposal_digest(desk.chain_id, tx.safe, nonce, key)).to_bytes()
    row = safe_tx_to_row(tx)
    columns = ", ".join(row)
    values = ", ".join(f":{c}" for c in row)
    sql(desk, f"INSERT INTO queue_items (chain_id, safe_tx_hash, {columns}, proposer, proposer_signature, "
              f"proposed_at, state, state_reason, updated_at) VALUES (:chain_id, :key, {values}, :proposer, :sig, "
              "CURRENT_TIMESTAMP, 'ready', '', CURRENT_TIMESTAMP)",
        chain_id=desk.chain_id, key=key, proposer=proposer, sig="0x" + record.hex(), **row)
    digest = bytes.fromhex(key[2:])
    for officer in (ALICE, BEN, CARMEN):  # "approvals" by all three officers, made with the attacker's key
        sql(desk, "INSERT INTO queue_signatures (chain_id, safe_tx_hash, owner, signature, source, added_at, "
                  "added_by) VALUES (:c, :h, :o, :s, 'custos', CURRENT_TIMESTAMP, 'desk-9')",
            c=desk.chain_id, h=key, o=desk.names[officer],
            s="0x" + record_signer.sign_digest(digest).to_bytes().hex())
    return key


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_desk(request: pytest.FixtureRequest, demo: Path, tmp_path: Path) -> Iterator[Desk]:
    home = copy_home(demo, tmp_path / "home")
    if request.param == "postgresql":
        move_profile_to_postgres(home, request.getfixturevalue("postgres_url"))
    with open_desk(home) as opened:
        assert opened.engine.dialect.name == request.param
        yield opened


def test_J6_forged_rows_count_for_nothing_2_valid_of_5_rows(shared_desk: Desk) -> None:
    desk = shared_desk
    genuine = ready_item(desk)
    thief = attacker().address
    forge_rows(desk, genuine)
    entry = desk.queue.entry(genuine)
    assert (entry.valid_signatures, entry.signature_rows, entry.threshold) == (2, 5, 2)
    assert set(entry.signers) == {desk.names[ALICE], desk.names[BEN]}
    assert len(entry.flagged) == 3
    why = flags(entry)
    assert why[desk.names[ALICE]] == Flag.TAMPERED  # Alice's signature copied under another name
    assert set(why) == {desk.names[ALICE], thief}  # the attacker's two rows recover to the attacker
    assert not any(c.valid and c.signer == thief for c in entry.tally.checks)
    assert entry.to_json()["valid_signatures"] == 2 and entry.to_json()["signature_rows"] == 5

    # A forged proposal naming Dana, signed by the attacker, with three fake approvals: quarantined, 0 valid.
    forged = forge_proposal(desk, desk.next_nonce(), proposer=desk.names[DANA], record_signer=attacker())
    entry = desk.queue.entry(forged)
    assert not entry.proposer_verified
    assert entry.quarantined.startswith(f"the proposal record is not signed by {desk.names[DANA]}")
    assert (entry.valid_signatures, entry.signature_rows) == (0, 3)
    assert entry.item.state == "ready" and entry.state == "ready"  # as stored; quarantine blocks it anyway
    with pytest.raises(QueueError, match="is quarantined"):
        desk.approve(forged, ALICE)
    listed = {e.safe_tx_hash: e for e in desk.queue.load()}
    assert listed[forged].quarantined and listed[genuine].valid_signatures == 2
    # None of it reached the audit log or the journal: the attacker has no entry, and the log still verifies.
    report = desk.services.audit.verify()
    assert report.intact, report.describe()
    assert not [e for e in desk.services.audit.load_all() if e.subject == forged]


def test_J6_invariants_hold_for_genuine_rows(desk: Desk) -> None:
    """The checks the other queue tests rely on see a forged row (so they can fail)."""
    genuine = ready_item(desk)
    check_queue_invariants(desk)
    forge_rows(desk, genuine)
    with pytest.raises(AssertionError):
        check_queue_invariants(desk)
