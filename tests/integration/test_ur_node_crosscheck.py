"""Custos's BC-UR codec against the reference JavaScript implementations, run in Node (tests/support/node_ur.mjs):
@ngraveio/bc-ur for the `ur:` text, bytewords and fountain codes, and Keystone's @keystonehq/bc-ur-registry(-eth) for
eth-sign-request, eth-signature, crypto-hdkey and crypto-account. Each case goes both ways: what Custos writes the
reference reads to the same thing, and what the reference writes Custos reads.

- `bytes` URs, single- and multi-part, of several sizes, fragment lengths and first sequence numbers: Custos's parts
  are byte-identical to the reference encoder's, fountain parts past the first sequence included, and each side
  decodes the other's; the reference's parts shuffled, or with 30% of them lost, still decode with Custos.
- an eth-sign-request of EIP-712 typed data (data type 2) of a Safe transaction (SafeTx on chain 133), with an
  address and the path m/44'/60'/0'/0/0 with a source fingerprint: Keystone reads Custos's request to the same fields
  and Custos reads Keystone's; the CBOR is byte-identical both ways; a 100-transfer MultiSend request crosses as
  multi-part URs.
- an eth-signature (a real 65-byte signature of that typed data) made by Keystone's registry reads with Custos to
  the same request id and signature, and Custos's reads with Keystone's.
- a crypto-hdkey (Keystone's BIP-44 standard export: the account key m/44'/60'/0' with children 0/*) and a
  crypto-account (its Ledger Live export: keys at m/44'/60'/N'/0/0) made by the reference read with Custos to the
  same keys and addresses; the keys come from the well-known test mnemonic, whose first address is known.

Node and the npm modules are required: when missing, the tests fail (never skip); `make test` installs them.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak

from tests.support.node_ur import (
    SAMPLE_CHAIN_ID,
    node_ur_missing,
    run_node_ur,
    run_node_ur_batch,
    safe_tx_typed_data,
    typed_data_bytes,
)
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.keys.signature import recover_address
from wallet_app.ur.cbor import dumps
from wallet_app.ur.eth_types import (
    DATA_TYPE_TYPED_DATA,
    CryptoAccount,
    CryptoHDKey,
    EthSignature,
    EthSignRequest,
    decode_registry_ur,
    parse_path,
)
from wallet_app.ur.ur import UR, URDecoder, UREncoder, decode_parts, decode_ur, encode_ur

pytestmark = pytest.mark.integration

# The test mnemonic of Hardhat, anvil and Foundry: its BIP-39 seed, master fingerprint and first address are known.
MNEMONIC = "test test test test test test test test test test test junk"
SEED = hashlib.pbkdf2_hmac("sha512", MNEMONIC.encode(), b"mnemonic", 2048)
MASTER_FINGERPRINT = 0x16A93ED0
FIRST_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")  # m/44'/60'/0'/0/0
FIRST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
REQUEST_ID = uuid.UUID("3f6b3d42-a1c3-4a8e-9d9a-6f1e2c7b5a10")
PATH = "m/44'/60'/0'/0/0"


@pytest.fixture(scope="module", autouse=True)
def reference_libraries() -> None:
    missing = node_ur_missing()
    if missing:
        pytest.fail(missing)


def bytes_ur(size: int) -> UR:
    """A `bytes` UR of `size` seeded random bytes (its CBOR is the byte string)."""
    return UR("bytes", dumps(random.Random(size).randbytes(size)))


def custos_parts(ur: UR, max_fragment: int, first_seq_num: int, count: int) -> list[str]:
    encoder = UREncoder(ur, max_fragment, first_seq_num)
    return [encoder.next_part() for _ in range(count)]


def reference_parts(ur: UR, max_fragment: int, first_seq_num: int = 0, count: int | None = None) -> list[str]:
    reply = run_node_ur({"op": "encode", "type": ur.type, "cbor_hex": ur.cbor.hex(), "max_fragment": max_fragment,
                         "first_seq_num": first_seq_num, "count": count})
    assert "error" not in reply, reply
    return list(reply["parts"])


def reference_decodes(parts: list[str]) -> UR:
    reply = run_node_ur({"op": "decode", "parts": parts})
    assert "error" not in reply, reply
    return UR(reply["type"], bytes.fromhex(reply["cbor_hex"]))


def custos_reads_stream(parts: list[str]) -> tuple[UR, int]:
    """The UR Custos's decoder makes of `parts` fed in order, and how many it took."""
    decoder = URDecoder()
    for used, part in enumerate(parts, 1):
        decoder.receive(part)
        if decoder.is_complete:
            return decoder.result, used
    raise AssertionError(f"Custos's decoder did not complete after {len(parts)} parts "
                         f"({decoder.estimated_progress:.0%})")


