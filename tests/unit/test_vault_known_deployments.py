"""The known Safe deployments: every literal address against safe-eth-py's table, every pinned code hash derived
from safe-eth-py's bytecode, the deploy plan's checks and its CREATE2 prediction."""

from __future__ import annotations

import pytest

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, InvalidAddress
from wallet_app.vaults.deploy import check_owners, plan_deployment
from wallet_app.vaults.known_deployments import (
    DEPLOY_ARTIFACTS,
    FALLBACK_HANDLER_ADDRESSES,
    PROXY_ARTIFACTS,
    SINGLETON_ADDRESSES,
    canonical_address_of,
    deployment_set,
    known_proxy_code_hashes,
    known_singletons,
    load_safe_artifact,
)

A, B, C = (to_checksum(f"0x{n:040x}") for n in (0xA11, 0xB0B, 0xC0C))


def safe_eth_table() -> dict[str, dict[str, list[str]]]:
    from safe_eth.safe.safe_deployments import default_safe_deployments

    return default_safe_deployments


def test_singleton_addresses_are_safe_eth_pys() -> None:
    table = safe_eth_table()
    for version, (plain, l2) in SINGLETON_ADDRESSES.items():
        contracts = table[version]
        assert set(plain) == set(contracts.get("Safe", contracts.get("GnosisSafe", []))), version
        assert set(l2) == set(contracts.get("SafeL2", contracts.get("GnosisSafeL2", []))), version


def test_fallback_handler_and_deploy_addresses_are_safe_eth_pys() -> None:
    table = safe_eth_table()
    for version, addresses in FALLBACK_HANDLER_ADDRESSES.items():
        assert set(addresses) == set(table[version]["CompatibilityFallbackHandler"])
    v141 = table["1.4.1"]
    listed = set(v141["SafeL2"] + v141["SafeProxyFactory"] + v141["CompatibilityFallbackHandler"]
                 + v141["MultiSendCallOnly"])
    assert set(DEPLOY_ARTIFACTS) <= listed


def test_pinned_hashes_are_bound_by_create2_to_the_canonical_l2_addresses() -> None:
    known = known_singletons()
    pinned = {a: s for a, s in known.items() if s.code_hash is not None and s.version not in ("1.0.0", "1.1.1")}
    assert set(pinned) == {"0x3E5c63644E683549055b9Be8653de26E0B4CD36E", "0xfb1bffC9d739B8D520DaF37dF666da4C687191EA",
                           "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762", "0xEdd160fEBBD92E350D4D398fb636302fccd67C7e"}
    for address, entry in pinned.items():
        assert entry.l2
        artifact = load_safe_artifact({"1.3.0": "GnosisSafe_V1_3_0", "1.4.1": "Safe_V1_4_1",
                                       "1.5.0": "Safe_V1_5_0"}[entry.version])
        assert address in canonical_address_of(artifact.init_code)
        assert entry.code_hash == artifact.runtime_hash
        assert artifact.runtime_code in artifact.init_code  # no immutables patched in by the constructor


def test_unpinned_singletons_are_the_builds_safe_eth_py_has_no_bytecode_for() -> None:
    unpinned = {s.version for s in known_singletons().values() if s.code_hash is None}
    assert unpinned == {"1.2.0", "1.3.0", "1.4.1", "1.5.0"}
    assert all(not s.l2 or "1727c2" in a.lower() or "610fca" in a.lower()  # zkSync addresses only
               for a, s in known_singletons().items() if s.code_hash is None)


def test_each_factory_creates_exactly_its_releases_proxy() -> None:
    hashes = known_proxy_code_hashes()
    assert len(hashes) == len(PROXY_ARTIFACTS)
    for name in PROXY_ARTIFACTS:
        release = name.removeprefix("Proxy_V")
        proxy = load_safe_artifact(name)
        factory = load_safe_artifact(f"ProxyFactory_V{release}")
        assert proxy.init_code in factory.runtime_code  # type(Proxy).creationCode, embedded in the factory
        assert proxy.runtime_code in proxy.init_code


def test_deployment_set_is_safe_141_l2_at_its_canonical_addresses() -> None:
    contracts = deployment_set()
    assert contracts.version == "1.4.1"
    assert contracts.singleton == "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
    assert contracts.proxy_factory == "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"
    assert contracts.fallback_handler == "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"
    assert contracts.code_hashes[contracts.singleton] == known_singletons()[contracts.singleton].code_hash


def test_owners_are_checked() -> None:
    assert check_owners([A.lower(), B], 2) == (A, B)
    with pytest.raises(ConfigError, match="twice"):
        check_owners([A, A.lower()], 1)
    with pytest.raises(ConfigError, match="threshold"):
        check_owners([A, B], 3)
    with pytest.raises(ConfigError, match="threshold"):
        check_owners([A, B], 0)
    with pytest.raises(ConfigError, match="at least one"):
        check_owners([], 1)
    with pytest.raises(ConfigError, match="cannot be an owner"):
        check_owners(["0x0000000000000000000000000000000000000001"], 1)
    with pytest.raises(InvalidAddress):
        check_owners(["0x0000000000000000000000000000000000000a1"], 1)


def test_plan_predicts_a_different_address_per_salt_and_owner_set() -> None:
    contracts = deployment_set()
    first = plan_deployment([A, B, C], 2, contracts, salt_nonce=1)
    assert first.predicted != plan_deployment([A, B, C], 2, contracts, salt_nonce=2).predicted
    assert first.predicted != plan_deployment([A, B, C], 3, contracts, salt_nonce=1).predicted
    assert first.predicted == plan_deployment([A, B, C], 2, contracts, salt_nonce=1).predicted
    assert first.call_data[:4].hex() == "1688f0b9"  # createProxyWithNonce(address,bytes,uint256)
