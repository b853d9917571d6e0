"""ERC-4527 / BC-UR registry items: Keystone's published vectors, every strict refusal (SECURITY K4), and properties.

Vectors: tests/vectors/erc4527/keystone_registry.json (provenance inside and in tests/vectors/README.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

import coincurve
import pytest
from eth_account import Account
from eth_account.hdaccount import seed_from_mnemonic
from eth_account.hdaccount.deterministic import HDPath, derive_child_key
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet_app.ur.accounts import CoinInfo, CryptoAccount, CryptoHDKey
from wallet_app.ur.cbor import Tagged, dumps, loads
from wallet_app.ur.errors import URError
from wallet_app.ur.eth_requests import EthSignature, EthSignRequest
from wallet_app.ur.eth_types import decode_registry_ur, fields_json
from wallet_app.ur.keypath import ChildrenPath, KeyPath, PathComponent, Wildcard, parse_path

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "erc4527" / "keystone_registry.json").read_text())
REQUEST_KEYS = {"request_id", "sign_data", "data_type", "chain_id", "derivation_path", "source_fingerprint", "address"}
REQUEST_KEYS |= {"origin"}
SIGNATURE_KEYS = {"request_id", "signature", "origin"}
RID = uuid.UUID("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
PATH = parse_path("m/44'/60'/0'/0/0", source_fingerprint=0x12345678)
PUBKEY = bytes.fromhex("02eae4b876a8696134b868f88cc2f51f715f2dbedb7446b8e6edf3d4541c4eb67b")
RLP_TX = bytes.fromhex("e9808504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080")


def _names(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


# --- Keystone's published vectors -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["eth_sign_request"], ids=_names(VECTORS["eth_sign_request"]))
def test_eth_sign_request_vectors(vector: dict[str, Any]) -> None:
    request = decode_registry_ur("eth-sign-request", bytes.fromhex(vector["cbor_hex"]))
    assert isinstance(request, EthSignRequest)
    assert fields_json(request) == vector["expect"]
    assert set(fields_json(request)) == REQUEST_KEYS
    assert request.to_cbor().hex() == vector["cbor_hex"]


@pytest.mark.parametrize("vector", VECTORS["eth_signature"], ids=_names(VECTORS["eth_signature"]))
def test_eth_signature_vectors(vector: dict[str, Any]) -> None:
    signature = decode_registry_ur("eth-signature", bytes.fromhex(vector["cbor_hex"]))
    assert isinstance(signature, EthSignature)
    assert fields_json(signature) == vector["expect"]
    assert set(fields_json(signature)) == SIGNATURE_KEYS
    assert signature.to_cbor().hex() == vector["cbor_hex"]


@pytest.mark.parametrize("vector", VECTORS["crypto_hdkey"], ids=_names(VECTORS["crypto_hdkey"]))
def test_crypto_hdkey_vectors(vector: dict[str, Any]) -> None:
    key = decode_registry_ur("crypto-hdkey", bytes.fromhex(vector["cbor_hex"]))
    assert isinstance(key, CryptoHDKey)
    expect = vector["expect"]
    view = fields_json(key)
    assert set(view) == {"address", "public_key", "derivation_path", "source_fingerprint", "name", "note"}
    for field in ("public_key", "derivation_path", "source_fingerprint", "name", "note"):
        assert view[field] == expect[field]
    assert key.chain_code is not None and key.chain_code.hex() == expect["chain_code"]
    if "parent_fingerprint" in expect:
        assert f"0x{key.parent_fingerprint:08x}" == expect["parent_fingerprint"]
    if "extended_public_key" in expect:
        assert _xpub(key) == expect["extended_public_key"]
    if "children" in expect:
        assert key.children is not None and key.children.text == expect["children"]
    assert key.to_cbor().hex() == vector["cbor_hex"]


def test_keystone_standard_export_derives_its_addresses() -> None:
    """The BIP-44 export is the account key: its receiving addresses are children 0/0, 0/1 (cross-checked values)."""
    vector = VECTORS["crypto_hdkey"][1]
    key = CryptoHDKey.from_cbor(bytes.fromhex(vector["cbor_hex"]))
    check = vector["cross_check"]
    assert key.address == check["address_of_key"]
    external = key.derive_child(0)
    assert external.derive_child(0).address == check["address_0_0"]
    assert external.derive_child(1).address == check["address_0_1"]
    first = external.derive_child(0)
    assert first.origin is not None and first.origin.text == "m/44'/60'/0'/0/0"
    assert first.origin.source_fingerprint == 0xF23F9FD2 and first.origin.depth == 5


@pytest.mark.parametrize("vector", VECTORS["crypto_account"], ids=_names(VECTORS["crypto_account"]))
def test_crypto_account_vectors(vector: dict[str, Any]) -> None:
    account = decode_registry_ur("crypto-account", bytes.fromhex(vector["cbor_hex"]))
    assert isinstance(account, CryptoAccount)
    expect = vector["expect"]
    view = fields_json(account)
    assert view["master_fingerprint"] == expect["master_fingerprint"]
    if "keys" in expect:
        assert [{k: v for k, v in key.items() if k != "address"} for key in view["keys"]] == expect["keys"]
    else:
        assert len(account.keys) == expect["key_count"]
        assert {key.note for key in account.keys} == {expect["note"]}
    assert all(key.chain_code is None and key.address.startswith("0x") for key in account.keys)
    assert account.to_cbor().hex() == vector["cbor_hex"]


@pytest.mark.parametrize("vector", VECTORS["refused"], ids=_names(VECTORS["refused"]))
def test_K4_keystone_items_that_are_not_ethereum_public_keys_refused(vector: dict[str, Any]) -> None:
    with pytest.raises(URError, match=vector["reason"]):
        decode_registry_ur(vector["ur_type"], bytes.fromhex(vector["cbor_hex"]))


# --- key paths ----------------------------------------------------------------------------------------------------


def test_key_path_text_and_cbor() -> None:
    path = parse_path("m/44'/60'/0'/0/7", source_fingerprint=0xE9181CF3, depth=5)
    assert path.text == "m/44'/60'/0'/0/7"
    assert path.components[0] == PathComponent(44, True) and path.components[4] == PathComponent(7, False)
    assert dumps(path.to_tagged()).hex() == "d90130a3018a182cf5183cf500f500f407f4021ae9181cf30305"
    assert KeyPath.from_item(loads(dumps(path.to_item()))) == path
    assert parse_path("m/44h/60H/0'").text == "m/44'/60'/0'"
    assert parse_path("m", source_fingerprint=1).text == "m"


@pytest.mark.parametrize(
    "text",
    ["", "44'/60'", "m/", "m//0", "m/-1", "m/01", "m/2147483648", "m/0''", "m/*", "m/0-1", "m/ 0", "m/1e3", "x/0"],
)
def test_K4_bad_path_text_refused(text: str) -> None:
    with pytest.raises(URError):
        parse_path(text, source_fingerprint=1)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({1: [[], False]}, "wildcards"),
        ({1: [[0, 5], False]}, "wildcards"),
        ({1: [0]}, "pairs"),
        ({1: [0, 1]}, "true or false"),
        ({1: [1 << 31, False]}, "index"),
        ({1: ["0", False]}, "index"),
        ({1: [0, False], 2: 0}, "1..4294967295"),
        ({1: [0, False], 2: 1 << 32}, "4294967295"),
        ({1: [0, False], 3: 256}, "0..255"),
        ({1: [0, False], 4: 1}, "does not know"),
        ({1: []}, "source fingerprint"),
        ({2: 1}, "components"),
        ([0, False], "map"),
    ],
)
def test_K4_bad_keypath_items_refused(item: object, reason: str) -> None:
    with pytest.raises(URError, match=reason):
        KeyPath.from_item(item)


def test_children_path_allows_only_the_wildcard() -> None:
    children = ChildrenPath.from_item({1: [0, False, [], False], 3: 0})
    assert children.steps == (PathComponent(0, False), Wildcard(False)) and children.text == "0/*"
    assert children.to_item() == {1: [0, False, [], False], 3: 0}
    with pytest.raises(URError, match="wildcards and ranges"):
        ChildrenPath.from_item({1: [[0, 9], False]})


# --- eth-sign-request -------------------------------------------------------------------------------------------


def _request_item(**changes: object) -> dict[int, object]:
    item: dict[int, object] = {1: Tagged(37, RID.bytes), 2: RLP_TX, 3: 1, 4: 177, 5: PATH.to_tagged(), 7: "Custos"}
    for key, value in changes.items():
        number = int(key.removeprefix("k"))
        if value is None:
            item.pop(number)
        else:
            item[number] = value
    return item


def test_eth_sign_request_round_trip_and_json() -> None:
    address = bytes.fromhex("9858effd232b4033e47d90003d41ec34ecaeda94")
    request = EthSignRequest(RID, RLP_TX, 1, 177, PATH, address, "Custos")
    again = EthSignRequest.from_cbor(request.to_cbor())
    assert again == request
    assert fields_json(again) == {
        "request_id": str(RID),
        "sign_data": "0x" + RLP_TX.hex(),
        "data_type": 1,
        "chain_id": 177,
        "derivation_path": "m/44'/60'/0'/0/0",
        "source_fingerprint": "0x12345678",
        "address": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
        "origin": "Custos",
    }
    minimal = EthSignRequest(RID, b"hello", 3, None, parse_path("m/44'/60'/0'/0/0"))
    assert fields_json(EthSignRequest.from_cbor(minimal.to_cbor()))["chain_id"] is None
    assert fields_json(minimal)["source_fingerprint"] is None and fields_json(minimal)["address"] is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"k1": None}, "request-id"),
        ({"k2": None}, "sign-data"),
        ({"k3": None}, "data-type"),
        ({"k5": None}, "derivation-path"),
        ({"k8": 1}, "does not know"),
        ({"k1": RID.bytes}, "tag 37"),
        ({"k1": Tagged(38, RID.bytes)}, "tag 37"),
        ({"k1": Tagged(37, RID.bytes[:15])}, "16-byte"),
        ({"k2": b""}, "at least 1"),
        ({"k2": "f8"}, "byte string"),
        ({"k3": 0}, "1..4"),
        ({"k3": 5}, "1..4"),
        ({"k3": True}, "unsigned integer"),
        ({"k4": 0}, "1..18446744073709551615"),
        ({"k4": -1}, "outside"),
        ({"k5": PATH.to_item()}, "tag 304"),
        ({"k5": Tagged(304, {1: [44, True, [], False]})}, "wildcards"),
        ({"k5": Tagged(304, {1: [], 2: 7})}, "derivation path"),
        ({"k6": b"\x11" * 19}, "exactly 20"),
        ({"k6": b"\x11" * 21}, "exactly 20"),
        ({"k7": b"Custos"}, "text"),
        ({"k2": b"\x01\x02", "k3": 1}, "RLP list"),
        ({"k2": b"\xf8\x01", "k3": 4}, "EIP-2718"),
        ({"k2": b"{\xff}", "k3": 2}, "UTF-8"),
    ],
)
def test_K4_eth_sign_request_strict_refusals(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(URError, match=reason):
        EthSignRequest.from_cbor(dumps(_request_item(**changes)))


def test_K4_eth_sign_request_refuses_a_tagged_or_non_map_top_level() -> None:
    with pytest.raises(URError, match="map"):
        EthSignRequest.from_cbor(dumps(Tagged(401, _request_item())))
    with pytest.raises(URError, match="map"):
        EthSignRequest.from_cbor(dumps([1, 2]))


def test_eth_sign_request_cannot_be_built_invalid() -> None:
    with pytest.raises(URError, match="20 bytes"):
        EthSignRequest(RID, RLP_TX, 1, 1, PATH, b"\x00" * 32)
    with pytest.raises(URError, match="derivation path"):
        EthSignRequest(RID, RLP_TX, 1, 1, KeyPath((), 1))
    with pytest.raises(URError, match="chain id"):
        EthSignRequest(RID, RLP_TX, 1, 0, PATH)


# --- eth-signature ----------------------------------------------------------------------------------------------

RS = bytes(range(1, 65))


def test_eth_signature_lengths_and_v() -> None:
    """65 bytes as ERC-4527 says; longer only as Keystone writes a legacy EIP-155 v (chain 177: v = 389 or 390)."""
    typed = EthSignature(RID, RS + b"\x1b", "keystone")
    assert (typed.r, typed.s, typed.v) == (int.from_bytes(RS[:32], "big"), int.from_bytes(RS[32:], "big"), 27)
    assert EthSignature.from_cbor(typed.to_cbor()) == typed
    hashkey_legacy = EthSignature(None, RS + (177 * 2 + 35).to_bytes(2, "big"))
    assert hashkey_legacy.v == 389 and EthSignature.from_cbor(hashkey_legacy.to_cbor()) == hashkey_legacy
    assert EthSignature(None, RS + b"\x00").v == 0
    assert fields_json(hashkey_legacy) == {"request_id": None, "signature": "0x" + RS.hex() + "0185", "origin": None}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({2: RS}, "at least 65"),
        ({2: RS + b"\x00\x01"}, "shortest"),
        ({2: RS + b"\x01" * 9}, "at most 72"),
        ({1: Tagged(37, RID.bytes)}, "signature"),
        ({2: RS + b"\x1b", 4: "x"}, "does not know"),
        ({2: RS + b"\x1b", 1: RID.bytes}, "tag 37"),
        ({2: RS + b"\x1b", 3: 5}, "text"),
        ({"2": RS + b"\x1b"}, "does not know"),
    ],
)
def test_K4_eth_signature_strict_refusals(item: dict[object, object], reason: str) -> None:
    with pytest.raises(URError, match=reason):
        EthSignature.from_cbor(dumps(item))


# --- crypto-hdkey and crypto-account ------------------------------------------------------------------------------


def _hdkey_item(**changes: object) -> dict[int, object]:
    item: dict[int, object] = {3: PUBKEY, 4: b"\x07" * 32, 5: Tagged(305, {1: 60}), 6: Tagged(304, {1: [44, True]})}
    item.update({int(k.removeprefix("k")): v for k, v in changes.items()})
    return item


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"k2": True}, "private"),
        ({"k1": True}, "private"),
        ({"k3": b"\x00" + b"\x01" * 32}, "compressed public key"),
        ({"k3": PUBKEY[:32]}, "exactly 33"),
        ({"k3": b"\x02" + (5).to_bytes(32, "big")}, "not a point"),  # 5^3 + 7 is not a square mod p
        ({"k4": b"\x07" * 31}, "exactly 32"),
        ({"k5": Tagged(305, {1: 0})}, "coin type 0"),
        ({"k5": Tagged(305, {2: 1})}, "Bitcoin"),
        ({"k5": {1: 60}}, "tag 305"),
        ({"k6": Tagged(304, {1: [[], True]})}, "wildcards"),
        ({"k8": 0}, "1..4294967295"),
        ({"k9": b"name"}, "text"),
        ({"k11": 1}, "does not know"),
    ],
)
def test_K4_crypto_hdkey_strict_refusals(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(URError, match=reason):
        CryptoHDKey.from_cbor(dumps(_hdkey_item(**changes)))


def test_crypto_hdkey_keeps_stated_flags_and_use_info() -> None:
    key = CryptoHDKey.from_cbor(dumps(_hdkey_item(k1=False, k2=False, k5=Tagged(305, {1: 60, 2: 0}))))
    assert key.is_master is False and key.is_private is False and key.use_info == CoinInfo(60, 0)
    assert key.to_cbor() == dumps(_hdkey_item(k1=False, k2=False, k5=Tagged(305, {1: 60, 2: 0})))


def test_derive_child_matches_bip32_test_vector_1() -> None:
    """BIP-32 test vector 1: the public child 1 of m/0H is m/0H/1 (key, chain code and parent fingerprint)."""
    parent = _from_xpub(
        "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"
    )
    child = _from_xpub(
        "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"
    )
    derived = parent.derive_child(1)
    assert (derived.key_data, derived.chain_code, derived.parent_fingerprint) == (
        child.key_data,
        child.chain_code,
        child.parent_fingerprint,
    )
    with pytest.raises(URError, match="non-hardened"):
        parent.derive_child(1 << 31)
    with pytest.raises(URError, match="chain code"):
        CryptoHDKey(PUBKEY).derive_child(0)


def test_address_and_derivation_match_eth_account() -> None:
    """The account key of the 'abandon ... about' seed, derived privately by eth-account, gives the same addresses
    publicly (m/44'/60'/0'/0/0 is 0x9858…da94, as Keystone's firmware tests also state)."""
    mnemonic = "abandon " * 11 + "about"
    seed = seed_from_mnemonic(mnemonic, "")
    root = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()  # BIP-32 master key generation
    secret, chain_code = root[:32], root[32:]
    for node in HDPath("m/44'/60'/0'")._path:
        secret, chain_code = derive_child_key(secret, chain_code, node)
    account_key = CryptoHDKey(coincurve.PrivateKey(secret).public_key.format(), chain_code)
    for index in (0, 1, 7):
        expected = Account.from_key(HDPath(f"m/44'/60'/0'/0/{index}").derive(seed)).address
        assert account_key.derive_child(0).derive_child(index).address == expected
    assert account_key.derive_child(0).derive_child(0).address == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"


def test_crypto_account_from_one_key_round_trips() -> None:
    key = CryptoHDKey(PUBKEY, origin=parse_path("m/44'/60'/0'/0/0", source_fingerprint=0xE9181CF3), note="n")
    account = CryptoAccount.from_hdkey(key)
    assert account.master_fingerprint == 0xE9181CF3
    assert CryptoAccount.from_cbor(account.to_cbor()) == account
    assert loads(account.to_cbor()) == {1: 0xE9181CF3, 2: [Tagged(303, key.to_item())]}
    with pytest.raises(URError, match="master fingerprint"):
        CryptoAccount.from_hdkey(CryptoHDKey(PUBKEY))
    with pytest.raises(URError, match="comes from master"):
        CryptoAccount.from_hdkey(key, master_fingerprint=1)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({1: 1, 2: []}, "at least one key"),
        ({1: 1, 2: [Tagged(404, Tagged(303, {3: PUBKEY}))]}, "Bitcoin output descriptor"),
        ({1: 1, 2: [Tagged(306, {3: PUBKEY})]}, "tag 303"),
        ({1: 1, 2: [{3: PUBKEY}]}, "untagged"),
        ({1: 1, 2: {3: PUBKEY}}, "array"),
        ({1: 1 << 32, 2: [Tagged(303, {3: PUBKEY})]}, "4294967295"),
        ({2: [Tagged(303, {3: PUBKEY})]}, "master-fingerprint"),
        ({1: 1, 2: [Tagged(303, {3: PUBKEY, 2: True})]}, "private"),
    ],
)
def test_K4_crypto_account_strict_refusals(item: dict[int, object], reason: str) -> None:
    with pytest.raises(URError, match=reason):
        CryptoAccount.from_cbor(dumps(item))


# --- the one door ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ur_type", ["crypto-psbt", "bytes", "ETH-SIGN-REQUEST", "eth-sign-request\u202e", ""])
def test_K4_decode_registry_ur_refuses_other_types(ur_type: str) -> None:
    with pytest.raises(URError, match="Custos does not read URs of type") as caught:
        decode_registry_ur(ur_type, bytes.fromhex(VECTORS["eth_signature"][0]["cbor_hex"]))
    assert "\u202e" not in str(caught.value)


ALL_TYPES = ["eth-sign-request", "eth-signature", "crypto-hdkey", "crypto-account"]
ALL_VECTORS = [bytes.fromhex(v["cbor_hex"]) for group in VECTORS.values() if isinstance(group, list) for v in group]


@given(st.sampled_from(ALL_TYPES), st.binary(max_size=300))
@settings(max_examples=1000)
def test_K4_random_bytes_only_raise_urerror(ur_type: str, data: bytes) -> None:
    try:
        decode_registry_ur(ur_type, data)
    except URError:
        pass


@given(st.sampled_from(ALL_TYPES), st.sampled_from(ALL_VECTORS), st.data())
@settings(max_examples=1000)
def test_K4_mutated_vectors_only_raise_urerror(ur_type: str, vector: bytes, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(vector) - 1))
    replacement = data.draw(st.binary(min_size=0, max_size=3))
    mutated = vector[:position] + replacement + vector[position + 1 :]
    try:
        decode_registry_ur(ur_type, mutated)
    except URError:
        pass


@given(
    st.uuids(),
    st.binary(min_size=1, max_size=64).map(lambda b: b"\xc0" + b),
    st.one_of(st.none(), st.integers(1, (1 << 64) - 1)),
    st.lists(st.tuples(st.integers(0, (1 << 31) - 1), st.booleans()), min_size=1, max_size=6),
    st.one_of(st.none(), st.integers(1, (1 << 32) - 1)),
    st.one_of(st.none(), st.binary(min_size=20, max_size=20)),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_eth_sign_request_round_trips(
    rid: uuid.UUID,
    data: bytes,
    chain: int | None,
    steps: list[tuple[int, bool]],
    fingerprint: int | None,
    address: bytes | None,
    origin: str | None,
) -> None:
    path = KeyPath(tuple(PathComponent(i, h) for i, h in steps), fingerprint)
    request = EthSignRequest(rid, data, 1, chain, path, address, origin)
    assert EthSignRequest.from_cbor(request.to_cbor()) == request
    assert parse_path(path.text, source_fingerprint=fingerprint) == path


# --- helpers: BIP-32 extended keys in Base58Check, for the published xpub strings ---------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58check_decode(text: str) -> bytes:
    raw = 0
    for char in text:
        raw = raw * 58 + _B58.index(char)
    data = raw.to_bytes(82, "big")
    payload, checksum = data[:-4], data[-4:]
    assert hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum
    return payload


def _from_xpub(text: str) -> CryptoHDKey:
    payload = _b58check_decode(text)
    assert payload[:4] == bytes.fromhex("0488b21e")
    return CryptoHDKey(payload[45:78], payload[13:45], parent_fingerprint=int.from_bytes(payload[5:9], "big"))


def _xpub(key: CryptoHDKey) -> str:
    """The BIP-32 serialisation Keystone's SDK prints for a key (depth from the origin, index from its last step)."""
    assert key.origin is not None and key.chain_code is not None and key.parent_fingerprint is not None
    last = key.origin.components[-1]
    index = last.index + (1 << 31 if last.hardened else 0)
    payload = b"".join(
        [
            bytes.fromhex("0488b21e"),
            bytes([len(key.origin.components)]),
            key.parent_fingerprint.to_bytes(4, "big"),
            index.to_bytes(4, "big"),
            key.chain_code,
            key.key_data,
        ]
    )
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = _B58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\x00"))) + text
