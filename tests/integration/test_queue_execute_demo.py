"""Executing queued transactions on the embedded devnet of a fresh demo profile (issue 6; SECURITY A15, G5, G7).

The module's demo home comes from its own `custos demo init`; every test works on a private copy (profile and
devnet). Dana Ho (operations, owner of nothing) proposes, two officers approve, and an executor account of the profile
sends execTransaction. The demo already queues payouts of the client vault, and the policy's 24-hour velocity counts
what the queue holds, so a new payout may be escalated to the compliance officer: Ben and Carmen approve (Carmen
holds that role), which the policy accepts either way.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_hash.auto import keccak
from sqlalchemy import select

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from wallet_app.audit.log import AuditLog
from wallet_app.demo.institution import HKD
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.errors import WalletError
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.check_request import CheckRequest
from wallet_app.profiles import Profile, open_profile
from wallet_app.queue.executor import ExecutorWithoutFunds
from wallet_app.queue.service import PolicyDenied, QueueError, QueueService
from wallet_app.queue.setup import build_queue_service
from wallet_app.queue.states import OPEN
from wallet_app.services import Services, build_services
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import audit_log, queue_broadcasts

ALICE, BEN, CARMEN = "Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)"
DANA = "Dana Ho (operations)"
KOWLOON, LION_ROCK = "Kowloon Pension Trust (investor)", "Lion Rock Family Office (investor)"
CLIENT_VAULT = "Harbour client vault"
HKDH = "Harbour HKD"
KOWLOON_CONTACT = ('[[contacts]]\nlabel = "Kowloon Pension Trust"\naddress = "{address}"\nkind = "investor"\n'
                   'added = 2025-01-06T00:00:00Z\ncounterparty = "Kowloon Pension Trust"\n\n')


@dataclass
class Desk:
    home: Path
    profile: Profile
    services: Services
    names: dict[str, str]
    keys: dict[str, bytes]

    @property
    def queue(self) -> QueueService:
        return self.services.queue

    def signer(self, label: str) -> KeystoreSigner:
        return KeystoreSigner(address=self.names[label], private_key=self.keys[label])

    def read_nonce(self) -> int:
        raw = self.services.chain.call(self.names[CLIENT_VAULT], build_call("nonce()"))
        return int.from_bytes(raw[:32], "big")

    def payout(self, amount: int, nonce: int | None, recipient: str = KOWLOON) -> CheckRequest:
        data = build_call("transfer(address,uint256)", self.names[recipient], amount)
        return CheckRequest(safe=self.names[CLIENT_VAULT], to=self.names[HKDH], data=data, nonce=nonce)

    def approved(self, amount: int, nonce: int | None = None, queue: QueueService | None = None,
                 approvers: tuple[str, ...] = (BEN, CARMEN)) -> str:
        """A payout proposed by Dana and approved by `approvers` (signers opened here, no password round trip)."""
        q = queue or self.queue
        proposed = q.propose_with(self.payout(amount, self.read_nonce() if nonce is None else nonce),
                                  self.signer(DANA))
        assert proposed.entry is not None, proposed.check.decision.reasons
        for label in approvers:
            q.approve_with(proposed.entry.safe_tx_hash, self.signer(label))
        return proposed.entry.safe_tx_hash

    def hkdh_balance(self, label: str) -> int:
        raw = self.services.chain.call(self.names[HKDH], build_call("balanceOf(address)", self.names[label]))
        return int.from_bytes(raw[:32], "big")

    def eoa_nonce(self, label: str) -> int:
        return self.services.chain.fetch_transaction_count(self.names[label], "latest")


def broadcasts(queue: QueueService, safe_tx_hash: str | None = None) -> list[tuple[str, str, int]]:
    return [(r.safe_tx_hash, r.tx_hash, r.eoa_nonce) for r in queue.store.load_broadcasts(safe_tx_hash)]


def execute_steps(engine: object, safe_tx_hash: str) -> list[tuple[str, str, bool]]:
    """(step, actor, signed) of the EXECUTE/INCIDENT audit entries about one item, in order."""
    import json

    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(audit_log).where(audit_log.c.subject == safe_tx_hash)
                            .order_by(audit_log.c.seq)).all()
    return [(json.loads(r.detail).get("step", ""), r.actor, r.signature is not None) for r in rows
            if r.action in ("execute", "incident")]


@pytest.fixture(scope="module")
def demo_keys(demo_home: Path) -> dict[str, bytes]:
    """The demo people's private keys, decrypted once (scrypt) for the module's signers."""
    keys: dict[str, bytes] = {}
    profile = open_profile(demo_home, "demo")
    try:
        labels = {entry.label: address for address, entry in profile.load_labels().items()}
        for label in (ALICE, BEN, CARMEN, DANA):
            path = profile.paths.keystores / f"{labels[label]}.json"
            keys[label] = decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD)
    finally:
        profile.close()
    return keys


@pytest.fixture
def desk(demo_home: Path, demo_keys: dict[str, bytes], tmp_path: Path) -> Iterator[Desk]:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    profile = open_profile(home, "demo")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        yield Desk(home, profile, services, names, demo_keys)
    finally:
        services.close()
        profile.close()


def test_the_full_2_of_3_flow_on_the_devnet(desk: Desk) -> None:
    q = desk.queue
    vault_nonce = desk.read_nonce()
    seeded = [e.safe_tx_hash for e in q.load(desk.names[CLIENT_VAULT]) if e.item.nonce == vault_nonce
              and e.item.state in OPEN]
    amount = 12_345 * HKD + 670_000
    proposed = q.propose(desk.payout(amount, vault_nonce), desk.names[DANA], DEMO_PASSWORD)
    assert proposed.entry is not None and proposed.check.decision.decision in ("allow", "escalate")
    key = proposed.entry.safe_tx_hash
    q.approve(key, desk.names[BEN], DEMO_PASSWORD)
    assert q.approve(key, desk.names[CARMEN], DEMO_PASSWORD).state == "ready"
    vault_before, kowloon_before = desk.hkdh_balance(CLIENT_VAULT), desk.hkdh_balance(KOWLOON)
    dana_nonce = desk.eoa_nonce(DANA)
    said: list[str] = []
    result = q.execute(key, desk.names[DANA], DEMO_PASSWORD, progress=said.append)  # Dana owns nothing: any key pays
    assert (result.state, result.outcome, result.executor) == ("final", "success", desk.names[DANA])
    assert result.eoa_nonce == dana_nonce and desk.eoa_nonce(DANA) == dana_nonce + 1
    receipt = desk.services.chain.fetch_receipt(bytes.fromhex(result.chain_tx_hash[2:]))
    assert receipt is not None and receipt.status == 1 and receipt.block_number == result.block_number
    assert result.gas_used == receipt.gas_used and result.max_fee_per_gas <= 100 * 10**9  # the policy's cap
    assert desk.hkdh_balance(CLIENT_VAULT) == vault_before - amount
    assert desk.hkdh_balance(KOWLOON) == kowloon_before + amount
    assert desk.read_nonce() == vault_nonce + 1
    assert any(m.startswith("Sending the executor transaction " + result.chain_tx_hash) for m in said)
    assert result.to_json()["chain_tx_hash"] == result.chain_tx_hash and result.to_json()["state"] == "final"
    # The raw bytes were stored (write-ahead) and are exactly what the chain mined.
    [row] = q.store.load_broadcasts(key)
    assert row.sent_at is not None and "0x" + keccak(row.raw_tx).hex() == row.tx_hash == result.chain_tx_hash
    # Each state change has its audit entry; the executor's are signed by the executor's key; the log verifies.
    steps = execute_steps(desk.profile.engine, key)
    assert [s for s, _a, _signed in steps] == ["claimed", "signed", "sent", "mined", "final"]
    assert all(actor == desk.names[DANA] and signed for _s, actor, signed in steps)
    assert desk.services.audit.verify().intact
    # G5: what waited at the same nonce is stale now and was never sent.
    for other in seeded:
        entry = q.entry(other)
        assert entry.state == "stale" and key in entry.item.state_reason
        assert broadcasts(q, other) == []
    # Following again changes nothing and sends nothing (INV-10); executing again is refused.
    before = ([(e.safe_tx_hash, e.item.state) for e in q.load()], broadcasts(q), desk.services.audit.load_head())
    assert q.follow() == [] and q.follow() == []
    assert ([(e.safe_tx_hash, e.item.state) for e in q.load()], broadcasts(q), desk.services.audit.load_head()) \
        == before
    with pytest.raises(QueueError, match="executed already: it is final"):
        q.execute_with(key, desk.signer(DANA))
    assert desk.eoa_nonce(DANA) == dana_nonce + 1


def test_execution_is_refused_below_the_threshold_and_out_of_nonce_order(desk: Desk) -> None:
    q = desk.queue
    nonce = desk.read_nonce()
    one = desk.approved(1_001 * HKD, nonce, approvers=(BEN,))
    with pytest.raises(QueueError, match="1 valid signature of threshold 2: it cannot be executed yet"):
        q.execute_with(one, desk.signer(DANA))
    later = desk.approved(1_002 * HKD, nonce + 7)
    with pytest.raises(QueueError, match=f"nonce {nonce} must execute first"):
        q.execute_with(later, desk.signer(DANA))
    assert q.entry(one).item.state == "approving" and q.entry(later).item.state == "ready"
    assert broadcasts(q, one) == broadcasts(q, later) == []
    assert execute_steps(desk.profile.engine, later) == []  # refused before any claim


def tighten_policy(desk: Desk) -> None:
    """The policy takes Kowloon Pension Trust off the allowlist (a tightening: in force at the quorum, at once)."""
    service = desk.services.policy
    active = service.active()
    contact = KOWLOON_CONTACT.format(address=desk.names[KOWLOON])
    assert active.document.text.count(contact) == 1, "the demo policy's contact changed"
    version = f"version = {active.version}"
    tighter = active.document.text.replace(version, f"version = {active.version + 1}", 1).replace(contact, "", 1)
    draft = service.propose(tighter, desk.names[ALICE], DEMO_PASSWORD)
    service.approve(draft.digest, desk.names[BEN], DEMO_PASSWORD)
    assert service.approve(draft.digest, desk.names[CARMEN], DEMO_PASSWORD).state == "active"


def test_A15_a_policy_tightened_after_the_approvals_refuses_execution_and_nothing_is_signed(desk: Desk) -> None:
    q = desk.queue
    key = desk.approved(2_000 * HKD)
    assert q.entry(key).state == "ready"
    tighten_policy(desk)
    dana_nonce = desk.eoa_nonce(DANA)
    with pytest.raises(PolicyDenied, match="denies this transaction at execution") as refused:
        q.execute_with(key, desk.signer(DANA))
    assert any("Kowloon Pension Trust" in r for r in refused.value.result.decision.reasons)
    item = q.entry(key).item
    assert item.state == "ready" and item.claim_token is None and item.exec_tx_hash is None
    assert broadcasts(q, key) == [] and desk.eoa_nonce(DANA) == dana_nonce
    assert execute_steps(desk.profile.engine, key) == []


def test_an_executor_without_funds_is_refused_the_claim_released_and_nothing_signed(desk: Desk) -> None:
    q = desk.queue
    key = desk.approved(3_000 * HKD)
    empty = desk.services.keys.import_private_key("0x" + keccak(b"custos test: an empty executor").hex(),
                                                  "Empty executor", DEMO_PASSWORD)
    assert desk.services.chain.fetch_balance(empty.address) == 0
    with pytest.raises(ExecutorWithoutFunds, match=f"^Executor without funds: {empty.address} holds 0 wei"):
        q.execute(key, empty.address, DEMO_PASSWORD)
    item = q.entry(key).item
    assert item.state == "ready" and item.claim_token is None and broadcasts(q, key) == []
    assert desk.services.chain.fetch_transaction_count(empty.address, "pending") == 0
    steps = execute_steps(desk.profile.engine, key)
    assert [(s, a) for s, a, _signed in steps] == [("claimed", empty.address), ("released", empty.address)]
    assert "Executor without funds" in item.state_reason
    # The queue is intact: a funded executor executes it.
    assert q.execute_with(key, desk.signer(DANA)).state == "final"


# -- G7: two desktops, one item ----------------------------------------------------------------------------------------

def race(queues: list[QueueService], key: str,
         signers: list[KeystoreSigner]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(len(queues))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(queue: QueueService, signer: KeystoreSigner) -> None:
        barrier.wait()
        try:
            outcome = queue.execute_with(key, signer, wait_seconds=30)
            with lock:
                results.append(outcome)
        except BaseException as exc:  # collected and asserted below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(queues, signers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def second_desktop(desk: Desk, engine: object, host: str) -> QueueService:
    services = desk.services
    audit = AuditLog(engine=engine, host=host, chain_id=desk.profile.config.chain_id)  # type: ignore[arg-type]
    return build_queue_service(desk.profile, services.chain, keys=services.keys, vaults=services.vaults,
                               checker=services.policy_checker, audit=audit, engine=engine,  # type: ignore[arg-type]
                               host=host)


def assert_one_execution(queues: list[QueueService], key: str, results: list[object], errors: list[BaseException],
                         count_signed: Callable[[], int]) -> None:
    assert len(results) == 1, (results, errors)
    assert len(errors) == 1 and isinstance(errors[0], QueueError), errors
    message = errors[0].user_message  # type: ignore[attr-defined]
    assert "is being executed by" in message or "executed already" in message or "already" in message, message
    for queue in queues:
        assert len(queue.store.load_broadcasts(key)) == 1
        assert queue.entry(key).state == "final"
    assert count_signed() == 1


def test_G7_two_desktops_racing_on_one_sqlite_database_execute_once(desk: Desk) -> None:
    key = desk.approved(4_000 * HKD)
    engine = open_database(sqlite_url(desk.profile.paths.root / "custos.db"))
    try:
        other = second_desktop(desk, engine, "desk-2:1")
        queues = [desk.queue, other]
        nonces = {label: desk.eoa_nonce(label) for label in (DANA, ALICE)}
        results, errors = race(queues, key, [desk.signer(DANA), desk.signer(ALICE)])
        assert_one_execution(queues, key, results, errors,
                             lambda: [s for s, _a, _x in execute_steps(desk.profile.engine, key)].count("signed"))
        # Exactly one executor account paid; the other's nonce did not move.
        moved = [label for label, n in nonces.items() if desk.eoa_nonce(label) != n]
        assert len(moved) == 1
        assert desk.services.audit.verify().intact
    finally:
        engine.dispose()


def test_G7_two_desktops_racing_on_one_postgresql_queue_execute_once(desk: Desk, postgres_url: str) -> None:
    engine_a, engine_b = open_database(postgres_url), open_database(postgres_url)
    try:
        desk_a, desk_b = second_desktop(desk, engine_a, "desk-a:1"), second_desktop(desk, engine_b, "desk-b:1")
        key = desk.approved(5_000 * HKD, queue=desk_a)
        assert desk_b.entry(key).state == "ready"  # the shared queue: desk B sees desk A's proposal and approvals
        results, errors = race([desk_a, desk_b], key, [desk.signer(DANA), desk.signer(ALICE)])

        def signed_on_postgres() -> int:
            return [s for s, _a, _x in execute_steps(engine_a, key)].count("signed")

        assert_one_execution([desk_a, desk_b], key, results, errors, signed_on_postgres)
        assert AuditLog(engine=engine_a, host="check").verify().intact
        with engine_b.connect() as conn:
            assert len(conn.execute(select(queue_broadcasts)).all()) == 1
    finally:
        engine_a.dispose()
        engine_b.dispose()


def test_a_refused_execution_leaves_a_clear_message(desk: Desk) -> None:
    """Refusals are WalletErrors with one line for the person, never a traceback."""
    with pytest.raises(QueueError, match="is not a safeTxHash"):
        desk.queue.execute_with("0x1234", desk.signer(DANA))
    with pytest.raises(WalletError, match="No queued transaction"):
        desk.queue.execute_with("0x" + "ab" * 32, desk.signer(DANA))
