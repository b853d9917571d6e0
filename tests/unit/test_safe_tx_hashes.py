"""A8 (partial): our SafeTx hashes against safe-eth-py, an independent implementation, for every domain kind."""

import pytest
from hexbytes import HexBytes
from safe_eth.safe.safe_tx import SafeTx as ReferenceSafeTx

from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes, pack_signatures, uses_legacy_domain

SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
TO = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
DATA = bytes.fromhex("a9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000"
                     "000000000000000000000000000000000000000000000000")


@pytest.mark.parametrize("version", ["1.1.1", "1.3.0", "1.4.1", "1.5.0"])
@pytest.mark.parametrize("chain_id", [1, 177])
def test_A8_safe_tx_hash_matches_safe_eth_py(version: str, chain_id: int) -> None:
    ours = SafeTx(
        safe=SAFE, chain_id=chain_id, version=version, to=TO, value=7, data=DATA,
        operation=Operation.DELEGATECALL, nonce=42, safe_tx_gas=45746, base_gas=3, gas_price=5,
    )
    reference = ReferenceSafeTx(
        None, SAFE, TO, 7, HexBytes(DATA), 1, 45746, 3, 5, None, None,
        safe_nonce=42, safe_version=version, chain_id=chain_id,
    )
    hashes = compute_hashes(ours)
    assert hashes.safe_tx_hash == bytes(reference.safe_tx_hash)
    assert uses_legacy_domain(version) == (version == "1.1.1")


def test_legacy_domain_hash_does_not_depend_on_the_chain() -> None:
    tx = SafeTx(SAFE, 1, "1.1.1", TO, 0, b"", Operation.CALL, 0)
    other = SafeTx(SAFE, 177, "1.1.1", TO, 0, b"", Operation.CALL, 0)
    assert compute_hashes(tx).domain_hash == compute_hashes(other).domain_hash
    modern = SafeTx(SAFE, 1, "1.4.1", TO, 0, b"", Operation.CALL, 0)
    assert compute_hashes(modern).domain_hash != compute_hashes(
        SafeTx(SAFE, 177, "1.4.1", TO, 0, b"", Operation.CALL, 0)
    ).domain_hash


def test_signatures_are_packed_in_owner_address_order() -> None:
    low, high = "0x0000000000000000000000000000000000000001", "0xfFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF"
    packed = pack_signatures({high: b"\x02" * 65, low: b"\x01" * 65})
    assert packed == b"\x01" * 65 + b"\x02" * 65
