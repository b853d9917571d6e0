"""A minimal real T-REX (ERC-3643) suite on an anvil node, from the npm package `@tokenysolutions/t-rex`.

The package is a pinned devDependency in package.json, installed by `npm ci` into node_modules and never committed.
It ships hardhat artifacts (ABI and creation bytecode) of the reference implementation contracts and of the
OnchainID `Identity` it builds against. The implementation contracts have no constructor that disables their
initializers, so each is deployed as it is and initialised with its own `init(...)`, without the proxies and the
implementation authority the package's factory would put in front of them: the token's state and logic are the
same either way.

Everything is sent with web3.py from anvil's unlocked dev accounts, using only the package's ABIs; no Custos code
builds the suite, so the suite can judge Custos's ERC-3643 adapter. Multicall3 is put at its canonical address first
(from the presigned deployment in resources/demo), as the holdings reader needs it at every block the tests read.

The suite: ClaimTopicsRegistry (no required claim topics, so every registered identity is verified),
TrustedIssuersRegistry, IdentityRegistryStorage bound to the IdentityRegistry, ModularCompliance (no modules) and
Token. The token owner (dev account 0) is agent of the registry and of the token. Holders (dev accounts 1 to 5):
  - `plain`: registered, holds units, nothing frozen;
  - `frozen`: registered, part of its units frozen and then its whole address frozen;
  - `partial`: registered, part of its units frozen;
  - `deregistered`: registered and minted to, then its identity deleted (not verified any more), after which it
    still sends some units to `plain`: T-REX only requires the *receiver* to be verified;
  - `unregistered`: never registered, holds nothing.
Blocks: `unpaused_block` is the state above with transfers unpaused; `paused_block` the same after the agent paused
the token; `claim_required_block` the paused token after the claim topics registry began to require a KYC claim
that no trusted issuer can give, so that no holder is verified any more, registered or not (the chain stays there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import HTTPProvider, Web3
from web3.contract import Contract

from wallet_app.demo.institution import MULTICALL3_SENDER, MULTICALL3_TX

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "@tokenysolutions/t-rex"
TREX = REPO / "node_modules" / "@tokenysolutions" / "t-rex"
ZERO = "0x0000000000000000000000000000000000000000"

TOKEN_NAME = "T-REX Reference Note 2030"
TOKEN_SYMBOL = "TRXN30"
TOKEN_DECIMALS = 6
UNIT = 10**TOKEN_DECIMALS
COUNTRY_HK = 344
KYC_CLAIM_TOPIC = 1

# Units minted to each holder, the units frozen on it, and whether its whole address is frozen.
MINTED = {"plain": 1_000 * UNIT, "frozen": 500 * UNIT, "partial": 800 * UNIT, "deregistered": 200 * UNIT,
          "unregistered": 0}
PARTIALLY_FROZEN = {"frozen": 100 * UNIT, "partial": 300 * UNIT}
ADDRESS_FROZEN = ("frozen",)
SENT_BY_DEREGISTERED = 50 * UNIT  # sent to `plain` after its identity was deleted

_ARTIFACTS = {
    "ClaimTopicsRegistry": "contracts/registry/implementation/ClaimTopicsRegistry.sol/ClaimTopicsRegistry.json",
    "TrustedIssuersRegistry":
        "contracts/registry/implementation/TrustedIssuersRegistry.sol/TrustedIssuersRegistry.json",
    "IdentityRegistryStorage":
        "contracts/registry/implementation/IdentityRegistryStorage.sol/IdentityRegistryStorage.json",
    "IdentityRegistry": "contracts/registry/implementation/IdentityRegistry.sol/IdentityRegistry.json",
    "ModularCompliance": "contracts/compliance/modular/ModularCompliance.sol/ModularCompliance.json",
    "Token": "contracts/token/Token.sol/Token.json",
    "Identity": "@onchain-id/solidity/contracts/Identity.sol/Identity.json",
}


class TrexNotInstalled(RuntimeError):
    """The T-REX npm package is missing from node_modules, or is not the version package.json pins."""


def pinned_version() -> str:
    manifest = json.loads((REPO / "package.json").read_text())
    return str(manifest["devDependencies"][PACKAGE])


def installed_version() -> str:
    """The installed package's version, after checking it is the one package.json pins."""
    wanted = pinned_version()
    manifest = TREX / "package.json"
    if not manifest.is_file():
        raise TrexNotInstalled(f"the npm package {PACKAGE} {wanted} is not installed in {TREX.parent}: "
                               "run `make test` (or `npm ci`), which installs what package-lock.json pins")
    found = str(json.loads(manifest.read_text())["version"])
    if found != wanted:
        raise TrexNotInstalled(f"node_modules holds {PACKAGE} {found} but package.json pins {wanted}: run `npm ci`")
    return found