# --- bytes URs ------------------------------------------------------------------------------------------------------

SINGLE_SIZES = [1, 20, 23, 24, 255, 256, 1000, 4000]


@pytest.mark.parametrize("size", SINGLE_SIZES)
def test_custos_single_part_ur_is_identical_to_reference(size: int) -> None:
    ur = bytes_ur(size)
    [reference] = reference_parts(ur, max_fragment=10_000)
    custos = encode_ur(ur)
    assert custos == reference
    assert UREncoder(ur, 10_000).next_part() == reference


@pytest.mark.parametrize("size", SINGLE_SIZES)
def test_reference_decodes_custos_single_part_ur(size: int) -> None:
    ur = bytes_ur(size)
    assert reference_decodes([encode_ur(ur)]) == ur


@pytest.mark.parametrize("size", SINGLE_SIZES)
def test_custos_decodes_reference_single_part_ur(size: int) -> None:
    ur = bytes_ur(size)
    [reference] = reference_parts(ur, max_fragment=10_000)
    assert decode_ur(reference) == ur
    assert decode_parts([reference.upper()]) == ur  # as an alphanumeric QR code carries it


# (message size, max fragment length, first sequence number)
MULTI_CASES = [
    (50, 10, 0),
    (256, 30, 0),
    (1000, 100, 0),
    (2000, 200, 0),
    (5003, 333, 7),
    (31_000, 200, 0),
    (3000, 150, 4_294_967_000),  # sequence numbers near 2^32, past 2^31
]
MULTI_IDS = [f"{size}B-frag{fragment}-seq{first}" for size, fragment, first in MULTI_CASES]


@pytest.mark.parametrize(("size", "max_fragment", "first_seq_num"), MULTI_CASES, ids=MULTI_IDS)
def test_custos_multipart_parts_are_identical_to_reference(size: int, max_fragment: int, first_seq_num: int) -> None:
    ur = bytes_ur(size)
    fragments = UREncoder(ur, max_fragment).fragment_count
    assert fragments > 1
    count = 3 * fragments + 5  # well past the first sequence: the mixed fountain parts come from the shared PRNG
    reference = reference_parts(ur, max_fragment, first_seq_num, count)
    custos = custos_parts(ur, max_fragment, first_seq_num, count)
    assert len(custos) == len(reference) == count
    differing = [i for i, (a, b) in enumerate(zip(custos, reference, strict=True)) if a != b]
    assert not differing, f"first differing part {differing[0]}: Custos {custos[differing[0]]!r} " \
                          f"reference {reference[differing[0]]!r}"
    assert reference[0].startswith(f"ur:bytes/{(first_seq_num + 1) % 2**32}-{fragments}/")


