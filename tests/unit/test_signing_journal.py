"""SC-7, A11, A7: the signing journal and `sign_safe_tx`.

Every SafeTx signature is journaled and committed before the key is asked; a second digest at a nonce the key already
signed (or was asked to sign, even if the process died or the device reported a failure) is refused and recorded as
an incident; what is signed is recomputed from the raw fields and must equal what was displayed. The race at one
nonce is run on SQLite and on a private PostgreSQL server (tests/support/postgres.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from sqlalchemy import Engine, insert

from tests.support.postgres import PostgresError, PostgresServer, start_postgres
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.errors import KeyLocked, SignerMismatch, WalletError
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.signature import Signature
from wallet_app.keys.signer import KeyKind
from wallet_app.safe import journal as journal_module
from wallet_app.safe.journal import (
    ABORTED,
    FAILED,
    INCIDENT,
    INCIDENT_DISPLAY_MISMATCH,
    INCIDENT_SECOND_DIGEST,
    KIND_SAFE_REJECTION,
    KIND_SAFE_TX,
    RELEASED,
    REQUESTED,
    SigningBlocked,
    SigningJournal,
)
from wallet_app.safe.signatures import count_valid
from wallet_app.safe.signing import HashMismatch, is_rejection, rejection_for, sign_safe_tx
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import vaults

REPO = Path(__file__).resolve().parents[2]
CHAIN_ID = 177
VERSION = "1.4.1"
SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
KEY = keccak(b"custos journal test key")
ADDRESS = Account.from_key(KEY).address
OTHER_KEY = keccak(b"custos journal other key")
PAYEE = "0x96221423681A6d52E184D440a8eFCEbB105C7242"


def transfer(nonce: int = 5, value: int = 10**15, to: str = PAYEE) -> SafeTx:
    return SafeTx(safe=SAFE, chain_id=CHAIN_ID, version=VERSION, to=to, value=value, data=b"",
                  operation=Operation.CALL, nonce=nonce)


def digest_of(tx: SafeTx) -> bytes:
    return compute_hashes(tx).safe_tx_hash


class SpySigner:
    """A real keystore signer that records every digest it is asked to sign; `fail` makes it fail after signing."""

    def __init__(self, key: bytes = KEY, fail: BaseException | None = None) -> None:
        self._inner = KeystoreSigner(address=Account.from_key(key).address, private_key=key)
        self.asked: list[bytes] = []
        self.fail = fail

    @property
    def address(self) -> str:
        return self._inner.address

    @property
    def kind(self) -> KeyKind:
        return KeyKind.KEYSTORE

    def sign_digest(self, digest: bytes) -> Signature:
        self.asked.append(digest)
        signature = self._inner.sign_digest(digest)
        if self.fail is not None:
            raise self.fail  # the device signed, then the app saw a failure (A11's timeout)
        return signature


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(sqlite_url(tmp_path / "profile.sqlite3"))
    with engine.begin() as conn:
        conn.execute(insert(vaults).values(chain_id=CHAIN_ID, address=SAFE, label="Harbour client vault",
                                           added_at=datetime.now(UTC)))
    yield engine
    engine.dispose()


@pytest.fixture
def journal(engine: Engine) -> SigningJournal:
    return SigningJournal(engine)


def sign(journal: SigningJournal, tx: SafeTx, signer: Any = None, *, displayed: bytes | None = None) -> bytes:
    return sign_safe_tx(signer or SpySigner(), journal, tx, VERSION, CHAIN_ID,
                        displayed_hash=digest_of(tx) if displayed is None else displayed)


# -- A11: the second hash at a signed nonce -------------------------------------------------------------------------

def test_A11_second_hash_at_a_signed_nonce_is_blocked_and_an_incident(journal: SigningJournal) -> None:
    first, second = transfer(), transfer(to=ADDRESS, value=10**20)  # the attacker's queue: same nonce, other tx
    signer = SpySigner()
    signature = sign(journal, first, signer)
    assert len(signature) == 65
    with pytest.raises(SigningBlocked) as blocked:
        sign(journal, second, signer)
    assert signer.asked == [digest_of(first)]  # the key was never asked for the second one
    message = blocked.value.user_message
    assert message == (
        f"You already signed another transaction at nonce 5 of Harbour client vault ({SAFE}): signing a second one "
        "at the same nonce is how attackers harvest signatures (WazirX, Radiant). Custos refuses; if the first is "
        "abandoned, burn the nonce with a rejection."
    )
    assert isinstance(blocked.value, WalletError) and blocked.value.code == "signing_blocked"
    assert blocked.value.first_digest == digest_of(first) and blocked.value.blocked_digest == digest_of(second)
    (incident,) = journal.incidents(chain_id=CHAIN_ID, safe=SAFE)
    assert incident.id == blocked.value.incident_id and incident.state == INCIDENT and incident.nonce == 5
    assert incident.digest == digest_of(second)
    assert incident.detail["incident"] == INCIDENT_SECOND_DIGEST
    assert incident.detail["first_digest"] == "0x" + digest_of(first).hex()
    assert [e.state for e in journal.signed_at(CHAIN_ID, ADDRESS, SAFE, 5)] == [RELEASED]


def test_A11_same_digest_retry_is_allowed_and_gets_the_same_ticket(journal: SigningJournal) -> None:
    tx = transfer()
    first = journal.record_request(CHAIN_ID, ADDRESS, KIND_SAFE_TX, digest_of(tx), safe=SAFE, nonce=5)
    again = journal.record_request(CHAIN_ID, ADDRESS.lower(), KIND_SAFE_TX, "0x" + digest_of(tx).hex(),
                                   safe=SAFE.lower(), nonce=5)
    assert again.id == first.id and first.fresh and not again.fresh
    assert sign(journal, tx) == sign(journal, tx)  # RFC 6979: the same signature again
    assert [e.state for e in journal.entries()] == [RELEASED]


def test_A11_another_signer_at_the_same_nonce_is_allowed(journal: SigningJournal) -> None:
    sign(journal, transfer())
    other = SpySigner(OTHER_KEY)
    assert len(sign(journal, transfer(to=ADDRESS), other)) == 65  # the other officer's own choice at nonce 5
    assert journal.incidents() == []


def test_A11_other_nonces_other_vaults_and_other_chains_are_independent(journal: SigningJournal) -> None:
    sign(journal, transfer(nonce=5))
    sign(journal, transfer(nonce=6, to=ADDRESS))
    digest = digest_of(transfer(to=ADDRESS))
    journal.record_request(CHAIN_ID, ADDRESS, KIND_SAFE_TX, digest, safe=PAYEE, nonce=5)
    journal.record_request(CHAIN_ID + 1, ADDRESS, KIND_SAFE_TX, digest, safe=SAFE, nonce=5)
    assert journal.incidents() == []


def test_A11_a_failed_or_timed_out_signing_still_blocks(journal: SigningJournal) -> None:
    """The device returned a signature and the app saw a timeout: the signature may be out there."""
    with pytest.raises(TimeoutError):
        sign(journal, transfer(), SpySigner(fail=TimeoutError("the device did not answer")))
    (entry,) = journal.entries()
    assert entry.state == FAILED and "TimeoutError" in entry.detail["reason"]
    with pytest.raises(SigningBlocked):
        sign(journal, transfer(to=ADDRESS))
    assert len(sign(journal, transfer())) == 65  # retrying the same transaction is fine
    assert [e.state for e in journal.entries(state=RELEASED)] == [RELEASED]


def test_a_locked_key_signed_nothing_and_does_not_block(journal: SigningJournal) -> None:
    class Locked(SpySigner):
        def sign_digest(self, digest: bytes) -> Signature:
            raise KeyLocked("locked")

    with pytest.raises(KeyLocked):
        sign(journal, transfer(), Locked())
    assert [e.state for e in journal.entries()] == [ABORTED]
    assert len(sign(journal, transfer(to=ADDRESS))) == 65  # nothing was signed at nonce 5 before


def test_a_signature_that_does_not_check_out_is_discarded_and_still_blocks(journal: SigningJournal) -> None:
    class Forger(SpySigner):
        def sign_digest(self, digest: bytes) -> Signature:
            self.asked.append(digest)
            other = Account.unsafe_sign_hash(digest, OTHER_KEY)  # a device answering with another key's signature
            return Signature(other.r, other.s, other.v)

    with pytest.raises(SignerMismatch, match="discarded"):
        sign(journal, transfer(), Forger())
    assert [e.state for e in journal.entries()] == [FAILED]
    with pytest.raises(SigningBlocked):
        sign(journal, transfer(to=ADDRESS))


def test_A11_burning_the_nonce_with_a_rejection_is_allowed(journal: SigningJournal) -> None:
    sign(journal, transfer())
    rejection = rejection_for(SAFE, CHAIN_ID, VERSION, 5)
    assert is_rejection(rejection) and not is_rejection(transfer())
    assert not is_rejection(replace(rejection, gas_price=1))
    signature = sign(journal, rejection)
    kinds = [(e.kind, e.state) for e in journal.entries()]
    assert kinds == [(KIND_SAFE_TX, RELEASED), (KIND_SAFE_REJECTION, RELEASED)]
    result = count_valid(compute_hashes(rejection), signature, [ADDRESS], 1, None, SAFE, 0, version=VERSION)
    assert result.met
    with pytest.raises(SigningBlocked):  # still no third transaction at nonce 5
        sign(journal, transfer(to=ADDRESS))


def test_the_signature_counts_for_the_vault(journal: SigningJournal) -> None:
    tx = transfer()
    signature = sign(journal, tx)
    result = count_valid(compute_hashes(tx), signature, [ADDRESS], 1, None, SAFE, 0, version=VERSION)
    assert result.met and result.signers == (ADDRESS,)


def test_sign_safe_tx_through_a_key_service(tmp_path: Path, engine: Engine, journal: SigningJournal) -> None:
    from wallet_app.keys.os_keyring import OsKeyring
    from wallet_app.keys.registry import KeyRegistry
    from wallet_app.keys.service import KeyService

    keys = KeyService(registry=KeyRegistry(engine=engine), keystore_dir=tmp_path, os_keyring=OsKeyring(service="t"),
                      load_vaults=list, allow_quorum_on_device=True, idle_timeout_seconds=600,
                      backoff_unit_seconds=0)
    keys.import_private_key(KEY.hex(), "Officer", "a good password")
    with pytest.raises(KeyLocked):
        sign_safe_tx(keys, journal, transfer(), VERSION, CHAIN_ID, displayed_hash=digest_of(transfer()),
                     address=ADDRESS)
    assert journal.entries() == []  # a locked key is refused before anything is journaled
    keys.unlock(ADDRESS, "a good password")
    signature = sign_safe_tx(keys, journal, transfer(), VERSION, CHAIN_ID, displayed_hash=digest_of(transfer()),
                             address=ADDRESS)
    assert Account._recover_hash(digest_of(transfer()), signature=signature) == ADDRESS
    with pytest.raises(ValueError, match="address"):
        sign_safe_tx(keys, journal, transfer(), VERSION, CHAIN_ID, displayed_hash=digest_of(transfer()))


# -- SC-7: a crash after the request is journaled ---------------------------------------------------------------

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from eth_account import Account
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.keys.signer import KeyKind
from wallet_app.safe.journal import SigningJournal
from wallet_app.safe.signing import sign_safe_tx
from wallet_app.storage.database import open_database, sqlite_url

class HangingSigner:
    address = Account.from_key(bytes.fromhex(sys.argv[3])).address
    kind = KeyKind.KEYSTORE
    def sign_digest(self, digest):
        print("signing " + digest.hex(), flush=True)  # the device is asked; the process dies before it answers
        time.sleep(600)

tx = SafeTx(safe=sys.argv[4], chain_id=int(sys.argv[5]), version=sys.argv[6], to=sys.argv[7], value=10**15,
            data=b"", operation=Operation.CALL, nonce=5)
journal = SigningJournal(open_database(sqlite_url(sys.argv[2])))
sign_safe_tx(HangingSigner(), journal, tx, sys.argv[6], int(sys.argv[5]),
             displayed_hash=compute_hashes(tx).safe_tx_hash)
"""


