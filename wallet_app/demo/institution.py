"""What the demo institution holds, and how it is put on a fresh devnet.

Harbour Custody Ltd (fictional, Hong Kong) keeps client assets in a 2-of-3 Safe and its own in a 3-of-3 treasury
Safe. Officer Carmen Lee's key is the one meant for the offline signer. The issuer agent runs the tokens. Dana Ho
(operations) proposes transfers but owns no vault, so she never approves what she proposes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account

from wallet_app.chain.artifacts import load_artifact
from wallet_app.chain.client import ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.demo.demo_cold import COLD_VAULT_LABEL
from wallet_app.demo.deployer import Deployer
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.safe_tx import (
    ZERO_ADDRESS,
    Operation,
    SafeTx,
    build_exec_transaction,
    compute_hashes,
    pack_signatures,
)
from wallet_app.errors import ChainError
from wallet_app.policy.simulation_probe import deploy_probe

ETHER = 10**18
HKD = 10**6  # HKDH and HMMF have 6 decimals
SAFE_VERSION = "1.4.1"
MULTICALL3_SENDER = "0x05f32B3cC3888453ff71B01135B34FF8e41263F2"
MULTICALL3_TX = Path(__file__).resolve().parents[2] / "resources" / "demo" / "multicall3_presigned_tx.hex"
COUNTRY_HK, COUNTRY_SG = 344, 702


@dataclass(frozen=True)
class Person:
    label: str
    kind: str  # a label kind: officer, issuer, investor
    key: bytes

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)


@dataclass(frozen=True)
class DemoPeople:
    issuer: Person
    officers: tuple[Person, Person, Person]
    investors: tuple[Person, ...]
    operations: Person  # proposes transfers; an owner of no vault

    @classmethod
    def generate(cls, new_key: Any) -> DemoPeople:
        return cls(
            issuer=Person("Harbour issuer agent", "issuer", new_key()),
            officers=(
                Person("Alice Chan (officer)", "officer", new_key()),
                Person("Ben Wong (officer)", "officer", new_key()),
                Person("Carmen Lee (offline signer)", "officer", new_key()),
            ),
            investors=(
                Person("Kowloon Pension Trust (investor)", "investor", new_key()),
                Person("Lion Rock Family Office (investor)", "investor", new_key()),
                Person("Victoria Harbour Endowment (investor)", "investor", new_key()),
                Person("Pending KYC Ltd (investor, not verified)", "investor", new_key()),
            ),
            operations=Person("Dana Ho (operations)", "officer", new_key()),
        )

    @property
    def key_holders(self) -> tuple[Person, ...]:
        """Everyone whose key the demo profile holds."""
        return (self.issuer, *self.officers, self.operations)

    def genesis_alloc(self) -> dict[str, int]:
        alloc = {self.issuer.address: 1_000_000 * ETHER, MULTICALL3_SENDER: ETHER // 10}
        alloc.update({o.address: 1_000 * ETHER for o in self.officers})
        alloc[self.operations.address] = 5 * ETHER  # gas money to send what she proposes, never to hold assets
        return alloc


@dataclass(frozen=True)
class Token:
    address: str
    standard: str
    symbol: str
    name: str
    decimals: int
    role: str = ""


@dataclass(frozen=True)
class PriceFeed:
    """A feed the demo profile trusts, with its staleness rule (a row of `price_feeds`)."""

    address: str
    kind: str  # "nav" (a token's NAV per unit in `currency`) or "fx" (HKD per unit of `currency`)
    currency: str
    max_age_seconds: int
    label: str
    reports_now: bool = False


@dataclass
class DemoInstitution:
    vaults: dict[str, str] = field(default_factory=dict)  # label -> address
    safe_contracts: dict[str, str] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    contracts: dict[str, str] = field(default_factory=dict)  # label -> address of other contracts
    feeds: list[PriceFeed] = field(default_factory=list)  # rows of the profile's `price_feeds`
    spam_tokens: list[str] = field(default_factory=list)  # unsolicited airdrops: on chain, never in the registry
    simulation_probe: str = ""  # the SafeTxProbe the policy simulates every SafeTx with


def seed_institution(client: ChainClient, chain_id: int, people: DemoPeople,
                     cold_vault: str | None = None) -> DemoInstitution:
    """The demo on a fresh chain. `cold_vault` (an account whose key the demo does not hold) receives most of the
    client HKDH and HMMF: enough HKDH to keep it above the 98% cold threshold, HMMF a little under."""
    deployer = Deployer(client, chain_id, people.issuer.key)
    demo = DemoInstitution()
    _deploy_multicall3(client)
    demo.safe_contracts = _deploy_safe_contracts(deployer)
    officers = [o.address for o in people.officers]
    demo.vaults["Harbour client vault"] = _create_safe(deployer, demo.safe_contracts, officers, 2, salt=1)
    demo.vaults["Harbour treasury"] = _create_safe(deployer, demo.safe_contracts, officers, 3, salt=2)
    _deploy_tokens(deployer, demo, people)
    if cold_vault is not None:
        _fill_cold_vault(deployer, demo, cold_vault)
    _deploy_usd_fund(deployer, demo, people)
    _run_vault_history(client, chain_id, demo, people)
    demo.spam_tokens.append(_send_spam_airdrop(deployer, demo))
    demo.simulation_probe = deploy_probe(deployer)
    demo.contracts["SafeTx simulation probe"] = demo.simulation_probe
    return demo


def _deploy_multicall3(client: ChainClient) -> None:
    raw = bytes.fromhex(MULTICALL3_TX.read_text().strip().removeprefix("0x"))
    receipt = client.wait_for_receipt(client.send_raw_transaction(raw))
    if receipt.contract_address != MULTICALL3_ADDRESS:
        raise ChainError("Multicall3 did not land at its canonical address")


def _deploy_safe_contracts(deployer: Deployer) -> dict[str, str]:
    """Safe 1.4.1 (safe-eth-py's artifacts: the L2 build of the singleton). Where the chain has the Safe singleton
    factory (the demo devnet predeploys it in its genesis) they land at their canonical addresses, as on a public
    chain, so the vaults pass Custos's known-deployment check (F4); elsewhere (a bare devnet or anvil in some tests)
    they are deployed by plain CREATE at addresses that check does not know."""
    from safe_eth.eth.contracts import load_contract_interface

    from wallet_app.vaults.known_deployments import SAFE_SINGLETON_FACTORY, create2_address

    canonical = bool(deployer.client.fetch_code(SAFE_SINGLETON_FACTORY))
    deployed = {}
    for label, file in (
        ("singleton", "Safe_V1_4_1.json"),
        ("proxy_factory", "ProxyFactory_V1_4_1.json"),
        ("fallback_handler", "CompatibilityFallbackHandler_V1_4_1.json"),
        ("multi_send_call_only", "MultiSendCallOnly_V1_4_1.json"),
    ):
        interface = load_contract_interface(file)
        bytecode = bytes.fromhex(str(interface["bytecode"]).removeprefix("0x"))
        if not canonical:
            deployed[label] = deployer.deploy(bytecode, interface["abi"])
            continue
        address = create2_address(SAFE_SINGLETON_FACTORY, bytes(32), bytecode)
        if not deployer.client.fetch_code(address):  # a chain seeded before already has them
            sign_and_send(deployer.client, deployer.key, deployer.chain_id,
                          OutgoingTx(to=SAFE_SINGLETON_FACTORY, data=bytes(32) + bytecode))
            if not deployer.client.fetch_code(address):
                raise ChainError(f"The Safe singleton factory did not create {file} at {address}")
        deployed[label] = address
    return deployed


def _create_safe(deployer: Deployer, safe: dict[str, str], owners: list[str], threshold: int, salt: int) -> str:
    setup = build_call(
        "setup(address[],uint256,address,bytes,address,address,uint256,address)",
        owners, threshold, ZERO_ADDRESS, b"", safe["fallback_handler"], ZERO_ADDRESS, 0, ZERO_ADDRESS,
    )
    receipt = deployer.send(
        safe["proxy_factory"], "createProxyWithNonce(address,bytes,uint256)", safe["singleton"], setup, salt
    )
    creation_topic = _topic("ProxyCreation(address,address)")
    for log in receipt.logs:
        if log.address == safe["proxy_factory"] and log.topics and log.topics[0] == creation_topic:
            return from_bytes(log.topics[1][12:])
    raise ChainError("The proxy factory created no Safe")


def _topic(signature: str) -> bytes:
    from eth_hash.auto import keccak

    return keccak(signature.encode("ascii"))


def _deploy(deployer: Deployer, name: str, *args: object) -> str:
    artifact = load_artifact(name)
    return deployer.deploy(artifact.bytecode, artifact.abi, *args)


def _deploy_tokens(deployer: Deployer, demo: DemoInstitution, people: DemoPeople) -> None:
    client_vault, treasury = demo.vaults["Harbour client vault"], demo.vaults["Harbour treasury"]
    inv = [p.address for p in people.investors]
    send = deployer.send

    hkd = _deploy(deployer, "HKDStablecoin")
    for holder, amount in ((client_vault, 25_000_000), (treasury, 5_000_000), (inv[0], 1_200_000),
                           (inv[1], 350_000), (inv[3], 10_000)):
        send(hkd, "mint(address,uint256)", holder, amount * HKD)

    nav = _deploy(deployer, "NavFeed", 8, "HMMF / HKD net asset value per unit", 10_0180_0000)
    send(nav, "updateAnswer(int256)", 10_0215_0000)
    send(nav, "updateAnswer(int256)", 10_0234_0000)
    mmf = _deploy(deployer, "MoneyMarketFund", nav)
    for holder, amount in ((client_vault, 1_200_000), (treasury, 150_000), (inv[0], 80_000), (inv[2], 42_500)):
        send(mmf, "mint(address,uint256)", holder, amount * HKD)

    registry = _deploy(deployer, "IdentityRegistry")
    send(registry, "addAgent(address)", deployer.address)
    for holder, country in ((client_vault, COUNTRY_HK), (treasury, COUNTRY_HK), (inv[0], COUNTRY_HK),
                            (inv[1], COUNTRY_SG), (inv[2], COUNTRY_HK)):
        send(registry, "registerIdentity(address,uint16)", holder, country)
    compliance = _deploy(deployer, "SimpleCompliance", registry)
    maturity = int(datetime(2029, 6, 30, tzinfo=UTC).timestamp())
    bond = _deploy(deployer, "GreenBond", "Harbour Green Bond 4.25% 2029", "HGB29", registry, compliance,
                   425, maturity, 10_000 * HKD)
    send(compliance, "bindToken(address)", bond)
    send(compliance, "setMaxBalance(uint256)", 5_000)
    send(bond, "addAgent(address)", deployer.address)
    for holder, amount in ((client_vault, 500), (treasury, 100), (inv[0], 50), (inv[1], 20), (inv[2], 30)):
        send(bond, "mint(address,uint256)", holder, amount)
    bond_price = _deploy(deployer, "NavFeed", 8, "HGB29 / HKD clean price per bond", 10_120 * 10**8)
    send(bond, "freezePartialTokens(address,uint256)", inv[2], 10)  # pledged as collateral
    send(bond, "setAddressFrozen(address,bool)", inv[1], True)  # under a regulator's inquiry

    deed = _deploy(deployer, "PropertyDeed")
    send(deed, "mint(address,string)", client_vault, "demo://deeds/1-harbour-road-unit-28A")
    send(deed, "mint(address,string)", inv[0], "demo://deeds/88-queens-road-central-floor-12")
    shares = _deploy(deployer, "FundShareClasses", "demo://harbour-fund/classes/{id}.json")
    for holder, class_id, amount in ((client_vault, 1, 10_000), (treasury, 2, 2_500), (inv[0], 1, 1_000),
                                     (inv[2], 2, 300)):
        send(shares, "mint(address,uint256,uint256)", holder, class_id, amount)

    send(client_vault, "", value=250 * ETHER)
    send(treasury, "", value=1_000 * ETHER)

    demo.tokens = [
        Token(hkd, "erc20", "HKDH", "Harbour HKD", 6, "stablecoin"),
        Token(mmf, "erc20", "HMMF", "Harbour HKD Money Market Fund", 6, f"nav-feed:{nav}"),
        Token(bond, "erc3643", "HGB29", "Harbour Green Bond 4.25% 2029", 0, f"nav-feed:{bond_price}"),
        Token(deed, "erc721", "HDEED", "Harbour Property Deeds", 0, "deed"),
        Token(shares, "erc1155", "HFSC", "Harbour Fund share classes", 0, "share-classes"),
    ]
    demo.contracts = {"HMMF NAV feed": nav, "HGB29 price feed": bond_price, "Identity registry": registry,
                      "Bond compliance": compliance}


def _fill_cold_vault(deployer: Deployer, demo: DemoInstitution, cold_vault: str) -> None:
    """Client assets in cold storage: 1,250,000,000 HKDH beside the client vault's 25,000,000 (98.0 % cold once the
    history's payout has left the client vault) and 30,000,000 HMMF beside its 1,200,000 (96.2 %: under 98 %), and
    gas money for its own transfers."""
    demo.vaults[COLD_VAULT_LABEL] = cold_vault
    tokens = {t.symbol: t.address for t in demo.tokens}
    deployer.send(tokens["HKDH"], "mint(address,uint256)", cold_vault, 1_250_000_000 * HKD)
    deployer.send(tokens["HMMF"], "mint(address,uint256)", cold_vault, 30_000_000 * HKD)
    deployer.send(cold_vault, "", value=10 * ETHER)


def _send_spam_airdrop(deployer: Deployer, demo: DemoInstitution) -> str:
    """A stranger deploys a copy of the HKDH contract (same symbol and name, another address) and mints a tiny
    amount into the client vault. It is not registered: `custos tokens discover` finds it and flags it as a lookalike
    and unsolicited; it is never merged with the real HKDH nor priced."""
    from wallet_app.keys.keystore import new_private_key

    stranger = Deployer(deployer.client, deployer.chain_id, new_private_key())
    deployer.send(stranger.address, "", value=ETHER // 10)  # gas money; the stranger is no one the profile knows
    spam = _deploy(stranger, "HKDStablecoin")
    stranger.send(spam, "mint(address,uint256)", demo.vaults["Harbour client vault"], 8_888)  # 0.008888 "HKDH"
    return spam


def _deploy_usd_fund(deployer: Deployer, demo: DemoInstitution, people: DemoPeople) -> None:
    """The Harbour US Treasury Fund (HUST, 6 decimals), whose NAV is published in USD and valued in HKD through a
    USD/HKD FX feed; and the staleness rule of every demo feed (a daily NAV may be 26 hours old, the bond's price
    48 hours, the FX rate 25 hours)."""
    client_vault, lion_rock = demo.vaults["Harbour client vault"], people.investors[1].address
    nav_usd = _deploy(deployer, "NavFeed", 8, "HUST / USD net asset value per unit", 102_3911_0000)
    fx = _deploy(deployer, "NavFeed", 8, "USD / HKD exchange rate", 7_7815_0000)
    hust = _deploy(deployer, "FundUnits", "Harbour US Treasury Fund", "HUST", 6, nav_usd)
    for holder, amount in ((client_vault, 50_000), (lion_rock, 12_000)):
        deployer.send(hust, "mint(address,uint256)", holder, amount * HKD)  # 6 decimals, like HKDH
    deployer.send(nav_usd, "updateAnswer(int256)", 102_4518_0000)  # after the subscriptions: history values them
    demo.tokens.append(Token(hust, "erc20", "HUST", "Harbour US Treasury Fund", 6, f"nav-feed:{nav_usd}"))
    demo.contracts.update({"HUST NAV feed (USD)": nav_usd, "USD/HKD FX feed": fx})
    demo.feeds += [
        PriceFeed(demo.contracts["HMMF NAV feed"], "nav", "HKD", 26 * 3600, "HMMF NAV, published daily"),
        PriceFeed(demo.contracts["HGB29 price feed"], "nav", "HKD", 48 * 3600, "HGB29 clean price"),
        PriceFeed(nav_usd, "nav", "USD", 26 * 3600, "HUST NAV in USD, published daily"),
        PriceFeed(fx, "fx", "USD", 25 * 3600, "USD/HKD reference rate"),
    ]


def _run_vault_history(client: ChainClient, chain_id: int, demo: DemoInstitution, people: DemoPeople) -> None:
    """Executed transfers, so the vaults show a real nonce and history."""
    hkd = demo.tokens[0].address
    client_vault, treasury = demo.vaults["Harbour client vault"], demo.vaults["Harbour treasury"]
    alice, ben, carmen = people.officers
    payout = build_call("transfer(address,uint256)", people.investors[0].address, 50_000 * HKD)
    _execute(client, chain_id, client_vault, 0, hkd, 0, payout, signers=(alice, ben))
    _execute(client, chain_id, treasury, 0, client_vault, 10 * ETHER, b"", signers=(alice, ben, carmen))


def _execute(
    client: ChainClient, chain_id: int, safe: str, nonce: int, to: str, value: int, data: bytes,
    signers: tuple[Person, ...],
) -> None:
    tx = SafeTx(safe=safe, chain_id=chain_id, version=SAFE_VERSION, to=to, value=value, data=data,
                operation=Operation.CALL, nonce=nonce)
    digest = compute_hashes(tx).safe_tx_hash
    signatures = {}
    for person in signers:
        signed = Account.unsafe_sign_hash(digest, person.key)
        signatures[person.address] = signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
    call = build_exec_transaction(tx, pack_signatures(signatures))
    receipt = sign_and_send(client, signers[0].key, chain_id, OutgoingTx(to=to_checksum(safe), data=call))
    success = _topic("ExecutionSuccess(bytes32,uint256)")
    if not any(log.topics and log.topics[0] == success for log in receipt.logs):
        raise ChainError(f"The demo transfer from {safe} at nonce {nonce} failed on chain")
