"""A5 / SC-4: the exact SafeTx simulated through the vault's simulateAndRevert and the SafeTxProbe, with a diff of the
vault's governance state, on the embedded devnet and on anvil (the same tests on both), each seeded with the demo
institution. Fixture contracts (tests/contracts/SimulationFixtures.sol) are compiled at test time with the pinned solc.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi.abi import decode, encode
from eth_hash.auto import keccak

from tests.integration.conftest import ANVIL_CHAIN_ID, ANVIL_KEY, REPO, rpc
from wallet_app.chain.client import ChainClient
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.demo.deployer import Deployer
from wallet_app.demo.institution import ETHER, HKD, DemoInstitution, DemoPeople, seed_institution
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.network import DEVNET_CHAIN_ID
from wallet_app.domain.safe_tx import ZERO_ADDRESS
from wallet_app.errors import NodeUnreachable
from wallet_app.policy.simulation import (
    FALLBACK_HANDLER,
    GUARD,
    IMPLEMENTATION_SLOT,
    MODULE_GUARD,
    MODULES,
    NONCE,
    OWNER_COUNT,
    OWNERS,
    SINGLETON,
    THRESHOLD,
    SimulationResult,
    SimulationUnavailable,
    decode_revert_reason,
    simulate_safe_tx,
)
from wallet_app.policy.simulation_probe import deploy_probe

FIXTURES = REPO / "tests" / "contracts" / "SimulationFixtures.sol"
SOLC = REPO / "node_modules" / "solc"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit payload's DELEGATECALL target, as a plain value
GUARD_SLOT = keccak(b"guard_manager.guard.address")
FALLBACK_SLOT = keccak(b"fallback_manager.handler.address")
MODULE_GUARD_SLOT = keccak(b"module_manager.module_guard.address")
EIP1967_SLOT = (int.from_bytes(keccak(b"eip1967.proxy.implementation"), "big") - 1).to_bytes(32, "big")
CALL, DELEGATECALL = 0, 1


def compile_fixtures() -> dict[str, tuple[bytes, list[dict[str, Any]]]]:
    node = shutil.which("node")
    if node is None or not (SOLC / "package.json").is_file():
        pytest.fail("node and the pinned solc (node_modules/solc) are needed: run `make test` (it runs `npm ci`)")
    standard_json = {
        "language": "Solidity",
        "sources": {"SimulationFixtures.sol": {"content": FIXTURES.read_text()}},
        "settings": {"evmVersion": "shanghai", "optimizer": {"enabled": True, "runs": 200},
                     "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    }
    script = ("const solc = require(process.argv[1]); let input = '';"
              "process.stdin.on('data', d => input += d).on('end', () => process.stdout.write(solc.compile(input)));")
    done = subprocess.run([node, "-e", script, str(SOLC)], input=json.dumps(standard_json), capture_output=True,
                          text=True, timeout=300, check=True)
    output = json.loads(done.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    return {name: (bytes.fromhex(c["evm"]["bytecode"]["object"]), c["abi"])
            for name, c in output["contracts"]["SimulationFixtures.sol"].items()}


@dataclass
class World:
    backend: str
    client: ChainClient
    people: DemoPeople
    demo: DemoInstitution
    deployer: Deployer
    probe: str
    fixtures: dict[str, str]  # contract name -> address
    safes_by_version: dict[str, str]  # other Safe versions, each 2-of-3 with the demo officers

    @property
    def vault(self) -> str:
        return self.demo.vaults["Harbour client vault"]

    @property
    def hkd(self) -> str:
        return self.demo.tokens[0].address

    def simulate(self, to: str, data: bytes = b"", *, value: int = 0, operation: int = CALL,
                 safe: str | None = None, **kwargs: Any) -> SimulationResult | SimulationUnavailable:
        return simulate_safe_tx(self.client, safe=safe or self.vault, to=to, value=value, data=data,
                                operation=operation, probe=self.probe, **kwargs)

    def simulated(self, to: str, data: bytes = b"", **kwargs: Any) -> SimulationResult:
        result = self.simulate(to, data, **kwargs)
        assert isinstance(result, SimulationResult), result
        return result


def build_world(backend: str, client: ChainClient, chain_id: int, people: DemoPeople) -> World:
    demo = seed_institution(client, chain_id, people)
    deployer = Deployer(client, chain_id, people.issuer.key)
    probe = deploy_probe(deployer)
    fixtures = {name: deployer.deploy(code, abi) for name, (code, abi) in compile_fixtures().items()}
    officers = [o.address for o in people.officers]
    safes = {}
    from safe_eth.eth.contracts import load_contract_interface

    for salt, (version, file) in enumerate((("1.1.1", "GnosisSafe_V1_1_1.json"), ("1.3.0", "GnosisSafe_V1_3_0.json"),
                                            ("1.5.0", "Safe_V1_5_0.json")), start=10):
        interface = load_contract_interface(file)
        singleton = deployer.deploy(bytes.fromhex(str(interface["bytecode"]).removeprefix("0x")), interface["abi"])
        setup = build_call("setup(address[],uint256,address,bytes,address,address,uint256,address)", officers, 2,
                           ZERO_ADDRESS, b"", demo.safe_contracts["fallback_handler"], ZERO_ADDRESS, 0, ZERO_ADDRESS)
        receipt = deployer.send(demo.safe_contracts["proxy_factory"], "createProxyWithNonce(address,bytes,uint256)",
                                singleton, setup, salt)
        created = keccak(b"ProxyCreation(address,address)")
        safes[version] = next(from_bytes(log.topics[1][12:]) for log in receipt.logs if log.topics[0] == created)
    return World(backend, client, people, demo, deployer, probe, fixtures, safes)


@pytest.fixture(scope="module", params=["devnet", "anvil"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if request.param == "devnet":
        from wallet_app.chain.devnet import Devnet, DevnetProvider
        from wallet_app.keys.keystore import new_private_key

        people = DemoPeople.generate(new_private_key)
        with Devnet.create(tmp_path_factory.mktemp("devnet") / "chain", chain_id=DEVNET_CHAIN_ID,
                           alloc=people.genesis_alloc()) as devnet:
            client = Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process")
            yield build_world("devnet", client, DEVNET_CHAIN_ID, people)
        return
    from web3 import HTTPProvider

    url = request.getfixturevalue("anvil_url")
    keys = iter([ANVIL_KEY, *(bytes([i]) * 32 for i in range(1, 9))])
    people = DemoPeople.generate(lambda: next(keys))
    for address, amount in people.genesis_alloc().items():
        rpc(url, "anvil_setBalance", [address, hex(amount)])
    yield build_world("anvil", Web3ChainClient(provider=HTTPProvider(url), endpoint=url), ANVIL_CHAIN_ID, people)


def self_call(signature: str, *args: object) -> bytes:
    return build_call(signature, *args)


def write_slot(slot: bytes | int, value: bytes | str | int) -> bytes:
    slot_word = slot if isinstance(slot, bytes) else slot.to_bytes(32, "big")
    if isinstance(value, str):
        value_word = bytes(12) + bytes.fromhex(value[2:])
    elif isinstance(value, int):
        value_word = value.to_bytes(32, "big")
    else:
        value_word = value
    return build_call("write(bytes32,bytes32)", slot_word, value_word)


# -- ordinary transfers: success, nothing changed; a failed transfer carries its reason -----------------------

def test_A5_plain_hkdh_transfer_simulates_success_with_nothing_changed(world: World) -> None:
    investor = world.people.investors[0].address
    started = time.perf_counter()
    result = world.simulated(world.hkd, build_call("transfer(address,uint256)", investor, 1_000 * HKD))
    elapsed = time.perf_counter() - started
    assert not result.reverted and result.reason == ""
    assert result.changed == () and result.changed_fields == frozenset()
    assert decode(["bool"], result.return_data) == (True,)
    assert result.gas_used is not None and 5_000 < result.gas_used < 100_000
    print(f"\n{world.backend}: one simulation {elapsed * 1000:.1f} ms, inner gas {result.gas_used}")


def test_A5_transfer_beyond_the_balance_reverts_with_the_tokens_reason(world: World) -> None:
    balance = decode(["uint256"], world.client.call(world.hkd, build_call("balanceOf(address)", world.vault)))[0]
    investor = world.people.investors[0].address
    result = world.simulated(world.hkd, build_call("transfer(address,uint256)", investor, balance + 1))
    assert result.reverted
    assert result.reason.startswith("ERC20InsufficientBalance(")
    assert f"balance {balance}, needed {balance + 1}" in result.reason and "(0xe450d38c)" in result.reason
    assert world.vault in result.reason  # the sender, checksummed
    assert result.return_data[:4] == bytes.fromhex("e450d38c")
    assert result.changed == ()


def test_A5_native_transfers_use_the_vaults_real_balance(world: World) -> None:
    investor = world.people.investors[1].address
    ok = world.simulated(investor, value=ETHER)
    assert not ok.reverted and ok.changed == ()
    too_much = world.simulated(investor, value=world.client.fetch_balance(world.vault) + 1)
    assert too_much.reverted and too_much.reason == "reverted without a reason"


def test_A5_a_multisend_call_only_batch_changes_nothing(world: World) -> None:
    investors = [p.address for p in world.people.investors[:2]]
    transfer = [build_call("transfer(address,uint256)", who, 10 * HKD) for who in investors]
    packed = b"".join(bytes([0]) + bytes.fromhex(world.hkd[2:]) + (0).to_bytes(32, "big") + len(d).to_bytes(32, "big")
                      + d for d in transfer)
    batch = build_call("multiSend(bytes)", packed)
    result = world.simulated(world.demo.safe_contracts["multi_send_call_only"], batch, operation=DELEGATECALL)
    assert not result.reverted and result.changed == ()


def test_A5_the_simulation_leaves_the_chain_as_it_was(world: World) -> None:
    height = world.client.fetch_block_number()
    slots = [world.client.fetch_storage_at(world.vault, s) for s in (0, 3, 4, 5)]
    world.simulated(world.vault, self_call("changeThreshold(uint256)", 1))
    world.simulated(world.fixtures["SingletonSwapper"], build_call("transfer(address,uint256)", ATTACKER, 0),
                    operation=DELEGATECALL)
    assert world.client.fetch_block_number() == height
    assert [world.client.fetch_storage_at(world.vault, s) for s in (0, 3, 4, 5)] == slots


# -- governance calls to the vault itself ---------------------------------------------------------------------

def test_A5_add_owner_with_threshold_changes_owners_and_threshold(world: World) -> None:
    newcomer = world.people.investors[0].address
    result = world.simulated(world.vault, self_call("addOwnerWithThreshold(address,uint256)", newcomer, 3))
    assert not result.reverted
    assert result.changed_fields == {OWNERS, OWNER_COUNT, THRESHOLD}
    assert f"owners changed: added {newcomer}" in result.changed
    assert "owner count changed from 3 to 4" in result.changed
    assert "threshold changed from 2 to 3" in result.changed


def test_A5_change_threshold_changes_the_threshold(world: World) -> None:
    result = world.simulated(world.vault, self_call("changeThreshold(uint256)", 1))
    assert result.changed == ("threshold changed from 2 to 1",) and result.changed_fields == {THRESHOLD}


def test_A5_a_bad_governance_call_reverts_with_the_safe_code(world: World) -> None:
    result = world.simulated(world.vault, self_call("changeThreshold(uint256)", 4))
    assert result.reverted and result.reason == "GS201 (threshold cannot exceed the owner count)"
    assert result.changed == ()


def test_A5_enable_module_changes_the_modules(world: World) -> None:
    module = world.people.investors[2].address
    result = world.simulated(world.vault, self_call("enableModule(address)", module))
    assert result.changed == (f"modules changed: enabled {module}",) and result.changed_fields == {MODULES}


def test_A5_set_guard_to_a_guard_contract(world: World) -> None:
    guard = world.fixtures["AllowAllGuard"]
    result = world.simulated(world.vault, self_call("setGuard(address)", guard))
    assert result.changed == (f"guard set to {guard}",) and result.changed_fields == {GUARD}


def test_A5_set_guard_to_a_contract_that_is_no_guard_reverts(world: World) -> None:
    result = world.simulated(world.vault, self_call("setGuard(address)", world.hkd))
    assert result.reverted and result.changed == ()


def test_A5_set_fallback_handler_changes_the_fallback_handler(world: World) -> None:
    handler = world.people.investors[2].address
    old = world.demo.safe_contracts["fallback_handler"]
    result = world.simulated(world.vault, self_call("setFallbackHandler(address)", handler))
    assert result.changed == (f"fallback handler changed from {old} to {handler}",)
    assert result.changed_fields == {FALLBACK_HANDLER}


# -- DELEGATECALLs that write the vault's storage directly ----------------------------------------------------

def test_A5_bybit_style_singleton_swap_is_seen(world: World) -> None:
    singleton = world.demo.safe_contracts["singleton"]
    payload = build_call("transfer(address,uint256)", ATTACKER, 0)  # the shape of the February 2025 payload
    result = world.simulated(world.fixtures["SingletonSwapper"], payload, operation=DELEGATECALL)
    assert not result.reverted  # it "succeeds": only the state diff shows what it did
    assert result.changed == (f"singleton (slot 0) changed to {ATTACKER} (was {singleton})",)
    assert result.changed_fields == {SINGLETON}


@pytest.mark.parametrize(("slot", "value", "field", "text"), [
    (0, "0x00000000000000000000000000000000000000aa", SINGLETON,
     "singleton (slot 0) changed to 0x00000000000000000000000000000000000000AA"),
    (4, 1, THRESHOLD, "threshold changed from 2 to 1"),
    (5, 0, NONCE, "nonce changed from 1 to 0 (execution alone leaves it at 2)"),
    (GUARD_SLOT, ATTACKER, GUARD, f"guard set to {ATTACKER}"),
    (FALLBACK_SLOT, ATTACKER, FALLBACK_HANDLER, "fallback handler changed from "),
    (MODULE_GUARD_SLOT, ATTACKER, MODULE_GUARD, f"module guard set to {ATTACKER}"),
    (EIP1967_SLOT, ATTACKER, IMPLEMENTATION_SLOT, f"EIP-1967 implementation slot changed to {ATTACKER} (was 0x0000"),
    (EIP1967_SLOT, b"\xff" * 32, IMPLEMENTATION_SLOT, "EIP-1967 implementation slot changed to 0x" + "ff" * 32),
], ids=["slot0", "threshold", "nonce", "guard", "fallback", "module-guard", "eip1967", "eip1967-not-an-address"])
def test_A5_a_delegatecall_writing_a_governance_slot_is_seen(
    world: World, slot: bytes | int, value: bytes | str | int, field: str, text: str,
) -> None:
    result = world.simulated(world.fixtures["SlotWriter"], write_slot(slot, value), operation=DELEGATECALL)
    assert not result.reverted
    assert result.changed_fields == {field}
    assert len(result.changed) == 1 and result.changed[0].startswith(text)


def test_A5_a_delegatecall_breaking_the_owner_list_is_seen(world: World) -> None:
    sentinel_slot = keccak(encode(["address", "uint256"], ["0x0000000000000000000000000000000000000001", 2]))
    result = world.simulated(world.fixtures["SlotWriter"], write_slot(sentinel_slot, ATTACKER), operation=DELEGATECALL)
    assert result.changed_fields == {OWNERS}
    assert result.changed[0].startswith(f"owners changed: added {ATTACKER}; removed ")


# -- versions, probe, node: no simulation, and why -------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.3.0", "1.5.0"])
def test_A5_other_safe_versions_with_simulate_and_revert(world: World, version: str) -> None:
    safe = world.safes_by_version[version]
    result = world.simulated(safe, self_call("changeThreshold(uint256)", 1), safe=safe)
    assert result.changed == ("threshold changed from 2 to 1",)
    bybit = world.simulated(world.fixtures["SingletonSwapper"], build_call("transfer(address,uint256)", ATTACKER, 0),
                            operation=DELEGATECALL, safe=safe)
    assert bybit.changed_fields == {SINGLETON}


def test_A5_a_safe_before_1_3_0_cannot_be_simulated(world: World) -> None:
    safe = world.safes_by_version["1.1.1"]
    result = world.simulate(world.hkd, b"", safe=safe)
    assert isinstance(result, SimulationUnavailable)
    assert "Safe 1.1.1 has no simulateAndRevert" in result.reason
    lied = world.simulate(world.hkd, b"", safe=safe, version="1.4.1")  # a wrong version gives no answer either
    assert isinstance(lied, SimulationUnavailable)


def test_A5_no_probe_or_another_contract_at_its_address_means_no_simulation(world: World) -> None:
    for where in (world.people.investors[0].address, world.hkd):
        result = simulate_safe_tx(world.client, safe=world.vault, to=world.hkd, value=0, data=b"", operation=CALL,
                                  probe=where)
        assert isinstance(result, SimulationUnavailable) and result.reason.startswith("no SafeTxProbe at ")


def test_A5_a_contract_that_is_not_a_safe_cannot_be_simulated(world: World) -> None:
    result = world.simulate(world.vault, b"", safe=world.hkd)
    assert isinstance(result, SimulationUnavailable) and "VERSION()" in result.reason


class FailingCalls:
    """The world's node, except that eth_call fails as an unreachable node would."""

    def __init__(self, inner: ChainClient) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def call(self, *args: object, **kwargs: object) -> bytes:
        raise NodeUnreachable("The node at test does not answer (ConnectionError)")


