"""`custos safe add` and `custos safe deploy` on the demo devnet and on anvil: the known-deployment check (F4) on real
Safe contracts, a Bybit-style singleton swap executed by a DELEGATECALL, a new 2-of-3 vault deployed and added."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_hash.auto import keccak

from tests.integration.conftest import ANVIL_CHAIN_ID, ANVIL_KEY, rpc
from tests.integration.test_policy_simulation import compile_fixtures
from tests.support.demo_template import copy_demo
from wallet_app.chain.client import ChainClient
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.safe_tx import Operation, SafeTx, build_exec_transaction, compute_hashes, pack_signatures
from wallet_app.vaults.deploy import plan_deployment
from wallet_app.vaults.known_deployments import (
    DETERMINISTIC_DEPLOYMENT_PROXY,
    SAFE_SINGLETON_FACTORY,
    SINGLETON_FACTORY_RUNTIME,
    deployment_set,
    load_safe_artifact,
)

CUSTOS = [sys.executable, "-m", "wallet_app.cli"]
PASSWORD = "custos-demo"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit payload's value for slot 0, as a plain address


def custos(home: Path, *args: str, profile: str = "demo") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUSTOS_HOME": ""}
    return subprocess.run([*CUSTOS, "--home", str(home), "--profile", profile, *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_demo(tmp_path_factory.mktemp("home") / "home")


@pytest.fixture(scope="module")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "password"
    path.write_text(PASSWORD + "\n")
    return path


def demo_keys(home: Path) -> dict[str, str]:
    listed = json.loads(custos(home, "keys", "list", "--json").stdout)
    return {k["label"].split(" ")[0]: k["address"] for k in listed}


def officer_key(home: Path, address: str) -> bytes:
    from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file

    return decrypt_keystore(load_keystore_file(home / "profiles" / "demo" / "keystores" / f"{address}.json"), PASSWORD)


def with_chain(home: Path, work):  # type: ignore[no-untyped-def]
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(home, "demo")
    try:
        services = build_services(profile)
        try:
            return work(services.chain, profile.config.chain_id)
        finally:
            services.close()
    finally:
        profile.close()


def create_unregistered_safe(client: ChainClient, chain_id: int, sender: bytes, owners: list[str], salt: int) -> str:
    plan = plan_deployment(owners, 2, deployment_set(), salt_nonce=salt)
    receipt = sign_and_send(client, sender, chain_id, OutgoingTx(to=plan.contracts.proxy_factory, data=plan.call_data))
    topic = keccak(b"ProxyCreation(address,address)")
    created = [from_bytes(log.topics[1][12:]) for log in receipt.logs if log.topics[0] == topic]
    assert created == [plan.predicted]
    return plan.predicted


def swap_singleton_by_delegatecall(client: ChainClient, chain_id: int, safe: str, keys: list[bytes]) -> None:
    """What the Bybit signers approved: a DELEGATECALL to a contract whose `transfer(address,uint256)` writes its first
    argument into slot 0, executed by the owners' quorum."""
    from wallet_app.demo.deployer import Deployer

    code, abi = compile_fixtures()["SingletonSwapper"]
    swapper = Deployer(client, chain_id, keys[0]).deploy(code, abi)
    tx = SafeTx(safe=safe, chain_id=chain_id, version="1.4.1", to=swapper, value=0,
                data=build_call("transfer(address,uint256)", ATTACKER, 0), operation=Operation.DELEGATECALL,
                nonce=0, safe_tx_gas=45_746)
    digest = compute_hashes(tx).safe_tx_hash
    signatures = {}
    for key in keys:
        signed = Account.unsafe_sign_hash(digest, key)
        signatures[Account.from_key(key).address] = (signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big")
                                                     + bytes([signed.v]))
    sign_and_send(client, keys[0], chain_id, OutgoingTx(to=safe, data=build_exec_transaction(
        tx, pack_signatures(signatures))))
    assert client.fetch_storage_at(safe, 0)[-20:] == bytes.fromhex(ATTACKER[2:])


# -- the demo devnet ------------------------------------------------------------------------------------------------

