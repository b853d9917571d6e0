"""Executing queued transactions on a real anvil node (issue 6; SECURITY G1-G6, F8, 6.4 INV-1/INV-10).

The module puts the demo institution on its own anvil node (the Safe 1.4.1 contracts at their canonical addresses,
the two vaults, the tokens, the simulation probe) and makes a profile on it ("custom" network, the node's URL) with
the demo's keys, labels and policy (its chain id set to anvil's). Each test works on a private copy of that profile and
reverts the chain to a snapshot afterwards, so the tests do not depend on one another.

Where a test needs transactions to wait in the pool, anvil's automine is switched off and blocks are mined by hand;
dropping a transaction (G1), using the executor's EOA nonce from outside Custos (G2, G3), reorganising (G4) and a
state change between the policy's simulation and the block (G6) are done on the node itself.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from sqlalchemy import select
from web3 import HTTPProvider

from tests.integration.conftest import ANVIL_CHAIN_ID, rpc
from tests.support.anvil import post
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.config import ProfileConfig
from wallet_app.demo.demo_policy import SANCTIONS_FILE, demo_policy_text, sanctions_text
from wallet_app.demo.institution import HKD, DemoInstitution, DemoPeople, Person, seed_institution
from wallet_app.demo.setup import _register, _write_keystores
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.keys.keystore import new_private_key
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.check_request import CheckRequest
from wallet_app.policy.checker_setup import SIMULATION_PROBE, policy_directory
from wallet_app.policy.service_setup import install_signed_policy, vault_owner_reader
from wallet_app.profiles import Profile, create_profile, open_profile
from wallet_app.queue.exec_settings import ExecutionSettings
from wallet_app.queue.exec_tx import decode_exec
from wallet_app.queue.executor import FeesAboveCap
from wallet_app.queue.follow_base import SendRefused
from wallet_app.queue.records import BroadcastRow
from wallet_app.queue.service import QueueError, QueueService
from wallet_app.queue.setup import build_queue_service
from wallet_app.services import Services, build_services
from wallet_app.storage.schema import audit_log
from wallet_app.vaults.known_deployments import SAFE_SINGLETON_FACTORY, SINGLETON_FACTORY_RUNTIME

GWEI = 10**9
# The demo policy names a cold vault; these tests never move its assets, so it is an address nobody holds a key for.
KEYLESS_COLD_VAULT = from_bytes(keccak(b"custos test: a cold vault without a key")[-20:])
PASSWORD = "custos-demo"
CLIENT_VAULT = "Harbour client vault"
KOWLOON = "Kowloon Pension Trust (investor)"
HKDH = "Harbour HKD"


@dataclass
class World:
    url: str
    home: Path
    people: DemoPeople
    demo: DemoInstitution


def install_policy(profile: Profile, demo: DemoInstitution, people: DemoPeople) -> None:
    """The demo's policy, for anvil's chain id, put in force by the three officers (as `custos demo init` does)."""
    text = demo_policy_text(demo, people).replace("chain_id = 1770177", f"chain_id = {ANVIL_CHAIN_ID}", 1)
    assert f"chain_id = {ANVIL_CHAIN_ID}" in text
    directory = policy_directory(profile.paths)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SANCTIONS_FILE).write_text(sanctions_text(), encoding="utf-8")
    services = build_services(profile)
    try:
        signers = [KeystoreSigner(address=o.address, private_key=o.key) for o in people.officers]
        install_signed_policy(profile, text, signers, load_owners=vault_owner_reader(services.vaults),
                              now=datetime.now(UTC), audit=services.audit)
    finally:
        services.close()


@pytest.fixture(scope="module")
def world(anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    client = Web3ChainClient(provider=HTTPProvider(anvil_url), endpoint=anvil_url)
    rpc(anvil_url, "anvil_setCode", [SAFE_SINGLETON_FACTORY, "0x" + SINGLETON_FACTORY_RUNTIME.hex()])
    people = DemoPeople.generate(new_private_key)
    for address, wei in people.genesis_alloc().items():
        rpc(anvil_url, "anvil_setBalance", [address, hex(wei)])
    demo = seed_institution(client, ANVIL_CHAIN_ID, people, cold_vault=KEYLESS_COLD_VAULT)
    home = tmp_path_factory.mktemp("anvil-execute") / "home"
    config = ProfileConfig(name="anvil", network="custom", chain_id=ANVIL_CHAIN_ID, rpc_urls=(anvil_url,),
                           allow_quorum_on_device=True, unlock_factors=1,
                           extra={SIMULATION_PROBE: demo.simulation_probe, "confirmations": "1"})
    profile = create_profile(home, config)
    try:
        _write_keystores(profile.paths.keystores, people.key_holders)
        _register(profile, demo, people)
        install_policy(profile, demo, people)
    finally:
        profile.close()
    return World(anvil_url, home, people, demo)


class Clock:
    """Wall-clock time, moved forward on demand (the 'not mined after T seconds' of G1)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)