@pytest.mark.parametrize(("size", "max_fragment", "first_seq_num"), MULTI_CASES, ids=MULTI_IDS)
def test_reference_decodes_custos_multipart(size: int, max_fragment: int, first_seq_num: int) -> None:
    ur = bytes_ur(size)
    fragments = UREncoder(ur, max_fragment).fragment_count
    parts = custos_parts(ur, max_fragment, first_seq_num, 3 * fragments)
    assert reference_decodes(parts) == ur
    # without the first third of the plain fragments: the reference must solve Custos's mixed parts
    assert reference_decodes(parts[fragments // 3:]) == ur


@pytest.mark.parametrize(("size", "max_fragment", "first_seq_num"), MULTI_CASES, ids=MULTI_IDS)
def test_custos_decodes_reference_multipart(size: int, max_fragment: int, first_seq_num: int) -> None:
    ur = bytes_ur(size)
    fragments = UREncoder(ur, max_fragment).fragment_count
    reference = reference_parts(ur, max_fragment, first_seq_num, 3 * fragments)
    result, used = custos_reads_stream(reference)
    assert result == ur
    if first_seq_num == 0:  # the first sequence is the plain fragments, in order
        assert used == fragments
    # Custos completes no later than the reference decoder on the same stream
    assert used <= run_node_ur({"op": "decode", "parts": reference})["parts_used"]
    assert decode_parts(reference[fragments // 3:]) == ur


@pytest.mark.parametrize("seed", range(5))
def test_custos_decodes_reference_parts_in_mixed_order(seed: int) -> None:
    ur = bytes_ur(4000 + seed)
    fragments = UREncoder(ur, 150).fragment_count
    reference = reference_parts(ur, 150, count=2 * fragments)
    random.Random(seed).shuffle(reference)
    assert decode_parts(reference) == ur


@pytest.mark.parametrize("seed", range(5))
def test_custos_decodes_reference_stream_with_30_percent_dropped(seed: int) -> None:
    ur = bytes_ur(6000 + seed)
    fragments = UREncoder(ur, 200).fragment_count
    stream = reference_parts(ur, 200, count=8 * fragments)
    rng = random.Random(seed)
    kept = [part for part in stream if rng.random() >= 0.3]
    result, used = custos_reads_stream(kept)
    assert result == ur
    # the reference decoder, given the same lossy stream, completes as well (a check that the stream is sufficient)
    assert run_node_ur({"op": "decode", "parts": kept})["cbor_hex"] == ur.cbor.hex()
    assert used >= fragments


def test_reference_decodes_custos_stream_in_mixed_order_with_loss() -> None:
    ur = bytes_ur(9000)
    fragments = UREncoder(ur, 200).fragment_count
    parts = custos_parts(ur, 200, 0, 6 * fragments)
    rng = random.Random(7)
    kept = [part for part in parts if rng.random() >= 0.3]
    rng.shuffle(kept)
    assert reference_decodes(kept) == ur


# --- eth-sign-request ----------------------------------------------------------------------------------------------

def sign_request(transfers: int = 1) -> EthSignRequest:
    return EthSignRequest(
        request_id=REQUEST_ID,
        sign_data=typed_data_bytes(safe_tx_typed_data(transfers)),
        data_type=DATA_TYPE_TYPED_DATA,
        chain_id=SAMPLE_CHAIN_ID,
        derivation_path=parse_path(PATH, source_fingerprint=MASTER_FINGERPRINT),
        address=bytes.fromhex(FIRST_ADDRESS[2:]),
        origin="Custos",
    )


def keystone_fields(request: EthSignRequest) -> dict[str, Any]:
    """The fields as node_ur.mjs writes them for Keystone's EthSignRequest."""
    return {
        "request_id": str(request.request_id),
        "sign_data_hex": request.sign_data.hex(),
        "data_type": request.data_type,
        "chain_id": request.chain_id,
        "derivation_path": request.derivation_path.text,
        "source_fingerprint": None if request.derivation_path.source_fingerprint is None
        else f"{request.derivation_path.source_fingerprint:08x}",
        "address_hex": None if request.address is None else request.address.hex(),
        "origin": request.origin,
    }


def sample_safe_tx(transfers: int = 1) -> SafeTx:
    """The SafeTx whose typed data `safe_tx_typed_data(transfers)` is."""
    typed = safe_tx_typed_data(transfers)
    message = typed["message"]
    return SafeTx(safe=typed["domain"]["verifyingContract"], chain_id=typed["domain"]["chainId"], version="1.4.1",
                  to=message["to"], value=int(message["value"]), data=bytes.fromhex(message["data"][2:]),
                  operation=Operation(message["operation"]), nonce=int(message["nonce"]))


def test_sample_sign_data_is_the_typed_data_of_a_safe_tx() -> None:
    """The sample is real: eth-account's EIP-712 hash of the JSON is Custos's safeTxHash of the same SafeTx."""
    typed = safe_tx_typed_data(1)
    encoded = encode_typed_data(full_message=typed)
    assert keccak(b"\x19" + encoded.version + encoded.header + encoded.body) == \
        compute_hashes(sample_safe_tx(1)).safe_tx_hash
    assert typed["domain"]["chainId"] == 133
    assert typed["types"]["EIP712Domain"] == [{"name": "chainId", "type": "uint256"},
                                              {"name": "verifyingContract", "type": "address"}]
    assert [f["name"] for f in typed["types"]["SafeTx"]] == [
        "to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver", "nonce"]


def test_keystone_decodes_custos_sign_request() -> None:
    request = sign_request()
    reply = run_node_ur({"op": "eth_sign_request_decode",
                         "parts": [encode_ur(UR(EthSignRequest.UR_TYPE, request.to_cbor()))]})
    assert reply == keystone_fields(request)
    assert reply["derivation_path"] == PATH and reply["chain_id"] == 133 and reply["data_type"] == 2


def test_custos_decodes_keystone_sign_request() -> None:
    request = sign_request()
    made = run_node_ur({"op": "eth_sign_request_encode", **keystone_fields(request)})
    assert "error" not in made, made
    ur = decode_ur(made["ur"])
    assert ur.type == EthSignRequest.UR_TYPE and ur.cbor.hex() == made["cbor_hex"]
    assert decode_registry_ur(ur.type, ur.cbor) == request


def test_custos_sign_request_cbor_is_byte_identical_to_keystone() -> None:
    request = sign_request()
    made = run_node_ur({"op": "eth_sign_request_encode", **keystone_fields(request)})
    assert request.to_cbor().hex() == made["cbor_hex"]


def test_keystone_decodes_custos_multipart_sign_request() -> None:
    """A 100-transfer MultiSend (about 30 KB) as Custos animates it: 200-byte fragments, Keystone reads it back."""
    request = sign_request(transfers=100)
    ur = UR(EthSignRequest.UR_TYPE, request.to_cbor())
    fragments = UREncoder(ur, 200).fragment_count
    assert fragments > 100
    parts = custos_parts(ur, 200, 0, 2 * fragments)
    rng = random.Random(3)
    lossy = [part.upper() for part in parts if rng.random() >= 0.3]
    replies = run_node_ur_batch([
        {"op": "eth_sign_request_decode", "parts": parts},
        {"op": "eth_sign_request_decode", "parts": lossy},
        {"op": "encode", "type": ur.type, "cbor_hex": ur.cbor.hex(), "max_fragment": 200, "count": len(parts)},
    ])
    assert replies[0] == replies[1] == keystone_fields(request)
    assert replies[2]["parts"] == parts


def test_custos_decodes_keystone_multipart_sign_request_mixed_and_lossy() -> None:
    request = sign_request(transfers=100)
    made = run_node_ur({"op": "eth_sign_request_encode", **keystone_fields(request)})
    ur = decode_ur(made["ur"])
    fragments = UREncoder(ur, 200).fragment_count
    stream = reference_parts(ur, 200, count=4 * fragments)
    rng = random.Random(11)
    kept = [part for part in stream if rng.random() >= 0.3]
    rng.shuffle(kept)
    result = decode_parts(kept)
    assert decode_registry_ur(result.type, result.cbor) == request


# --- eth-signature --------------------------------------------------------------------------------------------------

def typed_data_signature() -> bytes:
    signed = Account.sign_typed_data(FIRST_KEY, full_message=safe_tx_typed_data(1))
    signature = bytes(signed.signature)
    assert len(signature) == 65 and signature[64] in (27, 28)
    return signature


def test_custos_decodes_keystone_signature() -> None:
    signature = typed_data_signature()
    made = run_node_ur({"op": "eth_signature_encode", "request_id": str(REQUEST_ID), "signature_hex": signature.hex(),
                        "origin": "Keystone"})
    assert "error" not in made, made
    ur = decode_ur(made["ur"])
    answer = decode_registry_ur(ur.type, ur.cbor)
    assert answer == EthSignature(REQUEST_ID, signature, "Keystone")
    assert len(answer.signature) == 65 and answer.v == signature[64]
    digest = compute_hashes(sample_safe_tx(1)).safe_tx_hash
    assert recover_address(digest, answer.r, answer.s, answer.v - 27) == FIRST_ADDRESS
    assert answer.to_cbor().hex() == made["cbor_hex"]


def test_keystone_decodes_custos_signature() -> None:
    signature = typed_data_signature()
    answer = EthSignature(REQUEST_ID, signature, None)
    ur_text = encode_ur(UR(EthSignature.UR_TYPE, answer.to_cbor()))
    reply = run_node_ur({"op": "eth_signature_decode", "parts": [ur_text]})
    assert reply == {"request_id": str(REQUEST_ID), "signature_hex": signature.hex(), "origin": None}


# --- crypto-hdkey and crypto-account --------------------------------------------------------------------------------

def test_custos_decodes_reference_hdkey_to_the_same_address() -> None:
    made = run_node_ur({"op": "hdkey_encode", "seed_hex": SEED.hex(), "path": "m/44'/60'/0'", "name": "Keystone",
                        "note": "account.standard"})
    assert "error" not in made, made
    assert made["address_0_0"] == FIRST_ADDRESS  # the reference's own derivation from its xpub
    ur = decode_ur(made["ur"])
    key = decode_registry_ur(ur.type, ur.cbor)
    assert isinstance(key, CryptoHDKey)
    assert key.key_data.hex() == made["key_hex"]
    assert key.chain_code is not None and key.chain_code.hex() == made["chain_code_hex"]
    assert key.origin is not None and key.origin.text == made["origin_path"] == "m/44'/60'/0'"
    assert key.origin.source_fingerprint == int(made["source_fingerprint"], 16) == MASTER_FINGERPRINT
    assert key.parent_fingerprint == int(made["parent_fingerprint"], 16)
    assert key.children is not None and f"m/{key.children.text}" == made["children_path"] == "m/0/*"
    assert (key.name, key.note) == (made["name"], made["note"])
    assert key.address == made["key_address"]
    assert key.derive_child(0).derive_child(0).address == made["address_0_0"] == FIRST_ADDRESS


def test_reference_decodes_custos_hdkey() -> None:
    made = run_node_ur({"op": "hdkey_encode", "seed_hex": SEED.hex(), "path": "m/44'/60'/0'", "name": "Keystone",
                        "note": "account.standard"})
    key = CryptoHDKey.from_cbor(bytes.fromhex(made["cbor_hex"]))
    reply = run_node_ur({"op": "hdkey_decode", "parts": [encode_ur(UR(CryptoHDKey.UR_TYPE, key.to_cbor()))]})
    expected = {name: made[name] for name in reply}
    assert reply == expected
    assert reply["xpub"] == made["xpub"]
    assert key.to_cbor().hex() == made["cbor_hex"]


LEDGER_LIVE_PATHS = ["m/44'/60'/0'/0/0", "m/44'/60'/1'/0/0", "m/44'/60'/2'/0/0"]


def test_custos_decodes_reference_ledger_live_account() -> None:
    made = run_node_ur({"op": "account_encode", "seed_hex": SEED.hex(), "paths": LEDGER_LIVE_PATHS,
                        "children": None, "chain_code": False, "name": "Keystone", "note": "account.ledger_live"})
    assert "error" not in made, made
    ur = decode_ur(made["ur"])
    account = decode_registry_ur(ur.type, ur.cbor)
    assert isinstance(account, CryptoAccount)
    assert account.master_fingerprint == int(made["master_fingerprint"], 16) == MASTER_FINGERPRINT
    assert [key.address for key in account.keys] == [key["key_address"] for key in made["keys"]]
    assert account.keys[0].address == FIRST_ADDRESS
    assert [key.origin.text for key in account.keys if key.origin] == LEDGER_LIVE_PATHS
    assert account.to_cbor().hex() == made["cbor_hex"]


def test_reference_decodes_custos_account() -> None:
    made = run_node_ur({"op": "account_encode", "seed_hex": SEED.hex(), "paths": LEDGER_LIVE_PATHS,
                        "children": None, "chain_code": False, "name": "Keystone", "note": "account.ledger_live"})
    account = CryptoAccount.from_cbor(bytes.fromhex(made["cbor_hex"]))
    reply = run_node_ur({"op": "account_decode",
                         "parts": [encode_ur(UR(CryptoAccount.UR_TYPE, account.to_cbor()))]})
    assert reply["master_fingerprint"] == f"{MASTER_FINGERPRINT:08x}"
    assert [output["scripts"] for output in reply["outputs"]] == [[], [], []]
    assert [output["key"]["key_hex"] for output in reply["outputs"]] == [key.key_data.hex() for key in account.keys]
    assert [output["key"]["origin_path"] for output in reply["outputs"]] == LEDGER_LIVE_PATHS