def test_SC7_a_crash_after_the_request_keeps_it_and_the_nonce_stays_blocked(tmp_path: Path, engine: Engine) -> None:
    database = tmp_path / "profile.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(REPO), str(database), KEY.hex(), SAFE, str(CHAIN_ID), VERSION, PAYEE],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("signing "), child.stderr.read() if child.stderr else line
        os.kill(child.pid, signal.SIGKILL)  # after the journal's commit, before the signature is released
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert line.strip() == "signing " + digest_of(transfer()).hex()
    restarted = SigningJournal(open_database(sqlite_url(database)))
    (entry,) = restarted.entries()
    assert (entry.state, entry.digest, entry.nonce, entry.signer) == (REQUESTED, digest_of(transfer()), 5, ADDRESS)
    signer = SpySigner()
    with pytest.raises(SigningBlocked):
        sign(restarted, transfer(to=ADDRESS), signer)  # "failed sign still counts"
    assert signer.asked == []
    assert len(sign(restarted, transfer(), signer)) == 65  # the same transaction may be signed again
    states = [(e.id == entry.id, e.state) for e in restarted.entries()]
    assert states == [(True, RELEASED), (False, INCIDENT)]


# -- A7: what is displayed is what is signed ---------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [("data", bytes.fromhex("a9059cbb") + bytes(64)),
                                         ("operation", Operation.DELEGATECALL), ("to", ADDRESS),
                                         ("gas_price", 50)])