@dataclass
class Desk:
    world: World
    profile: Profile
    services: Services
    names: dict[str, str]
    clock: Clock

    @property
    def url(self) -> str:
        return self.world.url

    @property
    def dana(self) -> Person:
        return self.world.people.operations

    def person(self, label: str) -> Person:
        people = self.world.people
        return next(p for p in (*people.key_holders, *people.investors) if p.label == label)

    def signer(self, person: Person) -> KeystoreSigner:
        return KeystoreSigner(address=person.address, private_key=person.key)

    def queue(self, **settings: Any) -> QueueService:
        """The profile's queue with this desk's clock (and other execution settings when given)."""
        s = self.services
        execution = ExecutionSettings(**settings) if settings else None
        return build_queue_service(self.profile, s.chain, keys=s.keys, vaults=s.vaults, checker=s.policy_checker,
                                   audit=s.audit, clock=self.clock, execution=execution)

    def read_nonce(self) -> int:
        raw = self.services.chain.call(self.names[CLIENT_VAULT], build_call("nonce()"))
        return int.from_bytes(raw[:32], "big")

    def approved(self, queue: QueueService, amount: int, *, nonce: int | None = None, safe_tx_gas: int = 0,
                 approvers: tuple[int, ...] = (1, 2), imported: tuple[int, ...] = ()) -> str:
        """A payout to Kowloon Pension Trust proposed by Dana, approved in Custos by the officers `approvers`
        (0 Alice, 1 Ben, 2 Carmen) and with the signatures of `imported` made elsewhere (another desktop)."""
        officers = self.world.people.officers
        data = build_call("transfer(address,uint256)", self.names[KOWLOON], amount)
        request = CheckRequest(safe=self.names[CLIENT_VAULT], to=self.names[HKDH], data=data,
                               nonce=self.read_nonce() if nonce is None else nonce, safe_tx_gas=safe_tx_gas)
        proposed = queue.propose_with(request, self.signer(self.dana))
        assert proposed.entry is not None, proposed.check.decision.reasons
        key = proposed.entry.safe_tx_hash
        for index in approvers:
            queue.approve_with(key, self.signer(officers[index]))
        for index in imported:
            signed = Account.unsafe_sign_hash(bytes.fromhex(key[2:]), officers[index].key)
            raw = signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
            queue.import_signature(key, "0x" + raw.hex())
        return key

    def hkdh(self, label: str) -> int:
        raw = self.services.chain.call(self.names[HKDH], build_call("balanceOf(address)", self.names[label]))
        return int.from_bytes(raw[:32], "big")

    def automine(self, on: bool) -> None:
        rpc(self.url, "evm_setAutomine", [on])

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            rpc(self.url, "evm_mine", [])

    def node_knows(self, tx_hash: str) -> bool:
        return rpc(self.url, "eth_getTransactionByHash", [tx_hash]) is not None

    def receipt(self, tx_hash: str) -> Any:
        return rpc(self.url, "eth_getTransactionReceipt", [tx_hash])

    def send_raw(self, person: Person, *, nonce: int, to: str, data: bytes = b"", max_fee: int, priority: int,
                 gas: int = 60_000) -> str:
        """A transaction signed outside Custos (another wallet holding the same key, or the token's issuer)."""
        signed = Account.sign_transaction({"type": 2, "chainId": ANVIL_CHAIN_ID, "nonce": nonce, "gas": gas,
                                           "maxFeePerGas": max_fee, "maxPriorityFeePerGas": priority, "to": to,
                                           "value": 0, "data": data}, person.key)
        reply = post(self.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                                "params": ["0x" + signed.raw_transaction.hex()]}, timeout=5)
        assert "result" in reply, reply
        return "0x" + signed.hash.hex()

    def eoa_nonce(self, person: Person, block: str = "latest") -> int:
        return int(rpc(self.url, "eth_getTransactionCount", [person.address, block]), 16)