def test_A5_a_node_error_means_no_simulation(world: World) -> None:
    result = simulate_safe_tx(FailingCalls(world.client), safe=world.vault, to=world.hkd, value=0,  # type: ignore[arg-type]
                              data=b"", operation=CALL, probe=world.probe, version="1.4.1")
    assert isinstance(result, SimulationUnavailable)
    assert result.reason == "the node could not run the simulation: The node at test does not answer (ConnectionError)"


# -- revert reasons (pure) ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    (b"", "reverted without a reason"),
    (bytes.fromhex("08c379a0") + encode(["string"], ["GS013"]), "GS013 (the Safe transaction failed)"),
    (bytes.fromhex("08c379a0") + encode(["string"], ["not allowed"]), "not allowed"),
    (bytes.fromhex("08c379a0") + encode(["string"], ["evil\u202etxt"]), "evil\\u202etxt"),
    (bytes.fromhex("08c379a0") + b"\x00" * 5, "reverted with a malformed Error(string)"),
    (bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big"), "panic 0x11: arithmetic overflow or underflow"),
    (bytes.fromhex("deadbeef"), "custom error 0xdeadbeef"),
    (bytes.fromhex("deadbeef") + bytes(32), "custom error 0xdeadbeef with 32 bytes of arguments"),
    (b"\x01\x02", "reverted with 0x0102 (not a known revert format)"),
], ids=["empty", "safe-code", "string", "bidi", "malformed", "panic", "custom", "custom-args", "short"])
def test_A5_revert_reasons_in_plain_words(data: bytes, reason: str) -> None:
    assert decode_revert_reason(data) == reason