def load_trex_artifact(name: str) -> dict[str, Any]:
    path = TREX / "artifacts" / _ARTIFACTS[name]
    if not path.is_file():
        raise TrexNotInstalled(f"{PACKAGE} {installed_version()} ships no artifact {path.relative_to(TREX)}")
    artifact: dict[str, Any] = json.loads(path.read_text())
    if artifact.get("linkReferences") or not str(artifact.get("bytecode", "0x"))[2:]:
        raise TrexNotInstalled(f"{path.relative_to(TREX)} has no deployable bytecode")
    return artifact


@dataclass(frozen=True)
class TrexSuite:
    version: str
    w3: Web3
    agent: str  # token owner, and agent of the token and of the identity registry
    token: Contract
    identity_registry: Contract
    identity_storage: Contract
    compliance: Contract
    holders: dict[str, str]  # role (see MINTED) -> address
    identities: dict[str, str]  # role -> OnchainID Identity contract registered for it (deleted for deregistered)
    unpaused_block: int
    paused_block: int
    claim_required_block: int


class _Sender:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def deploy(self, name: str, sender: str, *args: object) -> Contract:
        artifact = load_trex_artifact(name)
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self._mine(factory.constructor(*args).transact({"from": sender}), f"deploying {name}")
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])

    def send(self, contract: Contract, function: str, sender: str, *args: object) -> int:
        """Sends `function(*args)` from `sender`; the block it was mined in."""
        tx_hash = contract.functions[function](*args).transact({"from": sender})
        return int(self._mine(tx_hash, function)["blockNumber"])

    def _mine(self, tx_hash: bytes, what: str) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
        if receipt["status"] != 1:
            raise RuntimeError(f"T-REX setup failed while {what}")
        return receipt


def deploy_multicall3(w3: Web3) -> None:
    """Multicall3 at its canonical address from its presigned (chain-agnostic) deployment, as on real networks."""
    sender = w3.eth.accounts[0]
    funding = w3.eth.send_transaction({"from": sender, "to": MULTICALL3_SENDER, "value": 10**17})
    w3.eth.wait_for_transaction_receipt(funding)
    raw = bytes.fromhex(MULTICALL3_TX.read_text().strip().removeprefix("0x"))
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw))
    if receipt["status"] != 1:
        raise RuntimeError("Multicall3 did not deploy")


def deploy_trex_suite(url: str) -> TrexSuite:
    """Deploys and populates the suite described in the module docstring on the anvil node at `url`."""
    version = installed_version()
    w3 = Web3(HTTPProvider(url))
    deploy_multicall3(w3)  # first: the holdings are read at the suite's blocks, through Multicall3
    s = _Sender(w3)
    accounts = w3.eth.accounts
    agent = accounts[0]
    holders = dict(zip(MINTED, accounts[1:6], strict=True))

    topics = s.deploy("ClaimTopicsRegistry", agent)
    issuers = s.deploy("TrustedIssuersRegistry", agent)
    storage = s.deploy("IdentityRegistryStorage", agent)
    registry = s.deploy("IdentityRegistry", agent)
    compliance = s.deploy("ModularCompliance", agent)
    token = s.deploy("Token", agent)
    for contract in (topics, issuers, storage, compliance):
        s.send(contract, "init", agent)
    s.send(registry, "init", agent, issuers.address, topics.address, storage.address)
    s.send(storage, "bindIdentityRegistry", agent, registry.address)
    s.send(registry, "addAgent", agent, agent)
    s.send(token, "init", agent, registry.address, compliance.address, TOKEN_NAME, TOKEN_SYMBOL, TOKEN_DECIMALS, ZERO)
    s.send(token, "addAgent", agent, agent)

    identities: dict[str, str] = {}
    for role, holder in holders.items():
        if role == "unregistered":
            continue
        identity = s.deploy("Identity", agent, holder, False)  # the holder is its management key
        identities[role] = identity.address
        s.send(registry, "registerIdentity", agent, holder, identity.address, COUNTRY_HK)
    for role, amount in MINTED.items():
        if amount:
            s.send(token, "mint", agent, holders[role], amount)  # minting needs a verified receiver
    s.send(token, "unpause", agent)  # a T-REX token starts paused
    for role, amount in PARTIALLY_FROZEN.items():
        s.send(token, "freezePartialTokens", agent, holders[role], amount)
    for role in ADDRESS_FROZEN:
        s.send(token, "setAddressFrozen", agent, holders[role], True)
    s.send(registry, "deleteIdentity", agent, holders["deregistered"])
    unpaused_block = s.send(token, "transfer", holders["deregistered"], holders["plain"], SENT_BY_DEREGISTERED)
    paused_block = s.send(token, "pause", agent)
    claim_required_block = s.send(topics, "addClaimTopic", agent, KYC_CLAIM_TOPIC)
    return TrexSuite(version=version, w3=w3, agent=agent, token=token, identity_registry=registry,
                     identity_storage=storage, compliance=compliance, holders=holders, identities=identities,
                     unpaused_block=unpaused_block, paused_block=paused_block,
                     claim_required_block=claim_required_block)
