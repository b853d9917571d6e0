"""The 2-of-3 flow by the command line against a real anvil node: a profile on HashKey Chain's chain id (177) whose RPC
URL is the node, with the demo institution's Safe contracts, vaults and tokens deployed there and the demo policy put
in force by the officers' quorum (as `custos demo init` does on the devnet). Dana Ho (operations) proposes a routine
payout, Alice and Ben approve it, Dana executes it; the investor is paid, and the queue shows it final.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode

from tests.integration.conftest import ANVIL_CHAIN_ID, rpc
from tests.integration.test_queue_cli_demo import ISSUE_ITEM_FIELDS, Ran, assert_one_line_error, custos, ok
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call

PROFILE = "anvil"
SIGNER = "signer"  # the offline signer profile holding the cold vault's share records
COLD_RULE = ('assets = ["HKDH", "HMMF"], kinds = ["transfer"], destinations = ["Harbour client vault"], '
             'max_amount = { HKDH = "50000000.00", HMMF = "2000000" }')
SWEEP_RULE = ('assets = ["HSK", "HKDH", "HMMF"], kinds = ["transfer"], destinations = ["Harbour client vault"], '
              'max_amount = { HSK = "100", HKDH = "5000000000.00", HMMF = "50000000" }')
HKD = 10**6


@dataclass(frozen=True)
class AnvilDesk:
    home: Path
    url: str
    names: dict[str, str]  # label -> address
    password_file: Path
    client: Any  # a Web3ChainClient on the node
    people: Any  # the DemoPeople, with their keys

    def run(self, *args: str) -> Ran:
        return custos(self.home, *args, profile=PROFILE)

    def signing(self, who: str) -> list[str]:
        return ["--key", self.names[who], "--password-file", str(self.password_file)]

    def balance(self, token: str, holder: str) -> int:
        raw = rpc(self.url, "eth_call", [{"to": token, "data": "0x" + build_call("balanceOf(address)", holder).hex()},
                                         "latest"])
        (value,) = decode(["uint256"], bytes.fromhex(raw[2:]))
        return int(value)


@pytest.fixture(scope="module")
def anvil_desk(anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilDesk]:
    from web3 import HTTPProvider

    from wallet_app.chain.web3_client import Web3ChainClient
    from wallet_app.config import ProfileConfig, profile_paths
    from wallet_app.demo.demo_cold import SHARES_DIR, build_demo_signer
    from wallet_app.demo.demo_policy import SANCTIONS_FILE, demo_policy_text, sanctions_text
    from wallet_app.demo.institution import DemoPeople, seed_institution
    from wallet_app.demo.setup import _equip_signer, _register, _write_keystores
    from wallet_app.keys.keystore import new_private_key
    from wallet_app.keys.keystore_signer import KeystoreSigner
    from wallet_app.policy.checker_setup import SIMULATION_PROBE, policy_directory
    from wallet_app.policy.service_setup import install_signed_policy, vault_owner_reader
    from wallet_app.profiles import create_profile
    from wallet_app.services import build_services
    from wallet_app.vaults.known_deployments import SAFE_SINGLETON_FACTORY, SINGLETON_FACTORY_RUNTIME

    # The chain: what the demo deploys on its devnet, deployed on anvil (Safe contracts at their canonical addresses).
    rpc(anvil_url, "anvil_setCode", [SAFE_SINGLETON_FACTORY, "0x" + SINGLETON_FACTORY_RUNTIME.hex()])
    people = DemoPeople.generate(new_private_key)
    for address, amount in people.genesis_alloc().items():
        rpc(anvil_url, "anvil_setBalance", [address, hex(amount)])
    client = Web3ChainClient(provider=HTTPProvider(anvil_url), endpoint=anvil_url)
    # The cold vault: a key ceremony on an offline signer profile of the same data directory, 2 of 3 shares.
    home = tmp_path_factory.mktemp("anvil-queue") / "home"
    signer_paths = profile_paths(home, SIGNER)
    cold_vault = build_demo_signer(signer_paths, home / SHARES_DIR, name=SIGNER, chain_id=ANVIL_CHAIN_ID,
                                   network="hashkey")
    demo = seed_institution(client, ANVIL_CHAIN_ID, people, cold_vault=cold_vault)

    # The profile: HashKey Chain's chain id at the node's URL, the demo's keys, vaults, tokens and address book.
    config = ProfileConfig(name=PROFILE, network="hashkey", chain_id=ANVIL_CHAIN_ID, rpc_urls=(anvil_url,),
                           allow_quorum_on_device=True, unlock_factors=1,
                           extra={SIMULATION_PROBE: demo.simulation_probe, "confirmations": "1"})  # a local node
    profile = create_profile(home, config)
    try:
        # Keystores only for the three whose keys the flow uses: scrypt makes each cost a good part of a second.
        _write_keystores(profile.paths.keystores, (people.operations, *people.officers[:2]))
        _register(profile, demo, people)
        # The demo policy, for this chain, put in force by the three officers (the treasury's 3-of-3 quorum).
        text = demo_policy_text(demo, people)
        devnet_line = "chain_id = 1770177"
        assert text.count(devnet_line) == 1, "the demo policy template's chain line changed"
        text = text.replace(devnet_line, f"chain_id = {ANVIL_CHAIN_ID}")
        # This institution may empty its cold vault into the client vault (the sweep test): every asset, any amount.
        assert text.count(COLD_RULE) == 1, "the demo policy's cold-to-client-vault rule changed"
        text = text.replace(COLD_RULE, SWEEP_RULE)
        directory = policy_directory(profile.paths)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        (directory / SANCTIONS_FILE).write_text(sanctions_text(), encoding="utf-8")
        services = build_services(profile)
        try:
            signers = [KeystoreSigner(address=o.address, private_key=o.key) for o in people.officers]
            install_signed_policy(profile, text, signers, load_owners=vault_owner_reader(services.vaults),
                                  now=datetime.now(UTC), audit=services.audit)
        finally:
            services.close()
        _equip_signer(signer_paths, profile, client, demo)  # the treasury anchored, the policy bundle imported
    finally:
        profile.close()
    password_file = home.parent / "password"
    password_file.write_text(DEMO_PASSWORD + "\n")
    names = {p.label.split(" ")[0]: p.address for p in (*people.key_holders, *people.investors)}
    names.update({"vault": demo.vaults["Harbour client vault"], "treasury": demo.vaults["Harbour treasury"],
                  "HKDH": next(t.address for t in demo.tokens if t.symbol == "HKDH"), "cold": cold_vault})
    yield AnvilDesk(home, anvil_url, names, password_file, client, people)
    shutil.rmtree(home, ignore_errors=True)


def test_the_2_of_3_flow_by_cli_on_anvil(anvil_desk: AnvilDesk, tmp_path: Path) -> None:
    desk = anvil_desk
    policy = ok(desk.run("policy", "show", "--json")).json()
    assert policy["state"] == "active" and policy["active"]["chain_id"] == ANVIL_CHAIN_ID
    assert ok(desk.run("safe", "queue", "--json")).json() == []
    kowloon, hkdh = desk.names["Kowloon"], desk.names["HKDH"]
    before = desk.balance(hkdh, kowloon)

    propose = ("safe", "propose", "--safe", desk.names["vault"], "--asset", hkdh, "--amount", "10000", "--to", kowloon,
               *desk.signing("Dana"), "--json")
    assert_one_line_error(desk.run(*propose), "The Travel Rule applies")  # HK$10,000, and no counterparty records
    for name, lei in (("Harbour Custody Ltd", "549300HARBOURCUST012"),
                      ("Kowloon Pension Trust", "549300KOWLOONPENS029")):
        ok(desk.run("counterparty", "add", "--name", name, "--person", "legal", "--id-type", "LEIX", "--id", lei,
                    "--jurisdiction", "HK", "--unhosted", "--geo-address", "Hong Kong"))
    ok(desk.run("counterparty", "add-address", "Kowloon Pension Trust", kowloon))
    record = tmp_path / "travel-rule.json"
    ok(desk.run("travel-rule", "template", "--safe", desk.names["vault"], "--to", kowloon, "--originator",
                "Harbour Custody Ltd", "--out", str(record)))
    proposed = ok(desk.run(*propose, "--travel-rule", str(record))).json()
    assert (proposed["queued"], proposed["decision"], proposed["nonce"]) == (True, "allow", 1)
    assert proposed["travel_rule"]["required"] and proposed["travel_rule"]["intact"]
    assert proposed["policy"]["rules"] and proposed["policy"]["policy_version"] == 1
    safe_tx_hash = proposed["safe_tx_hash"]

    [item] = ok(desk.run("safe", "queue", "--json")).json()
    assert ISSUE_ITEM_FIELDS <= set(item)
    assert (item["safe_tx_hash"], item["safe"], item["nonce"], item["state"], item["valid_signatures"],
            item["threshold"]) == (safe_tx_hash, desk.names["vault"], 1, "proposed", 0, 2)
    assert item["safe_tx"]["chain_id"] == ANVIL_CHAIN_ID

    assert ok(desk.run("safe", "approve", safe_tx_hash, *desk.signing("Alice"), "--json")).json()["state"] == \
        "approving"
    assert_one_line_error(desk.run("safe", "execute", safe_tx_hash, *desk.signing("Dana")))  # 1 of 2: not yet
    ready = ok(desk.run("safe", "approve", safe_tx_hash, *desk.signing("Ben"), "--json")).json()
    assert (ready["state"], ready["valid_signatures"]) == ("ready", 2)

    executed = desk.run("safe", "execute", safe_tx_hash, *desk.signing("Dana"))
    assert executed.code == 0, executed.err
    assert f"Executed {safe_tx_hash}: state final" in executed.out
    [item] = ok(desk.run("safe", "queue", "--json")).json()
    assert item["state"] == "final" and item["outcome"] == "success"
    receipt = rpc(desk.url, "eth_getTransactionReceipt", [item["exec_tx_hash"]])
    assert receipt["status"] == "0x1" and receipt["to"].lower() == desk.names["vault"].lower()
    assert f"chain transaction  {item['exec_tx_hash']}" in executed.out
    assert desk.balance(hkdh, kowloon) == before + 10_000 * HKD
    text = ok(desk.run("safe", "queue")).out
    assert f"nonce 1  FINAL  {safe_tx_hash}" in text


def test_owner_changes_built_by_custos_execute_on_a_real_safe(anvil_desk: AnvilDesk) -> None:
    """build_owner_change's prevOwner follows the Safe's own linked list: each change, executed by the owners with a
    real execTransaction, leaves exactly the owners and threshold it was built for (a wrong prevOwner reverts)."""
    from wallet_app.demo.institution import Person, _execute
    from wallet_app.keys.keystore import new_private_key
    from wallet_app.policy.fact_gathering import fetch_vault
    from wallet_app.queue.builders import OwnerChange, build_owner_change

    client, treasury = anvil_desk.client, anvil_desk.names["treasury"]
    alice, ben, carmen = anvil_desk.people.officers
    xavier = Person("Xavier Lo (new officer)", "officer", new_private_key())
    a, b, c, x = alice.address, ben.address, carmen.address, xavier.address
    rpc(anvil_desk.url, "anvil_setBalance", [x, hex(10**18)])  # Xavier sends some of the executions

    def read() -> Any:
        return fetch_vault(client, treasury, ANVIL_CHAIN_ID, client.fetch_block("latest"))

    assert (read().owners, read().threshold) == ((a, b, c), 3)
    steps = [
        (OwnerChange.set_threshold(2), (alice, ben, carmen), (a, b, c), 2),
        (OwnerChange.swap(b, x), (alice, carmen), (a, x, c), 2),  # prevOwner: Alice
        (OwnerChange.remove(c, 1), (alice, xavier), (a, x), 1),  # prevOwner: Xavier, the middle of the list
        (OwnerChange.remove(a, 1), (xavier,), (x,), 1),  # prevOwner: the sentinel
        (OwnerChange.add(b, 2), (xavier,), (b, x), 2),  # a new owner goes to the head of the list
        (OwnerChange.swap(x, c), (ben, xavier), (b, c), 2),  # prevOwner: Ben
    ]
    for change, signers, owners, threshold in steps:
        vault = read()
        request = build_owner_change(vault=vault, change=change)
        assert request.to == treasury and request.value == 0 and request.operation == 0
        _execute(client, ANVIL_CHAIN_ID, treasury, vault.nonce, request.to, 0, request.data, signers=signers)
        after = read()
        assert (after.owners, after.threshold, after.nonce) == (owners, threshold, vault.nonce + 1), change