def test_the_demo_vaults_are_at_canonical_safe_addresses_and_pass(demo_home: Path) -> None:
    vaults = json.loads(custos(demo_home, "vaults", "list", "--json").stdout)
    assert len(vaults) == 2
    for vault in vaults:
        assert vault["check"]["status"] == "ok" and vault["check"]["blocking"] is False
        assert vault["check"]["singleton"] == "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"

    def codes(client: ChainClient, _chain_id: int) -> dict[str, bytes]:
        return {a: client.fetch_code(a) for a in deployment_set().code_hashes}

    for address, code in with_chain(demo_home, codes).items():  # the artifacts' runtime is what lands on chain
        assert keccak(code) == deployment_set().code_hashes[address], address
    assert deployment_set().code_hashes[deployment_set().singleton] == keccak(
        load_safe_artifact("Safe_V1_4_1").runtime_code)


def test_adding_the_demo_vaults_again_is_refused(demo_home: Path) -> None:
    for vault in json.loads(custos(demo_home, "vaults", "list", "--json").stdout):
        result = custos(demo_home, "safe", "add", vault["address"])
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith("custos: error:") and "already one of this profile's vaults" in result.stderr


def test_adding_what_is_not_a_safe_is_refused(demo_home: Path) -> None:
    no_code = custos(demo_home, "safe", "add", "0x000000000000000000000000000000000000dEaD")
    assert no_code.returncode == 1 and "no contract" in no_code.stderr and "another chain" in no_code.stderr
    singleton = custos(demo_home, "safe", "add", deployment_set().fallback_handler)
    assert singleton.returncode == 1 and "is not a Safe" in singleton.stderr


def test_deploy_a_new_2_of_3_with_the_demo_keys_and_add_it(demo_home: Path, password_file: Path) -> None:
    keys = demo_keys(demo_home)
    owners = [keys["Alice"], keys["Ben"], keys["Carmen"]]
    result = custos(demo_home, "safe", "deploy", *[a for o in owners for a in ("--owner", o)], "--threshold", "2",
                    "--key", keys["Dana"], "--password-file", str(password_file), "--label", "Harbour escrow",
                    "--json")
    assert result.returncode == 0, result.stderr
    deployed = json.loads(result.stdout)
    assert deployed["tx_hash"].startswith("0x") and len(deployed["tx_hash"]) == 66 and deployed["block_number"] > 0
    assert deployed["version"] == "1.4.1" and deployed["l2"] is True
    vault = deployed["vault"]
    assert vault["threshold"] == 2 and [o["address"] for o in vault["owners"]] == owners
    assert all(o["profile_key"] for o in vault["owners"])
    assert vault["verdict"] == "ok" and vault["signing_blocked"] is False
    assert any("quorum" in w for w in vault["custody_warnings"])  # the demo allows a quorum on one device
    listed = {v["address"]: v for v in json.loads(custos(demo_home, "vaults", "list", "--json").stdout)}
    assert listed[deployed["address"]]["label"] == "Harbour escrow"
    again = custos(demo_home, "safe", "add", deployed["address"])
    assert again.returncode == 1 and "already" in again.stderr
    plain = custos(demo_home, "safe", "deploy", "--owner", keys["Alice"], "--threshold", "2", "--key", keys["Dana"],
                   "--password-file", str(password_file))
    assert plain.returncode == 1 and "threshold" in plain.stderr
    logged = json.loads(custos(demo_home, "audit", "list", "--action", "vault_deploy", "--json").stdout)
    entry = next(e for e in logged if e["subject"] == deployed["address"])  # written with the vault's row
    assert entry["actor"] == keys["Dana"] and entry["detail"]["threshold"] == 2
    assert entry["detail"]["tx_hash"] == deployed["tx_hash"]