@pytest.fixture
def desk(world: World, tmp_path: Path) -> Iterator[Desk]:
    snapshot = rpc(world.url, "evm_snapshot", [])
    home = tmp_path / "home"
    shutil.copytree(world.home, home)
    profile = open_profile(home, "anvil")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        yield Desk(world, profile, services, names, Clock())
    finally:
        services.close()
        profile.close()
        post(world.url, {"jsonrpc": "2.0", "id": 1, "method": "anvil_dropAllTransactions", "params": []})
        rpc(world.url, "evm_setAutomine", [True])
        assert rpc(world.url, "evm_revert", [snapshot]) is True


def rows(queue: QueueService, safe_tx_hash: str) -> list[BroadcastRow]:
    return queue.store.load_broadcasts(safe_tx_hash)


def steps(desk: Desk, safe_tx_hash: str) -> list[str]:
    with desk.profile.engine.connect() as conn:
        found = conn.execute(select(audit_log).where(audit_log.c.subject == safe_tx_hash)
                             .order_by(audit_log.c.seq)).all()
    return [f"{r.action}:{json.loads(r.detail).get('step', '')}" for r in found if r.action in ("execute", "incident")]


def snapshot_of(queue: QueueService) -> Any:
    return ([(e.safe_tx_hash, e.item.state, e.item.exec_tx_hash) for e in queue.load()],
            [(r.id, r.tx_hash, r.sent_at) for r in queue.store.load_broadcasts()])


def assert_follow_changes_nothing(desk: Desk, queue: QueueService, *, signer: KeystoreSigner | None = None) -> None:
    """INV-10: a second follow changes nothing, appends no audit entry and sends nothing new."""
    before = (snapshot_of(queue), desk.services.audit.load_head(), rpc(desk.url, "txpool_content", []))
    assert queue.follow(signer=signer) == []
    assert (snapshot_of(queue), desk.services.audit.load_head(), rpc(desk.url, "txpool_content", [])) == before


# -- the flow and refusals ---------------------------------------------------------------------------------------------

def test_the_full_2_of_3_flow_on_anvil(desk: Desk) -> None:
    queue = desk.services.queue
    people = desk.world.people
    amount = 7_500 * HKD
    proposed = queue.propose(CheckRequest(
        safe=desk.names[CLIENT_VAULT], to=desk.names[HKDH], nonce=desk.read_nonce(),
        data=build_call("transfer(address,uint256)", desk.names[KOWLOON], amount)), desk.dana.address, PASSWORD)
    assert proposed.entry is not None
    key = proposed.entry.safe_tx_hash
    queue.approve(key, people.officers[0].address, PASSWORD)  # Alice
    assert queue.approve(key, people.officers[1].address, PASSWORD).state == "ready"  # Ben
    vault_before, kowloon_before, nonce_before = desk.hkdh(CLIENT_VAULT), desk.hkdh(KOWLOON), desk.read_nonce()
    result = queue.execute(key, desk.dana.address, PASSWORD)
    assert (result.state, result.outcome) == ("final", "success")
    receipt = desk.receipt(result.chain_tx_hash)
    assert receipt["status"] == "0x1" and int(receipt["blockNumber"], 16) == result.block_number
    assert receipt["from"].lower() == desk.dana.address.lower()
    assert (desk.hkdh(CLIENT_VAULT), desk.hkdh(KOWLOON)) == (vault_before - amount, kowloon_before + amount)
    assert desk.read_nonce() == nonce_before + 1
    assert [r.tx_hash for r in rows(queue, key)] == [result.chain_tx_hash]
    assert steps(desk, key) == ["execute:claimed", "execute:signed", "execute:sent", "execute:mined", "execute:final"]
    assert desk.services.audit.verify().intact
    assert_follow_changes_nothing(desk, queue)


