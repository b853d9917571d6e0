"""A SafeTx as EIP-712 typed data and back (what crosses the air gap): exact for every Safe version's domain and
type, refused when anything differs, and hashed alike by Custos and eth-account (SECURITY K1)."""

from __future__ import annotations

import json

import pytest

from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.errors import InvalidAddress
from wallet_app.safe.tx_typed_data import TypedDataMismatch, safe_tx_from_typed_data, safe_tx_typed_data

SAFE = "0x62cffD175226D795307E97Aa45e53c4B45027802"
TO = "0x25EfE7a6b39A8835c4916de7F10b9DD87c952977"


def make_tx(version: str = "1.4.1", **changes: object) -> SafeTx:
    fields: dict[str, object] = dict(safe=SAFE, chain_id=133, version=version, to=TO, value=2**200, data=b"\x01\x02",
                                     operation=Operation.CALL, nonce=7, safe_tx_gas=1, base_gas=2, gas_price=3)
    fields.update(changes)
    return SafeTx(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1"])
def test_round_trip_for_every_safe_version(version: str) -> None:
    tx = make_tx(version)
    typed = json.loads(json.dumps(safe_tx_typed_data(tx)))  # as it travels
    back = safe_tx_from_typed_data(typed, safe=SAFE, chain_id=133, version=version)
    assert back == tx
    assert compute_hashes(back) == compute_hashes(tx)


def test_the_legacy_domain_has_no_chain_id_and_pre_1_0_uses_data_gas() -> None:
    old = safe_tx_typed_data(make_tx("0.1.0"))
    assert old["domain"] == {"verifyingContract": SAFE}
    assert "dataGas" in old["message"] and "baseGas" not in old["message"]
    new = safe_tx_typed_data(make_tx("1.3.0"))
    assert new["domain"] == {"chainId": 133, "verifyingContract": SAFE}


@pytest.mark.parametrize("edit", [
    lambda t: t["domain"].update(chainId=134),
    lambda t: t["domain"].update(verifyingContract=TO),
    lambda t: t["message"].update(value="01"),
    lambda t: t["message"].update(value="-1"),
    lambda t: t["message"].update(value=str(2**256)),
    lambda t: t["message"].update(operation=2),
    lambda t: t["message"].update(operation=True),
    lambda t: t["message"].update(data="0x0"),
    lambda t: t["message"].update(extra="1"),
    lambda t: t.update(primaryType="Mail"),
    lambda t: t["types"]["SafeTx"].reverse(),
    lambda t: t.update(more={}),
])
def test_K1_anything_but_the_exact_form_is_refused(edit: object) -> None:
    typed = safe_tx_typed_data(make_tx())
    edit(typed)  # type: ignore[operator]
    with pytest.raises((TypedDataMismatch, InvalidAddress)):
        safe_tx_from_typed_data(typed, safe=SAFE, chain_id=133, version="1.4.1")


def test_K1_the_version_trusted_here_decides_the_types() -> None:
    typed = safe_tx_typed_data(make_tx("1.4.1"))
    with pytest.raises(TypedDataMismatch, match=r"not a SafeTx of a Safe 1\.2\.0"):
        safe_tx_from_typed_data(typed, safe=SAFE, chain_id=133, version="1.2.0")
