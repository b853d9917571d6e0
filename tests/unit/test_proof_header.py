"""Block headers for proofs: real headers of every layout hash to their published block hash, py-evm agrees on the
encoding, and every way an input can be wrong ends as UnusableInput or ProofInvalid with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth.rlp.headers import BlockHeader
from eth.vm.forks.cancun.blocks import CancunBlockHeader
from eth.vm.forks.london.blocks import LondonBlockHeader
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.shanghai.blocks import ShanghaiBlockHeader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet_app.chain.devnet.serialize import header_json
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.header import (
    BASE_FIELDS,
    HEADER_KEYS,
    LATER_FIELDS,
    QUANTITY,
    Header,
    check_block_json,
    claimed_hash,
    header_from_json,
    header_from_rlp,
    header_to_json,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "headers"

# file -> the layout its header must be read as (provenance of each in tests/vectors/README.md)
FIXTURES = {
    "mainnet-46147.json": "pre-London",
    "mainnet-12965000.json": "London",
    "mainnet-18000000.json": "Shanghai",
    "mainnet-21925176.json": "Cancun",
    "mainnet-26050794.json": "Prague",
    "base-29139628.json": "Cancun",
    "base-50546271.json": "Prague",
    "execution-apis-testchain-0.json": "pre-London",
    "execution-apis-testchain-27.json": "London",
    "execution-apis-testchain-36.json": "London",
    "execution-apis-testchain-39.json": "Shanghai",
    "execution-apis-testchain-42.json": "Cancun",
    "execution-apis-testchain-45.json": "Prague",
}
FIELD_LENGTHS = dict(BASE_FIELDS) | {key: length for _, group in LATER_FIELDS for key, length in group}


def load(name: str) -> dict[str, Any]:
    block: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return block


def of_fork(fork: str) -> dict[str, Any]:
    return load(next(name for name, layout in FIXTURES.items() if layout == fork and name.startswith("mainnet")))


def test_every_fixture_file_is_listed() -> None:
    assert sorted(path.name for path in VECTORS.glob("*.json")) == sorted(FIXTURES)


@pytest.mark.parametrize(("name", "fork"), sorted(FIXTURES.items()))
def test_fixture_hashes_to_its_block_hash(name: str, fork: str) -> None:
    block = load(name)
    header = check_block_json(block)
    assert header.hash == bytes.fromhex(block["hash"][2:]) == claimed_hash(block)
    assert header.fork == fork
    assert header.number == int(block["number"], 16)
    assert header.timestamp == int(block["timestamp"], 16)
    assert header.parent_hash.hex() == block["parentHash"][2:].lower()
    assert header.state_root.hex() == block["stateRoot"][2:].lower()
    expected_withdrawals_root = block.get("withdrawalsRoot")
    assert (header.withdrawals_root and "0x" + header.withdrawals_root.hex()) == expected_withdrawals_root
    assert header_from_rlp(header.rlp) == header
    written = header_to_json(header)
    assert written == {key: value.lower() for key, value in block.items() if key in HEADER_KEYS | {"hash"}}
    assert header_from_json(written) == header


def test_op_stack_isthmus_header_carries_the_message_passer_storage_root() -> None:
    header = check_block_json(load("base-50546271.json"))
    # Since Isthmus the field holds the L2ToL1MessagePasser's storage root, not the empty-trie root of withdrawals.
    assert header.withdrawals_root == bytes.fromhex("75cd5e0eb399bc25ae4df372f996c09e280f9fdc798c145278b264eed9c31dbe")


def _filled(cls: Any, **extra: Any) -> BlockHeader:
    made: BlockHeader = cls(
        difficulty=0 if cls is not BlockHeader else 17_171_480_576,
        block_number=22_431_085,
        gas_limit=36_000_000,
        timestamp=1_746_612_323,
        coinbase=bytes.fromhex("4838b106fce9647bdf1e7877bf73ce8b0bad5f97"),
        parent_hash=b"\x11" * 32,
        state_root=b"\x22" * 32,
        transaction_root=b"\x33" * 32,
        receipt_root=b"\x44" * 32,
        bloom=int.from_bytes(b"\x5a" * 256, "big"),
        gas_used=12_345_678,
        extra_data=b"Titan (titanbuilder.xyz)",
        mix_hash=b"\x66" * 32,
        nonce=b"\x00" * 7 + b"\x01",
        **extra,
    )
    return made


PY_EVM_HEADERS = {
    "pre-London": lambda: _filled(BlockHeader),
    "London": lambda: _filled(LondonBlockHeader, base_fee_per_gas=7),
    "Shanghai": lambda: _filled(ShanghaiBlockHeader, base_fee_per_gas=2_000_000_000, withdrawals_root=b"\x77" * 32),
    "Cancun": lambda: _filled(
        CancunBlockHeader,
        base_fee_per_gas=1,
        withdrawals_root=b"\x77" * 32,
        blob_gas_used=393_216,
        excess_blob_gas=0,
        parent_beacon_block_root=b"\x88" * 32,
    ),
    "Prague": lambda: _filled(
        PragueBlockHeader,
        base_fee_per_gas=10**18,
        withdrawals_root=b"\x77" * 32,
        blob_gas_used=0,
        excess_blob_gas=78_643_200,
        parent_beacon_block_root=b"\x88" * 32,
        requests_hash=b"\x99" * 32,
    ),
}


def _frontier_json(made: BlockHeader) -> dict[str, str]:
    fields: dict[str, int | bytes] = {
        "hash": made.hash,
        "parentHash": made.parent_hash,
        "sha3Uncles": made.uncles_hash,
        "miner": made.coinbase,
        "stateRoot": made.state_root,
        "transactionsRoot": made.transaction_root,
        "receiptsRoot": made.receipt_root,
        "logsBloom": made.bloom.to_bytes(256, "big"),
        "difficulty": made.difficulty,
        "number": made.block_number,
        "gasLimit": made.gas_limit,
        "gasUsed": made.gas_used,
        "timestamp": made.timestamp,
        "extraData": made.extra_data,
        "mixHash": made.mix_hash,
        "nonce": made.nonce,
    }
    return {key: hex(value) if isinstance(value, int) else "0x" + value.hex() for key, value in fields.items()}


@pytest.mark.parametrize("fork", sorted(PY_EVM_HEADERS))
def test_a_py_evm_header_reads_the_same(fork: str) -> None:
    made = PY_EVM_HEADERS[fork]()
    # the devnet's serialiser, as Custos's own node answers; it knows no header without a base fee
    block = header_json(made) if fork != "pre-London" else _frontier_json(made)
    header = check_block_json(block)
    assert header.fork == fork
    assert header.rlp == rlp.encode(made)
    assert header.hash == made.hash
    assert header_from_rlp(rlp.encode(made)) == header


# --- tampering -----------------------------------------------------------------------------------------------------


def _other(key: str, value: str) -> str:
    if FIELD_LENGTHS[key] == QUANTITY:
        return hex(int(value, 16) + 1)
    if value == "0x":
        return "0x00"
    return value[:-1] + ("0" if value[-1] != "0" else "1")


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_changing_any_header_field_is_proof_invalid(name: str) -> None:
    block = load(name)
    for key in sorted(HEADER_KEYS & block.keys()):
        tampered = {**block, key: _other(key, block[key])}
        with pytest.raises(ProofInvalid) as caught:
            check_block_json(tampered)
        message = caught.value.user_message
        assert f"does not hash to its block hash {block['hash'].lower()}" in message, key
        assert "\n" not in message and "fork Custos does not know" not in message


def test_changing_the_block_hash_is_proof_invalid() -> None:
    block = of_fork("Prague")
    wrong = "0x" + "ab" * 32
    with pytest.raises(ProofInvalid, match=f"block hash {wrong}: keccak256 of its fields is {block['hash']}"):
        check_block_json({**block, "hash": wrong})


def test_a_mismatch_names_fields_custos_does_not_know() -> None:
    block = {**of_fork("Prague"), "blockAccessListHash": "0x" + "00" * 32, "slotNumber": "0x1", "size": "0x1"}
    block["gasUsed"] = _other("gasUsed", block["gasUsed"])
    with pytest.raises(ProofInvalid, match=r"fork Custos does not know: fields blockAccessListHash, slotNumber$"):
        check_block_json(block)
    # when the hash holds, extra keys are no concern
    check_block_json({**of_fork("Prague"), "blockAccessListHash": "0x00"})


# --- unusable input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [key for key, _ in BASE_FIELDS])
def test_a_missing_required_field_is_unusable(key: str) -> None:
    block = dict(of_fork("Cancun"))
    del block[key]
    with pytest.raises(UnusableInput, match=f"the block has no {key}, which every header carries"):
        check_block_json(block)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("stateRoot", "0x" + "zz" * 32, "is not hex"),
        ("stateRoot", "ab" * 32, 'does not start with "0x"'),
        ("stateRoot", "0x" + "ab" * 31, "is 31 bytes, not 32"),
        ("stateRoot", "0x" + "a" * 63, "odd number of hex digits"),
        ("stateRoot", 12, "is not a hex string: 12"),
        ("miner", "0x" + "11" * 19, "is 19 bytes, not 20"),
        ("logsBloom", "0x" + "00" * 255, "is 255 bytes, not 256"),
        ("nonce", "0x" + "00" * 7, "is 7 bytes, not 8"),
        ("number", "0x01", "leading zeros \\('0x01'\\); JSON-RPC quantities are written without them, e.g. \"0x1\""),
        ("gasUsed", "0x00", 'leading zeros .* e.g. "0x0"'),
        ("gasLimit", "0x", 'is "0x" with no digits'),
        ("timestamp", 1_700_000_000, "is not a hex string"),
        ("difficulty", True, "is not a hex string"),
        ("baseFeePerGas", "0x1" + "0" * 64, "larger than 256 bits"),
        ("extraData", "0x0", "odd number of hex digits"),
        ("hash", "0x1234", "the block's hash is 2 bytes, not 32"),
        ("hash", None, "the block has no hash"),
    ],
)
def test_malformed_field_is_unusable(key: str, value: object, words: str) -> None:
    with pytest.raises(UnusableInput, match=words) as caught:
        check_block_json({**of_fork("Cancun"), key: value})
    assert key in caught.value.user_message


@pytest.mark.parametrize(
    ("base_fork", "change", "words"),
    [
        (
            "Cancun",
            {"withdrawalsRoot": None},
            "has the Cancun field blobGasUsed but not the Shanghai field withdrawalsRoot",
        ),
        ("Prague", {"blobGasUsed": None}, "has excessBlobGas, parentBeaconBlockRoot but not blobGasUsed"),
        ("London", {"requestsHash": "0x" + "00" * 32}, "has the Prague field requestsHash but not the Shanghai field"),
        (
            "pre-London",
            {"withdrawalsRoot": "0x" + "00" * 32},
            "Shanghai field withdrawalsRoot but not the London field",
        ),
    ],
)
def test_a_later_fork_field_without_the_earlier_ones_is_unusable(
    base_fork: str, change: dict[str, Any], words: str
) -> None:
    with pytest.raises(UnusableInput, match=words):
        check_block_json({**of_fork(base_fork), **change})


def test_null_optional_fields_count_as_absent_and_hex_case_is_free() -> None:
    london = of_fork("London")
    assert check_block_json({**london, "withdrawalsRoot": None, "requestsHash": None}).fork == "London"
    shouting = {**london, "miner": "0x" + london["miner"][2:].upper(), "hash": "0x" + london["hash"][2:].upper()}
    assert check_block_json(shouting) == check_block_json(london)


@pytest.mark.parametrize("block", [None, [], "0x00", 7])
def test_a_block_that_is_not_an_object_is_unusable(block: Any) -> None:
    with pytest.raises(UnusableInput, match="not a JSON object"):
        check_block_json(block)


# --- RLP -----------------------------------------------------------------------------------------------------------


def _items(name: str) -> list[bytes]:
    items: list[bytes] = rlp.decode(check_block_json(load(name)).rlp)
    return items


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not valid RLP: it is empty"),
        (b"\xf9\x02", "runs past the end"),
        (b"\xc3\x82\x01", "runs past the end"),
        (b"\xc1\x80", "has 1 fields; a header has 15, 16, 17, 20, 21"),
        (rlp.encode(_items("mainnet-26050794.json")[:18]), "has 18 fields"),
        (rlp.encode(_items("mainnet-26050794.json")) + b"\x00", "has bytes after it"),
        (rlp.encode(b"\x01" * 40), "not a list"),
        (rlp.encode([*_items("mainnet-46147.json")[:14], [b"\x00" * 8]]), "not a flat list of byte strings"),
        (rlp.encode([b"\x00" * 31, *_items("mainnet-46147.json")[1:]]), "parentHash is 31 bytes, not 32"),
        (rlp.encode([*_items("mainnet-46147.json")[:8], b"\x00\x01", *_items("mainnet-46147.json")[9:]]), "number"),
        ("f90200", "not bytes"),
    ],
)
def test_bad_rlp_is_unusable(data: Any, words: str) -> None:
    with pytest.raises(UnusableInput, match=words):
        header_from_rlp(data)


def _list(payload: bytes) -> bytes:
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    length = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(length)]) + length + payload


def test_rlp_in_non_canonical_form_is_unusable() -> None:
    items = _items("mainnet-46147.json")
    payload = b"".join(rlp.encode(item) for item in items)
    assert header_from_rlp(_list(payload)).hash == check_block_json(load("mainnet-46147.json")).hash
    # the same list length written with a leading zero byte
    with pytest.raises(UnusableInput, match="not in canonical encoding"):
        header_from_rlp(bytes([0xF7 + 3, 0]) + len(payload).to_bytes(2, "big") + payload)
    # a one-byte gasUsed below 0x80 written as a string of length one
    items[10] = b"\x05"
    payload = b"".join(rlp.encode(item) if index != 10 else b"\x81\x05" for index, item in enumerate(items))
    with pytest.raises(UnusableInput, match="not in canonical encoding"):
        header_from_rlp(_list(payload))


def test_deeply_nested_rlp_is_unusable() -> None:
    data = b"\xc0"
    for _ in range(3000):
        data = _list(data)
    with pytest.raises(UnusableInput, match="not a flat list of byte strings"):
        header_from_rlp(data)


# --- never another exception ---------------------------------------------------------------------------------------

KEYS = st.sampled_from(sorted(HEADER_KEYS | {"hash", "size", "transactions", "somethingNew"}))
HEX = st.binary(max_size=300).map(lambda raw: "0x" + raw.hex())
VALUES = st.one_of(
    HEX,
    st.integers(min_value=0, max_value=2**300).map(hex),
    st.text(max_size=20),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _outcome(block: Any) -> Header | Exception:
    try:
        return check_block_json(block)
    except (UnusableInput, ProofInvalid) as exc:
        assert exc.user_message and "\n" not in exc.user_message
        return exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=25))
def test_random_blocks_end_only_in_the_two_proof_errors(block: dict[str, Any]) -> None:
    _outcome(block)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FIXTURES)), st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=3))
def test_fixtures_with_random_fields_end_only_in_the_two_proof_errors(
    name: str, changes: list[tuple[str, Any]]
) -> None:
    _outcome({**load(name), **dict(changes)})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=700))
def test_random_rlp_ends_only_in_unusable_input(data: bytes) -> None:
    try:
        header_from_rlp(data)
    except UnusableInput as exc:
        assert exc.user_message