def test_A7_display_differs_from_signed_aborts(journal: SigningJournal, field: str, value: object) -> None:
    tx = transfer()
    displayed = compute_hashes(tx).safe_tx_hash  # what the review dialog showed
    object.__setattr__(tx, field, value)  # fault injection between the render layer and the signer call
    signer = SpySigner()
    with pytest.raises(HashMismatch, match="not the one you were shown") as aborted:
        sign_safe_tx(signer, journal, tx, VERSION, CHAIN_ID, displayed_hash=displayed)
    assert signer.asked == []  # no signature was made
    assert aborted.value.code == "hash_mismatch"
    (incident,) = journal.entries()
    assert incident.state == INCIDENT and incident.detail["incident"] == INCIDENT_DISPLAY_MISMATCH
    assert incident.detail["displayed"] == "0x" + displayed.hex()
    assert incident.detail["recomputed"] == "0x" + compute_hashes(tx).safe_tx_hash.hex()
    assert journal.signed_at(CHAIN_ID, ADDRESS, SAFE, 5) == []  # nothing counts as signed at the nonce


def test_A7_a_mutation_after_the_check_cannot_change_what_is_signed(journal: SigningJournal,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tx = transfer()
    displayed = digest_of(tx)
    real = SigningJournal.record_request

    def mutate_then_record(self: SigningJournal, *args: Any, **kwargs: Any) -> Any:
        object.__setattr__(tx, "data", b"\xde\xad")  # between the hash check and the signer
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SigningJournal, "record_request", mutate_then_record)
    signer = SpySigner()
    signature = sign_safe_tx(signer, journal, tx, VERSION, CHAIN_ID, displayed_hash=displayed)
    assert signer.asked == [displayed]
    assert Account._recover_hash(displayed, signature=signature) == ADDRESS


