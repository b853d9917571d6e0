"""The Safe deployments Custos recognises: singletons (version, address, runtime code hash, L2 or not), proxy runtime
code, and the 1.4.1 contracts a new vault is deployed with.

Provenance (nothing here is fetched from a network):

* Addresses are those of safe-eth-py's `safe_eth.safe.safe_deployments.default_safe_deployments` table (safe-eth-py
  7.27, a pinned runtime dependency); `tests/unit/test_vault_known_deployments.py` checks every literal below against
  that table.
* Code hashes are computed, on first use, from the bytecode safe-eth-py ships (`safe_eth/eth/contracts/abis/*.json`):
  keccak256 of `deployedBytecode`. None of these contracts has immutables, so that is exactly the code a deployment
  leaves on chain (the integration tests compare `eth_getCode` with it on the devnet and on anvil).
* A singleton's hash is bound to an address only where the address is *derived* from that very bytecode: the
  canonical 1.3.0 to 1.5.0 contracts were created by CREATE2 with salt 0 through the deterministic-deployment proxy
  (0x4e59b448…) or the Safe singleton factory (0x914d7Fec…), and recomputing CREATE2 from the artifact's init code
  gives the table's address. safe-eth-py's 1.3.0, 1.4.1 and 1.5.0 artifacts are the **L2** builds (GnosisSafeL2 /
  SafeL2), so those are the variants with a pinned hash.
* The non-L2 1.3.0 to 1.5.0 singletons and 1.2.0: safe-eth-py ships no bytecode, so their addresses are known and their
  code hash is not pinned. A vault on one of them is not blocked (the canonical address is itself a CREATE2
  commitment to the canonical init code), but the check says the code could not be compared.
* 1.0.0 and 1.1.1 were deployed by plain CREATE from Gnosis's deployer, so no derivation ties the artifact to the
  address; their hash is the artifact's, assumed (not proven here) to equal the mainnet deployment's. If a real
  1.0.0/1.1.1 vault shows "code differs", compare `eth_getCode` of the singleton with the artifact before trusting
  either (the failure is closed: signing stays blocked).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from eth_hash.auto import keccak

from wallet_app.domain.addresses import address_bytes, to_checksum

DETERMINISTIC_DEPLOYMENT_PROXY = "0x4e59b44847b379578588920cA78FbF26c0B4956C"
SAFE_SINGLETON_FACTORY = "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7"
# The runtime code of both deployers above (the Safe singleton factory reuses the deterministic-deployment proxy):
# calldata = salt (32 bytes) || init code; it CREATE2s and returns the new address (20 bytes). The devnet puts it in
# its genesis at SAFE_SINGLETON_FACTORY (as OP-stack chains preinstall it); a test compares it with anvil's own
# predeployed 0x4e59b448…
SINGLETON_FACTORY_RUNTIME = bytes.fromhex(
    "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182"
    "fd5b8082525050506014600cf3"
)
CREATE2_DEPLOYERS = (DETERMINISTIC_DEPLOYMENT_PROXY, SAFE_SINGLETON_FACTORY)

# version -> (non-L2 singleton addresses, L2 singleton addresses); safe-eth-py's default_safe_deployments
SINGLETON_ADDRESSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "1.0.0": (("0xb6029EA3B2c51D09a50B53CA8012FeEB05bDa35A",), ()),
    "1.1.1": (("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F",), ()),
    "1.2.0": (("0x6851D6fDFAfD08c0295C392436245E5bc78B0185",), ()),
    "1.3.0": (
        ("0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552", "0x69f4D1788e39c87893C980c06EdF4b7f686e2938",
         "0xB00ce5CCcdEf57e539ddcEd01DF43a13855d9910"),
        ("0x3E5c63644E683549055b9Be8653de26E0B4CD36E", "0xfb1bffC9d739B8D520DaF37dF666da4C687191EA",
         "0x1727c2c531cf966f902E5927b98490fDFb3b2b70"),
    ),
    "1.4.1": (
        ("0x41675C099F32341bf84BFc5382aF534df5C7461a", "0xC35F063962328aC65cED5D4c3fC5dEf8dec68dFa"),
        ("0x29fcB43b46531BcA003ddC8FCB67FFE91900C762", "0x610fcA2e0279Fa1F8C00c8c2F71dF522AD469380"),
    ),
    "1.5.0": (("0xFf51A5898e281Db6DfC7855790607438dF2ca44b",), ("0xEdd160fEBBD92E350D4D398fb636302fccd67C7e",)),
}
# The artifact safe-eth-py ships for each version, and whether it is the L2 build.
SINGLETON_ARTIFACTS: dict[str, tuple[str, bool]] = {
    "1.0.0": ("GnosisSafe_V1_0_0", False),
    "1.1.1": ("GnosisSafe_V1_1_1", False),
    "1.3.0": ("GnosisSafe_V1_3_0", True),
    "1.4.1": ("Safe_V1_4_1", True),
    "1.5.0": ("Safe_V1_5_0", True),
}
PROXY_ARTIFACTS = ("Proxy_V1_0_0", "Proxy_V1_1_1", "Proxy_V1_3_0", "Proxy_V1_4_1", "Proxy_V1_5_0")
FALLBACK_HANDLER_ADDRESSES: dict[str, tuple[str, ...]] = {
    "1.3.0": ("0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4", "0x017062a1dE2FE6b99BE3d9d37841FeD19F573804",
              "0x2f870a80647BbC554F3a0EBD093f11B4d2a7492A"),
    "1.4.1": ("0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99", "0x9301E98DD367135f21bdF66f342A249c9D5F9069"),
    "1.5.0": ("0x3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4",),
}

# What `custos safe deploy` uses: Safe 1.4.1 L2 (see DeploymentSet), its proxy factory and fallback handler.
DEPLOY_VERSION = "1.4.1"
DEPLOY_SINGLETON_L2 = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
DEPLOY_PROXY_FACTORY = "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"
DEPLOY_FALLBACK_HANDLER = "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"
DEPLOY_MULTI_SEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
DEPLOY_ARTIFACTS = {  # address -> artifact, each address checked to be CREATE2(factory, 0, artifact) on first use
    DEPLOY_SINGLETON_L2: "Safe_V1_4_1",
    DEPLOY_PROXY_FACTORY: "ProxyFactory_V1_4_1",
    DEPLOY_FALLBACK_HANDLER: "CompatibilityFallbackHandler_V1_4_1",
    DEPLOY_MULTI_SEND_CALL_ONLY: "MultiSendCallOnly_V1_4_1",
}


class KnownDeploymentsBroken(RuntimeError):
    """safe-eth-py's artifacts no longer produce the addresses above: a packaging problem, never the user's."""


@dataclass(frozen=True, slots=True)
class KnownSingleton:
    version: str
    address: str
    l2: bool
    code_hash: bytes | None  # None: safe-eth-py ships no bytecode for it; the address alone is known
    provenance: str  # how the hash is tied to the address, in words


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    init_code: bytes
    runtime_code: bytes
    abi: list[dict[str, object]]

    @property
    def runtime_hash(self) -> bytes:
        return keccak(self.runtime_code)


def artifacts_dir() -> Path:
    """safe-eth-py's artifact folder, found without importing safe_eth (its package import takes a second)."""
    spec = importlib.util.find_spec("safe_eth")
    if spec is None or not spec.submodule_search_locations:
        raise KnownDeploymentsBroken("safe-eth-py is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "eth" / "contracts" / "abis"


@functools.cache
def load_safe_artifact(name: str) -> Artifact:
    try:
        data = json.loads((artifacts_dir() / f"{name}.json").read_text(encoding="utf-8"))
        return Artifact(name, bytes.fromhex(str(data["bytecode"]).removeprefix("0x")),
                        bytes.fromhex(str(data["deployedBytecode"]).removeprefix("0x")), list(data["abi"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnownDeploymentsBroken(f"safe-eth-py's artifact {name} cannot be read: {exc}") from exc


def create2_address(deployer: str, salt: bytes, init_code: bytes) -> str:
    return to_checksum("0x" + keccak(b"\xff" + address_bytes(deployer) + salt + keccak(init_code))[12:].hex())


def canonical_address_of(init_code: bytes) -> tuple[str, ...]:
    """Where the two CREATE2 deployers put this init code with salt 0."""
    return tuple(create2_address(d, bytes(32), init_code) for d in CREATE2_DEPLOYERS)


@functools.cache
def known_singletons() -> dict[str, KnownSingleton]:
    """Checksummed address -> what Custos knows about the singleton there."""
    known: dict[str, KnownSingleton] = {}
    for version, (plain, l2s) in SINGLETON_ADDRESSES.items():
        artifact_name, artifact_l2 = SINGLETON_ARTIFACTS.get(version, ("", False))
        artifact = load_safe_artifact(artifact_name) if artifact_name else None
        derived = canonical_address_of(artifact.init_code) if artifact is not None else ()
        for is_l2, addresses in ((False, plain), (True, l2s)):
            for address in addresses:
                code_hash: bytes | None = None
                provenance = "address from safe-eth-py's table; safe-eth-py ships no bytecode for this build"
                if artifact is not None and address in derived:
                    code_hash = artifact.runtime_hash
                    provenance = f"CREATE2 of safe-eth-py's {artifact_name} init code gives this address"
                elif artifact is not None and version in ("1.0.0", "1.1.1") and is_l2 == artifact_l2:
                    code_hash = artifact.runtime_hash
                    provenance = (f"safe-eth-py's {artifact_name} bytecode; deployed by CREATE, so not provably "
                                  "the code at this address")
                known[address] = KnownSingleton(version, address, is_l2, code_hash, provenance)
    for version, (name, is_l2) in SINGLETON_ARTIFACTS.items():
        if version in ("1.0.0", "1.1.1"):
            continue
        derived_known = [a for a in canonical_address_of(load_safe_artifact(name).init_code) if a in known]
        if not derived_known or not is_l2:
            raise KnownDeploymentsBroken(f"safe-eth-py's {name} no longer derives a known {version} L2 address")
    return known


@functools.cache
def known_proxy_code_hashes() -> dict[bytes, str]:
    """keccak of a Safe proxy's runtime code -> the release it comes from. A factory creates proxies from the
    creation code it embeds; the tests check each release's factory embeds exactly this proxy."""
    return {load_safe_artifact(name).runtime_hash: name.removeprefix("Proxy_V").replace("_", ".")
            for name in PROXY_ARTIFACTS}


@functools.cache
def known_fallback_handlers() -> dict[str, str]:
    return {address: version for version, addresses in FALLBACK_HANDLER_ADDRESSES.items() for address in addresses}


@dataclass(frozen=True, slots=True)
class DeploymentSet:
    """The contracts a new vault is made with: Safe 1.4.1 **L2** on every chain. The L2 build emits an event for every
    execution (history and audit read them) and is the only 1.4.1 build whose code hash Custos can pin offline
    (safe-eth-py ships its bytecode); on Ethereum L1 it costs a little more gas per transaction than the plain build."""

    version: str
    singleton: str
    proxy_factory: str
    fallback_handler: str
    code_hashes: dict[str, bytes]  # address -> expected runtime code hash
    proxy_runtime_hash: bytes
    proxy_creation_code: bytes


@functools.cache
def deployment_set() -> DeploymentSet:
    hashes = {}
    for address, name in DEPLOY_ARTIFACTS.items():
        artifact = load_safe_artifact(name)
        if address not in canonical_address_of(artifact.init_code):
            raise KnownDeploymentsBroken(f"safe-eth-py's {name} does not derive {address}")
        hashes[address] = artifact.runtime_hash
    proxy = load_safe_artifact("Proxy_V1_4_1")
    return DeploymentSet(DEPLOY_VERSION, DEPLOY_SINGLETON_L2, DEPLOY_PROXY_FACTORY, DEPLOY_FALLBACK_HANDLER, hashes,
                         proxy.runtime_hash, proxy.init_code)