def test_F8_fees_above_the_policys_cap_are_refused_and_nothing_is_signed(desk: Desk) -> None:
    queue = desk.services.queue
    key = desk.approved(queue, 1_000 * HKD)
    usual = rpc(desk.url, "eth_getBlockByNumber", ["latest", False])["baseFeePerGas"]
    rpc(desk.url, "anvil_setNextBlockBaseFeePerGas", [hex(250 * GWEI)])  # the demo policy's cap is 100 gwei
    desk.mine()
    pending = desk.eoa_nonce(desk.dana, "pending")
    try:
        with pytest.raises(FeesAboveCap, match="base fee is 250 gwei per gas and the policy allows at most 100 gwei"):
            queue.execute_with(key, desk.signer(desk.dana))
    finally:  # anvil keeps the next block's base fee across evm_revert
        rpc(desk.url, "anvil_setNextBlockBaseFeePerGas", [usual])
    item = queue.entry(key).item
    assert item.state == "ready" and item.claim_token is None and rows(queue, key) == []
    assert desk.eoa_nonce(desk.dana, "pending") == pending
    assert steps(desk, key) == ["execute:claimed", "execute:released"]


def test_a_node_refusing_the_transaction_keeps_the_bytes_and_follow_sends_the_same_bytes(desk: Desk) -> None:
    queue = desk.services.queue
    key = desk.approved(queue, 1_100 * HKD)
    balance = rpc(desk.url, "eth_getBalance", [desk.dana.address, "latest"])

    def drain(message: str) -> None:  # between the balance check and the send, the executor's funds go
        if message.startswith("Sending the executor transaction"):
            rpc(desk.url, "anvil_setBalance", [desk.dana.address, "0x0"])

    with pytest.raises(SendRefused, match=r"refused the executor transaction .*[Ii]nsufficient funds.* signed bytes "
                                          r"are kept"):
        queue.execute_with(key, desk.signer(desk.dana), progress=drain)
    [stored] = rows(queue, key)
    item = queue.entry(key).item
    assert item.state == "signed_for_execution" and item.exec_tx_hash == stored.tx_hash and stored.sent_at is None
    assert not desk.node_knows(stored.tx_hash)
    lines = queue.follow()  # the node still refuses: the same bytes were offered, nothing else
    assert len(lines) == 1 and "not followed now" in lines[0] and "nsufficient funds" in lines[0]
    assert [r.tx_hash for r in rows(queue, key)] == [stored.tx_hash]
    rpc(desk.url, "anvil_setBalance", [desk.dana.address, balance])
    lines = queue.follow()
    assert any("sent " + stored.tx_hash in line for line in lines) and any("final" in line for line in lines)
    assert queue.entry(key).state == "final"
    assert [r.tx_hash for r in rows(queue, key)] == [stored.tx_hash]  # never signed again
    assert desk.receipt(stored.tx_hash)["status"] == "0x1"
    assert steps(desk, key) == ["execute:claimed", "execute:signed", "execute:sent", "execute:mined", "execute:final"]
    assert_follow_changes_nothing(desk, queue)