@pytest.mark.parametrize("chain_id,version", [(1, VERSION), (CHAIN_ID, "1.1.1")])
def test_A7_a_transaction_built_for_another_chain_or_version_aborts(journal: SigningJournal, chain_id: int,
                                                                    version: str) -> None:
    tx = replace(transfer(), chain_id=chain_id, version=version)
    with pytest.raises(HashMismatch):
        sign_safe_tx(SpySigner(), journal, tx, VERSION, CHAIN_ID, displayed_hash=digest_of(tx))
    assert [e.state for e in journal.entries()] == [INCIDENT]


def test_a_displayed_hash_of_the_wrong_length_aborts(journal: SigningJournal) -> None:
    with pytest.raises(HashMismatch):
        sign(journal, transfer(), displayed=digest_of(transfer())[:31])


def test_journal_refuses_bad_input(journal: SigningJournal) -> None:
    with pytest.raises(ValueError):
        journal.record_request(CHAIN_ID, ADDRESS, KIND_SAFE_TX, b"\x01" * 31, safe=SAFE, nonce=1)
    with pytest.raises(ValueError):
        journal.record_request(CHAIN_ID, ADDRESS, KIND_SAFE_TX, b"\x01" * 32, safe=SAFE, nonce=-1)
    with pytest.raises(ValueError):
        journal.record_request(CHAIN_ID, ADDRESS, "", b"\x01" * 32)
    with pytest.raises(WalletError):
        journal.record_request(CHAIN_ID, "0xnot an address", KIND_SAFE_TX, b"\x01" * 32)