def test_F4_a_safe_whose_singleton_was_swapped_by_delegatecall_is_added_blocked(demo_home: Path) -> None:
    keys = demo_keys(demo_home)
    alice, ben = officer_key(demo_home, keys["Alice"]), officer_key(demo_home, keys["Ben"])
    owners = [keys["Alice"], keys["Ben"], keys["Carmen"]]

    def take_over(client: ChainClient, chain_id: int) -> str:
        safe = create_unregistered_safe(client, chain_id, alice, owners, salt=4242)
        swap_singleton_by_delegatecall(client, chain_id, safe, [alice, ben])
        return safe

    safe = with_chain(demo_home, take_over)
    result = custos(demo_home, "safe", "add", safe, "--label", "Cold wallet", "--json")
    assert result.returncode == 1
    added = json.loads(result.stdout)
    assert added["verdict"] == "unknown_singleton" and added["signing_blocked"] is True
    assert added["singleton"] == ATTACKER and "signing is blocked for this vault" in added["message"]
    assert "SIGNING BLOCKED" in result.stderr
    listed = {v["address"]: v for v in json.loads(custos(demo_home, "vaults", "list", "--json").stdout)}
    assert listed[safe]["check"]["blocking"] is True  # kept in the list, marked; the other vaults still read
    assert all(v["check"]["blocking"] is False for a, v in listed.items() if a != safe)
    text = custos(demo_home, "safe", "add", safe)
    assert text.returncode == 1 and "already" in text.stderr
    logged = json.loads(custos(demo_home, "audit", "list", "--action", "vault_add", "--json").stdout)
    entry = next(e for e in logged if e["subject"] == safe)
    assert entry["actor"] == "operator" and entry["detail"]["blocked"] is True
    assert entry["detail"]["label"] == "Cold wallet"

    def signing_check(client: ChainClient, chain_id: int) -> None:
        from wallet_app.profiles import open_profile
        from wallet_app.services import build_services
        from wallet_app.vaults.inspect import VaultSigningBlocked

        profile = open_profile(demo_home, "demo")
        try:
            services = build_services(profile, chain=client)
            with pytest.raises(VaultSigningBlocked):
                services.vaults.check_for_signing(safe)
            services.vaults.check_for_signing(listed_first_ok)
        finally:
            profile.close()

    listed_first_ok = next(a for a, v in listed.items() if a != safe)
    with_chain(demo_home, signing_check)


# -- anvil ----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def anvil_home(anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    from web3 import HTTPProvider

    from wallet_app.chain.multicall import MULTICALL3_ADDRESS
    from wallet_app.chain.web3_client import Web3ChainClient
    from wallet_app.config import ProfileConfig
    from wallet_app.demo.deployer import Deployer
    from wallet_app.demo.institution import MULTICALL3_SENDER, _deploy_multicall3, _deploy_safe_contracts
    from wallet_app.profiles import create_profile
    from wallet_app.services import build_key_service

    predeployed = bytes.fromhex(rpc(anvil_url, "eth_getCode", [DETERMINISTIC_DEPLOYMENT_PROXY, "latest"])[2:])
    assert predeployed == SINGLETON_FACTORY_RUNTIME  # anvil's own create2 deployer: the constant is that code
    rpc(anvil_url, "anvil_setCode", [SAFE_SINGLETON_FACTORY, "0x" + SINGLETON_FACTORY_RUNTIME.hex()])
    client = Web3ChainClient(provider=HTTPProvider(anvil_url), endpoint=anvil_url)
    if not client.fetch_code(MULTICALL3_ADDRESS):
        rpc(anvil_url, "anvil_setBalance", [MULTICALL3_SENDER, hex(10**17)])
        _deploy_multicall3(client)  # its keyless presigned transaction, as on a public chain
    deployed = _deploy_safe_contracts(Deployer(client, ANVIL_CHAIN_ID, ANVIL_KEY))
    assert deployed["singleton"] == deployment_set().singleton
    home = tmp_path_factory.mktemp("anvil-home")
    config = ProfileConfig(name="anvil", network="custom", chain_id=ANVIL_CHAIN_ID, rpc_urls=(anvil_url,))
    profile = create_profile(home, config)
    try:
        keys = build_key_service(profile)
        keys.import_private_key(ANVIL_KEY.hex(), "Treasury officer", PASSWORD)
    finally:
        profile.close()
    yield home, str(Account.from_key(ANVIL_KEY).address)


def test_safe_deploy_and_add_on_anvil(anvil_home: tuple[Path, str], password_file: Path) -> None:
    home, officer = anvil_home
    from wallet_app.domain.addresses import to_checksum

    others = ["0x" + bytes([i]).hex() * 20 for i in (0x21, 0x22)]
    owners = [officer, *(to_checksum(o) for o in others)]
    result = custos(home, "safe", "deploy", *[a for o in owners for a in ("--owner", o)], "--threshold", "2",
                    "--key", officer, "--password-file", str(password_file), "--json", profile="anvil")
    assert result.returncode == 0, result.stderr
    deployed = json.loads(result.stdout)
    vault = deployed["vault"]
    assert vault["verdict"] == "ok" and vault["singleton"] == deployment_set().singleton
    assert [o["profile_key"] for o in vault["owners"]] == [True, False, False]
    assert vault["custody_warnings"] == []
    listed = json.loads(custos(home, "vaults", "list", "--json", profile="anvil").stdout)
    assert [v["address"] for v in listed] == [deployed["address"]]
    again = custos(home, "safe", "add", deployed["address"], profile="anvil")
    assert again.returncode == 1 and "already" in again.stderr