# -- G1-G6 ---------------------------------------------------------------------------------------------------------

def assert_same_intent(first: BroadcastRow, second: BroadcastRow) -> None:
    old, sender_old = decode_exec(first.raw_tx)
    new, sender_new = decode_exec(second.raw_tx)
    assert (old.to, old.value, old.data, old.nonce, old.gas, old.chain_id, sender_old) == \
        (new.to, new.value, new.data, new.nonce, new.gas, new.chain_id, sender_new)
    assert second.replaces == first.id and second.eoa_nonce == first.eoa_nonce
    for before, after in ((old.fees.max_fee_per_gas, new.fees.max_fee_per_gas),
                          (old.fees.max_priority_fee_per_gas, new.fees.max_priority_fee_per_gas)):
        assert after * 100 >= before * 110, (before, after)
    assert new.fees.max_fee_per_gas <= 100 * GWEI  # never above the policy's cap


def test_G1_a_dropped_transaction_is_sent_again_identical_then_replaced_with_higher_fees(desk: Desk) -> None:
    queue = desk.queue()
    key = desk.approved(queue, 1_200 * HKD)
    desk.automine(False)
    result = queue.execute_with(key, desk.signer(desk.dana), wait_seconds=0)
    assert result.state == "broadcast" and desk.node_knows(result.chain_tx_hash)
    [first] = rows(queue, key)
    rpc(desk.url, "anvil_dropTransaction", [first.tx_hash])
    assert not desk.node_knows(first.tx_hash)
    lines = queue.follow()  # dropped: the identical bytes again
    assert lines == [f"{key[:12]}… (nonce {queue.entry(key).item.nonce}): the node did not know {first.tx_hash}; "
                     "the same signed bytes were sent again"]
    assert desk.node_knows(first.tx_hash) and len(rows(queue, key)) == 1
    assert_follow_changes_nothing(desk, queue)  # known to the node again: nothing to do
    # Still absent well after it was sent: a same-intent replacement, with both fees 10 % higher, under the cap.
    rpc(desk.url, "anvil_dropTransaction", [first.tx_hash])
    desk.clock.offset = 600
    without_key = queue.follow()  # without the executor's key nothing is signed: the same bytes once more
    assert any("needs the executor key" in line for line in without_key) and len(rows(queue, key)) == 1
    rpc(desk.url, "anvil_dropTransaction", [first.tx_hash])
    lines = queue.follow(signer=desk.signer(desk.dana))
    first_row, second = rows(queue, key)
    assert any(f"replaced by {second.tx_hash}" in line for line in lines), lines
    assert_same_intent(first_row, second)
    assert desk.node_knows(second.tx_hash) and not desk.node_knows(first.tx_hash)
    assert queue.entry(key).item.exec_tx_hash == second.tx_hash
    desk.mine()
    assert any("final" in line for line in queue.follow())
    assert queue.entry(key).state == "final" and desk.receipt(first.tx_hash) is None
    assert desk.receipt(second.tx_hash)["status"] == "0x1"
    assert steps(desk, key) == ["execute:claimed", "execute:signed", "execute:sent", "execute:replaced",
                                "execute:mined", "execute:final"]
    assert_follow_changes_nothing(desk, queue, signer=desk.signer(desk.dana))