def test_requests_without_a_nonce_are_journaled_but_never_blocked(journal: SigningJournal) -> None:
    first = journal.record_request(CHAIN_ID, ADDRESS, "policy_approval", b"\x01" * 32)
    second = journal.record_request(CHAIN_ID, ADDRESS, "policy_approval", b"\x02" * 32)
    again = journal.record_request(CHAIN_ID, ADDRESS, "policy_approval", b"\x01" * 32)
    assert first.id != second.id and again.id == first.id
    journal.mark_released(first)
    journal.mark_failed(second, "cancelled")
    assert [e.state for e in journal.entries()] == [RELEASED, FAILED]


# -- the race at one nonce ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except PostgresError as error:
        pytest.fail(f"PostgreSQL could not be started: {error}")
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def racing_journal(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[SigningJournal]:
    if request.param == "sqlite":
        engine = open_database(sqlite_url(tmp_path / "race.sqlite3"))
        database = None
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        database = server.create_database("journal_race")
        engine = open_database(server.url(database))
    # Widen the window between the check and the insert: without the lock both requests would pass the check.
    real_insert = journal_module.SigningJournal._insert

    def slow_insert(*args: Any) -> int:
        time.sleep(0.02)
        return real_insert(*args)

    monkeypatch.setattr(journal_module.SigningJournal, "_insert", staticmethod(slow_insert))
    try:
        yield SigningJournal(engine)
    finally:
        engine.dispose()
        if database is not None:
            request.getfixturevalue("postgres").drop_database(database)


def test_two_threads_racing_two_digests_at_one_nonce_exactly_one_wins(racing_journal: SigningJournal) -> None:
    for nonce in range(10):
        barrier = threading.Barrier(2)
        outcomes: list[object] = []

        def request(digest: bytes, nonce: int = nonce, barrier: threading.Barrier = barrier,
                    outcomes: list[object] = outcomes) -> None:
            barrier.wait()
            try:
                outcomes.append(racing_journal.record_request(CHAIN_ID, ADDRESS, KIND_SAFE_TX, digest, safe=SAFE,
                                                              nonce=nonce))
            except Exception as exc:  # the loser's SigningBlocked, or anything unexpected
                outcomes.append(exc)

        threads = [threading.Thread(target=request, args=(bytes([nonce, k]) * 16,)) for k in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        winners = [o for o in outcomes if isinstance(o, journal_module.JournalTicket)]
        losers = [o for o in outcomes if isinstance(o, SigningBlocked)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        states = sorted(e.state for e in racing_journal.entries(nonce=nonce))
        assert states == [INCIDENT, REQUESTED]
        assert losers[0].first_digest == winners[0].digest