def test_G2_replacement_underpriced_is_answered_by_a_same_intent_fee_bump(desk: Desk) -> None:
    queue = desk.queue()
    key = desk.approved(queue, 1_300 * HKD)
    desk.automine(False)
    queue.execute_with(key, desk.signer(desk.dana), wait_seconds=0)
    [first] = rows(queue, key)
    rpc(desk.url, "anvil_dropTransaction", [first.tx_hash])
    # Another wallet with the executor's key puts a transaction at the same EOA nonce, paying 5 % more.
    other = desk.send_raw(desk.dana, nonce=first.eoa_nonce, to=desk.dana.address,
                          max_fee=first.max_fee_per_gas * 105 // 100,
                          priority=first.max_priority_fee_per_gas * 105 // 100)
    without_key = queue.follow()
    assert len(without_key) == 1 and "replacement" in without_key[0] and "underpriced" in without_key[0]
    assert len(rows(queue, key)) == 1
    lines = queue.follow(signer=desk.signer(desk.dana))
    assert any("replacement underpriced" in line and "replaced by" in line for line in lines), lines
    first_row, second = rows(queue, key)
    assert_same_intent(first_row, second)
    desk.mine()
    queue.follow()
    assert queue.entry(key).state == "final" and desk.receipt(other) is None
    assert desk.receipt(second.tx_hash)["status"] == "0x1"


def test_G3_the_executors_nonce_used_by_a_transaction_not_ours_is_an_incident(desk: Desk) -> None:
    queue = desk.queue()
    key = desk.approved(queue, 1_400 * HKD)
    vault_nonce = desk.read_nonce()
    desk.automine(False)
    queue.execute_with(key, desk.signer(desk.dana), wait_seconds=0)
    [first] = rows(queue, key)
    rpc(desk.url, "anvil_dropTransaction", [first.tx_hash])
    stranger = desk.send_raw(desk.dana, nonce=first.eoa_nonce, to=desk.dana.address, max_fee=50 * GWEI,
                             priority=2 * GWEI)
    desk.mine()
    assert desk.receipt(stranger)["status"] == "0x1"
    lines = queue.follow()
    assert len(lines) == 1 and "INCIDENT" in lines[0] and "possible key compromise of the executor key" in lines[0]
    item = queue.entry(key).item
    assert item.state == "ready" and "possible key compromise" in item.state_reason and item.exec_tx_hash is None
    assert desk.read_nonce() == vault_nonce  # the vault's nonce is unused
    with desk.profile.engine.connect() as conn:
        [incident] = conn.execute(select(audit_log).where(audit_log.c.action == "incident",
                                                          audit_log.c.subject == key)).all()
    detail = json.loads(incident.detail)
    assert detail["message"] == "possible key compromise of the executor key" and detail["eoa_nonce"] == \
        first.eoa_nonce and detail["executor"] == desk.dana.address
    # Nothing was signed or sent again at that EOA nonce.
    assert [r.tx_hash for r in rows(queue, key)] == [first.tx_hash] and not desk.node_knows(first.tx_hash)
    assert_follow_changes_nothing(desk, queue, signer=desk.signer(desk.dana))
    # Executing again uses the executor's next nonce.
    desk.automine(True)
    again = queue.execute_with(key, desk.signer(desk.dana))
    assert again.state == "final" and again.eoa_nonce == first.eoa_nonce + 1


def test_G4_a_reorganisation_sends_the_same_bytes_again_and_final_needs_the_confirmations(desk: Desk) -> None:
    queue = desk.queue(confirmations=3)
    key = desk.approved(queue, 1_500 * HKD)
    before = rpc(desk.url, "evm_snapshot", [])
    result = queue.execute_with(key, desk.signer(desk.dana), wait_seconds=0.5)
    assert result.state == "mined" and result.block_number is not None  # 1 of 3 confirmations
    desk.mine()  # 2 of 3
    assert queue.follow() == [] and queue.entry(key).state == "mined"
    rpc(desk.url, "evm_setAutomine", [False])
    assert rpc(desk.url, "evm_revert", [before]) is True  # the two blocks are gone, and the transaction with them
    assert desk.receipt(result.chain_tx_hash) is None and not desk.node_knows(result.chain_tx_hash)
    lines = queue.follow()
    assert any("reorganised out of block" in line for line in lines), lines
    assert any("the same signed bytes" in line for line in lines)
    assert queue.entry(key).item.state == "broadcast" and desk.node_knows(result.chain_tx_hash)
    desk.mine()
    queue.follow()
    item = queue.entry(key).item
    assert item.state == "mined" and item.exec_tx_hash == result.chain_tx_hash  # the same transaction, mined again
    assert [r.tx_hash for r in rows(queue, key)] == [result.chain_tx_hash]
    desk.mine()
    assert queue.follow() == [] and queue.entry(key).state == "mined"  # 2 of 3
    desk.mine()
    assert any("final after 3 confirmations" in line for line in queue.follow())
    assert queue.entry(key).state == "final"
    assert "execute:reorg" in steps(desk, key)


def test_G5_two_approved_transactions_at_one_nonce_one_executes_the_other_is_stale(desk: Desk) -> None:
    queue = desk.services.queue
    nonce = desk.read_nonce()
    first = desk.approved(queue, 1_600 * HKD, nonce=nonce)
    # The second was approved at the same nonce by Alice here and by Carmen on another desktop (this profile's
    # signing journal refuses a second hash at a nonce its keys signed: A11).
    second = desk.approved(queue, 1_700 * HKD, nonce=nonce, approvers=(0,), imported=(2,))
    assert queue.entry(first).conflicts == (second,) and queue.entry(second).state == "ready"
    desk.automine(False)
    assert queue.execute_with(first, desk.signer(desk.dana), wait_seconds=0).state == "broadcast"
    with pytest.raises(QueueError, match=f"Another transaction at nonce {nonce} .* is executing or executed: {first}"):
        queue.execute_with(second, desk.signer(desk.person("Alice Chan (officer)")))
    assert queue.entry(second).item.state == "ready" and rows(queue, second) == []
    desk.mine()
    lines = queue.follow()
    assert any(f"stale: the vault's nonce {nonce} was used by {first}" in line for line in lines), lines
    assert queue.entry(first).state == "final" and queue.entry(second).state == "stale"
    assert rows(queue, second) == []  # never submitted
    with pytest.raises(QueueError, match="is stale"):
        queue.execute_with(second, desk.signer(desk.dana))


def test_G6_an_inner_call_that_fails_is_executed_failed_and_never_executed_again(desk: Desk) -> None:
    queue = desk.services.queue
    amount = 1_800 * HKD
    key = desk.approved(queue, amount, safe_tx_gas=150_000)  # safeTxGas > 0: the vault emits ExecutionFailure
    vault_nonce, kowloon = desk.read_nonce(), desk.hkdh(KOWLOON)
    desk.automine(False)
    sent = queue.execute_with(key, desk.signer(desk.dana), wait_seconds=0)
    # Between the policy's simulation and the block, the issuer burns what the vault holds (paying a higher tip, so
    # it comes first in the block): the vault's transfer fails inside execTransaction.
    issuer = desk.world.people.issuer
    burn = build_call("burn(address,uint256)", desk.names[CLIENT_VAULT], desk.hkdh(CLIENT_VAULT))
    [ours] = rows(queue, key)
    burned = desk.send_raw(issuer, nonce=desk.eoa_nonce(issuer, "pending"), to=desk.names[HKDH], data=burn,
                           max_fee=ours.max_fee_per_gas + 10 * GWEI, priority=ours.max_priority_fee_per_gas + GWEI,
                           gas=200_000)
    desk.mine()
    assert desk.receipt(burned)["status"] == "0x1" and desk.receipt(sent.chain_tx_hash)["status"] == "0x1"
    lines = queue.follow()
    assert any("ExecutionFailure" in line for line in lines) and any("failed after 1 confirmation" in line
                                                                      for line in lines), lines
    entry = queue.entry(key)
    assert (entry.state, entry.item.outcome) == ("failed", "failure")
    assert desk.read_nonce() == vault_nonce + 1 and desk.hkdh(KOWLOON) == kowloon  # nonce used, nothing moved
    desk.automine(True)
    with pytest.raises(QueueError, match=r"failed .* never executed again"):
        queue.execute_with(key, desk.signer(desk.dana))
    assert [r.tx_hash for r in rows(queue, key)] == [sent.chain_tx_hash]
    assert_follow_changes_nothing(desk, queue)

