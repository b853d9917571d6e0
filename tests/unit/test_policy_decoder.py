"""The transaction decoder: every intent kind, from calldata built with eth_abi, and the SECURITY.md cases that are
about reading the signed bytes (A1, A2, A4, C2, D1-D4, SC-2, SC-3, SC-8)."""

from __future__ import annotations

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode
from safe_eth.safe.multi_send import MultiSend, MultiSendOperation, MultiSendTx
from web3 import Web3

from wallet_app.domain.abi import build_call, selector
from wallet_app.domain.safe_tx import Operation, SafeTx
from wallet_app.errors import InvalidAddress
from wallet_app.holdings.model import Standard
from wallet_app.policy.decoder import MAX_DEPTH, decode_safe_tx, decode_tx
from wallet_app.policy.errors import DecoderInputError
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.multisend import MAX_CALLS, PackedCall, build_batch_data, build_multisend_call
from wallet_app.policy.user_abis import parse_user_abi

SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
NFT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
MULTI = "0x3Aa5ebB10DC797CAC828524e59A333d0A371443c"
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TROJAN = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
BYBIT_SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
BYBIT_DATA = bytes.fromhex(
    "a9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be2969516"
    "0000000000000000000000000000000000000000000000000000000000000000"
)
MAX = 2**256 - 1
STANDARDS = {TOKEN: Standard.ERC20, NFT: Standard.ERC721}


def decode(to: str, data: bytes | bytearray = b"", *, value: int = 0, operation: int = 0, **kw: object) -> Intent:
    kw.setdefault("standard_of", STANDARDS.get)
    kw.setdefault("known_multisend", {MULTI})
    return decode_safe_tx(to, value, data, operation, safe_address=SAFE, **kw)  # type: ignore[arg-type]


def batch(*calls: tuple[int, str, int, bytes]) -> bytes:
    return build_multisend_call(PackedCall(*c) for c in calls)


def checksummed_everywhere(intent: Intent) -> bool:
    for node in intent.walk():
        for address in (node.target, node.asset, node.sender, node.recipient, node.spender, node.owner, node.subject):
            if address is not None and (address.lower() == address or not address.startswith("0x")):
                return False
    return True


# Native coin and ERC-20


def test_native_transfer() -> None:
    intent = decode(ALICE, value=1_500_000_000_000_000_000)
    assert intent.kind is Kind.NATIVE_TRANSFER and intent.standard is None
    assert (intent.amount, intent.sender, intent.recipient) == (1_500_000_000_000_000_000, SAFE, ALICE)
    assert intent.clean and intent.selector is None


def test_erc20_transfer_keeps_exact_integer_amounts() -> None:
    amount = 10**30 + 7  # beyond float precision
    intent = decode(TOKEN, build_call("transfer(address,uint256)", ALICE, amount))
    assert intent.kind is Kind.TOKEN_TRANSFER and intent.standard is Standard.ERC20
    assert (intent.asset, intent.amount, intent.sender, intent.recipient) == (TOKEN, amount, SAFE, ALICE)
    assert intent.selector == bytes.fromhex("a9059cbb") and intent.function == "transfer(address,uint256)"
    assert [(a.name, a.value) for a in intent.args] == [("to", ALICE), ("amount", str(amount))]
    assert intent.clean and checksummed_everywhere(intent)


def test_erc20_transfer_from_is_read_with_the_registry() -> None:
    intent = decode(TOKEN, build_call("transferFrom(address,address,uint256)", ALICE, BOB, 5))
    assert intent.kind is Kind.TOKEN_TRANSFER and (intent.sender, intent.recipient, intent.amount) == (ALICE, BOB, 5)


def test_erc721_transfer_from_moves_a_token_id() -> None:
    intent = decode(NFT, build_call("transferFrom(address,address,uint256)", SAFE, BOB, 42))
    assert intent.kind is Kind.NFT_TRANSFER and intent.standard is Standard.ERC721
    assert (intent.token_ids, intent.amounts, intent.amount) == ((42,), (1,), None)


def test_transfer_from_of_an_unknown_token_is_not_guessed() -> None:
    intent = decode(ALICE, build_call("transferFrom(address,address,uint256)", SAFE, BOB, 42))
    assert intent.standard is None and intent.amount == 42 and intent.token_ids == (42,)
    assert "standard of token" in intent.problems[0] and not intent.clean


def test_registry_mismatch_is_a_problem() -> None:
    intent = decode(NFT, build_call("transfer(address,uint256)", BOB, 1))
    assert intent.kind is Kind.TOKEN_TRANSFER and "ERC721" in intent.problems[0]


# Approvals (D1, D2, C2)


@pytest.mark.parametrize(("amount", "unlimited"), [(MAX, True), (2**255, True), (2**255 - 1, False), (1, False)])
def test_D1_approve_unlimited_flag(amount: int, unlimited: bool) -> None:
    intent = decode(TOKEN, build_call("approve(address,uint256)", BOB, amount))
    assert intent.kind is Kind.APPROVAL and intent.spender == BOB and intent.amount == amount
    assert intent.unlimited is unlimited and intent.asset == TOKEN and intent.clean


def test_D1_approve_zero_is_a_revocation() -> None:
    intent = decode(TOKEN, build_call("approve(address,uint256)", BOB, 0))
    assert intent.kind is Kind.APPROVAL and intent.amount == 0 and not intent.unlimited


def test_erc721_approve_is_one_token() -> None:
    intent = decode(NFT, build_call("approve(address,uint256)", BOB, 7))
    assert intent.kind is Kind.APPROVAL and intent.token_ids == (7,) and intent.amount is None
    assert not intent.unlimited


def test_D2_increase_allowance_is_an_approval() -> None:
    intent = decode(TOKEN, build_call("increaseAllowance(address,uint256)", BOB, MAX))
    assert intent.kind is Kind.APPROVAL and intent.action == "increaseAllowance" and intent.unlimited


@pytest.mark.parametrize("approved", [True, False])
def test_D2_set_approval_for_all(approved: bool) -> None:
    intent = decode(NFT, build_call("setApprovalForAll(address,bool)", BOB, approved))
    assert intent.kind is Kind.APPROVAL and intent.spender == BOB and intent.unlimited is approved
    assert intent.amount == (None if approved else 0) and intent.clean


def test_C2_eip2612_permit_is_an_approval() -> None:
    data = build_call("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
                      SAFE, BOB, MAX, 2**64, 27, b"\x01" * 32, b"\x02" * 32)
    intent = decode(TOKEN, data)
    assert intent.kind is Kind.APPROVAL and intent.action == "permit"
    assert (intent.owner, intent.spender, intent.amount, intent.expiration) == (SAFE, BOB, MAX, 2**64)
    assert intent.unlimited and intent.selector == bytes.fromhex("d505accf")


def test_dai_permit_allowed_is_unlimited() -> None:
    data = build_call("permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
                      SAFE, BOB, 0, 0, True, 27, b"\x01" * 32, b"\x02" * 32)
    intent = decode(TOKEN, data)
    assert intent.kind is Kind.APPROVAL and intent.unlimited and intent.amount == MAX and intent.expiration is None


@pytest.mark.parametrize(("amount", "unlimited"), [(2**160 - 1, True), (10**6, False)])
def test_D2_permit2_approve(amount: int, unlimited: bool) -> None:
    data = build_call("approve(address,address,uint160,uint48)", TOKEN, BOB, amount, 1_900_000_000)
    intent = decode(PERMIT2, data)
    assert intent.kind is Kind.APPROVAL and intent.action == "permit2.approve"
    assert (intent.target, intent.asset, intent.spender, intent.amount) == (PERMIT2, TOKEN, BOB, amount)
    assert intent.expiration == 1_900_000_000 and intent.unlimited is unlimited and intent.standard is Standard.ERC20


def test_C2_permit2_permit_single() -> None:
    details = ((TOKEN, 2**160 - 1, 1_900_000_000, 0), BOB, 2**256 - 1)
    data = selector("permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)") + encode(
        ["address", "((address,uint160,uint48,uint48),address,uint256)", "bytes"], [SAFE, details, b"\x11" * 65])
    intent = decode(PERMIT2, data)
    assert intent.kind is Kind.APPROVAL and intent.action == "permit2.permit" and intent.unlimited
    assert (intent.owner, intent.spender, intent.asset, intent.amount) == (SAFE, BOB, TOKEN, 2**160 - 1)


def test_C2_permit2_permit_batch_has_one_approval_per_token() -> None:
    batch_details = ([(TOKEN, 5, 1, 0), (NFT, 2**160 - 1, 2, 0)], BOB, 10)
    data = selector("permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)") + encode(
        ["address", "((address,uint160,uint48,uint48)[],address,uint256)", "bytes"], [SAFE, batch_details, b""])
    intent = decode(PERMIT2, data)
    assert intent.kind is Kind.APPROVAL and intent.action == "permit2.permitBatch" and intent.unlimited
    assert [(c.asset, c.amount, c.unlimited, c.spender) for c in intent.children] == [
        (TOKEN, 5, False, BOB), (NFT, 2**160 - 1, True, BOB)]
    assert "ERC721" in intent.children[1].problems[0]  # the registry says NFT is no ERC-20


def test_permit2_transfer_from_is_a_token_transfer() -> None:
    intent = decode(PERMIT2, build_call("transferFrom(address,address,uint160,address)", SAFE, BOB, 9, TOKEN))
    assert intent.kind is Kind.TOKEN_TRANSFER and (intent.asset, intent.sender, intent.amount) == (TOKEN, SAFE, 9)


# NFTs


def test_erc721_safe_transfers() -> None:
    three = decode(NFT, build_call("safeTransferFrom(address,address,uint256)", SAFE, BOB, 3))
    four = decode(NFT, build_call("safeTransferFrom(address,address,uint256,bytes)", SAFE, BOB, 3, b"hi"))
    for intent in (three, four):
        assert intent.kind is Kind.NFT_TRANSFER and intent.token_ids == (3,) and intent.recipient == BOB


def test_erc1155_single_and_batch() -> None:
    one = decode(NFT, build_call("safeTransferFrom(address,address,uint256,uint256,bytes)", SAFE, BOB, 4, 10, b""),
                 standard_of=lambda _a: Standard.ERC1155)
    assert one.kind is Kind.NFT_TRANSFER and one.standard is Standard.ERC1155
    assert (one.token_ids, one.amounts) == ((4,), (10,)) and one.clean
    many = decode(NFT, build_call("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
                                  SAFE, BOB, [1, 2], [5, 6], b""))
    assert (many.token_ids, many.amounts) == ((1, 2), (5, 6))


def test_erc1155_batch_with_mismatched_lengths_is_a_problem() -> None:
    intent = decode(NFT, build_call("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
                                    SAFE, BOB, [1, 2], [5], b""), standard_of=lambda _a: None)
    assert "2 token ids but 1 amounts" in intent.problems[0]


# Ownership and upgrades of other contracts (A4, SC-3: Radiant)


@pytest.mark.parametrize(("signature", "args", "subject"), [
    ("transferOwnership(address)", (BOB,), BOB),
    ("renounceOwnership()", (), None),
    ("acceptOwnership()", (), None),
    ("upgradeTo(address)", (BOB,), BOB),
    ("upgradeToAndCall(address,bytes)", (BOB, b"\x12\x34"), BOB),
    ("changeAdmin(address)", (BOB,), BOB),
    ("upgrade(address,address)", (ALICE, BOB), BOB),
    ("upgradeAndCall(address,address,bytes)", (ALICE, BOB, b""), BOB),
    ("grantRole(bytes32,address)", (b"\0" * 32, BOB), BOB),
])
def test_A4_ownership_and_upgrade_selectors(signature: str, args: tuple[object, ...], subject: str | None) -> None:
    intent = decode(TOKEN, build_call(signature, *args))
    assert intent.kind is Kind.OWNERSHIP_OR_UPGRADE and intent.function == signature
    assert intent.subject == subject and intent.clean


# Calls to the vault itself (A4, SC-3)


@pytest.mark.parametrize(("signature", "args", "subject", "threshold"), [
    ("addOwnerWithThreshold(address,uint256)", (BOB, 2), BOB, 2),
    ("removeOwner(address,address,uint256)", (ALICE, BOB, 1), BOB, 1),
    ("swapOwner(address,address,address)", (ALICE, BOB, TROJAN), TROJAN, None),
    ("changeThreshold(uint256)", (3,), None, 3),
    ("enableModule(address)", (TROJAN,), TROJAN, None),
    ("disableModule(address,address)", (ALICE, TROJAN), TROJAN, None),
    ("setGuard(address)", (TROJAN,), TROJAN, None),
    ("setModuleGuard(address)", (TROJAN,), TROJAN, None),
    ("setFallbackHandler(address)", (TROJAN,), TROJAN, None),
    ("changeMasterCopy(address)", (TROJAN,), TROJAN, None),
])
def test_A4_safe_self_governance(signature: str, args: tuple[object, ...], subject: str | None,
                                 threshold: int | None) -> None:
    intent = decode(SAFE, build_call(signature, *args))
    assert intent.kind is Kind.SAFE_GOVERNANCE and intent.action == signature.split("(")[0]
    assert (intent.subject, intent.threshold) == (subject, threshold) and intent.clean


def test_A4_safe_governance_hidden_in_a_batch_is_found() -> None:
    data = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", BOB, 1)),
                 (0, SAFE, 0, build_call("addOwnerWithThreshold(address,uint256)", TROJAN, 1)))
    intent = decode(MULTI, data, operation=1)
    assert [c.kind for c in intent.children] == [Kind.TOKEN_TRANSFER, Kind.SAFE_GOVERNANCE]


@pytest.mark.parametrize("data", [
    build_call("setup(address[],uint256,address,bytes,address,address,uint256,address)",
               [ALICE], 1, ALICE, b"", ALICE, ALICE, 0, ALICE),
    build_call("execTransactionFromModule(address,uint256,bytes,uint8)", TOKEN, 0, b"", 1),
    build_call("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
               TOKEN, 0, b"", 0, 0, 0, 0, ALICE, ALICE, b""),
])
def test_abnormal_self_calls_are_flagged(data: bytes) -> None:
    intent = decode(SAFE, data)
    assert intent.kind is Kind.SAFE_GOVERNANCE and intent.problems


def test_unknown_self_call_is_flagged() -> None:
    intent = decode(SAFE, build_call("transfer(address,uint256)", BOB, 1))
    assert intent.kind is Kind.UNKNOWN_SELF_CALL and intent.problems and intent.function is None


def test_self_call_with_bad_arguments_is_not_governance() -> None:
    data = build_call("addOwnerWithThreshold(address,uint256)", BOB, 1) + b"\0"
    intent = decode(SAFE, data)
    assert intent.kind is Kind.UNKNOWN_SELF_CALL and "trailing bytes" in intent.problems[0]


def test_empty_call_to_itself_is_a_rejection_and_with_value_a_transfer() -> None:
    assert decode(SAFE).kind is Kind.REJECTION
    moved = decode(SAFE, value=5)
    assert moved.kind is Kind.NATIVE_TRANSFER and moved.recipient == SAFE


# DELEGATECALL (A1, SC-2: Bybit)


@pytest.mark.parametrize("safe", [BYBIT_SAFE, ALICE])  # the same bytes against the v1.1.1 vault and any other
def test_A1_bybit_payload_is_an_untrusted_delegatecall(safe: str) -> None:
    intent = decode_safe_tx(TROJAN, 0, BYBIT_DATA, 1, safe_address=safe, known_multisend={MULTI})
    assert intent.kind is Kind.DELEGATECALL and intent.target == TROJAN
    assert intent.operation is Operation.DELEGATECALL and intent.selector == bytes.fromhex("a9059cbb")
    assert intent.amount is None and intent.recipient is None and intent.function is None  # never a "transfer"


def test_A1_bybit_payload_from_a_safe_tx_object() -> None:
    tx = SafeTx(BYBIT_SAFE, 1, "1.1.1", TROJAN, 0, BYBIT_DATA, Operation.DELEGATECALL, 72, safe_tx_gas=45746)
    assert decode_tx(tx, known_multisend=[MULTI]).kind is Kind.DELEGATECALL


def test_delegatecall_to_multisend_with_other_data_is_a_delegatecall() -> None:
    intent = decode(MULTI, BYBIT_DATA, operation=1)
    assert intent.kind is Kind.DELEGATECALL and intent.problems


def test_delegatecall_with_value_is_a_problem() -> None:
    data = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", BOB, 1)))
    intent = decode(MULTI, data, operation=1, value=5)
    assert intent.kind is Kind.BATCH and "DELEGATECALL" in intent.problems[0]


def test_known_multisend_may_be_a_callback() -> None:
    data = batch((0, TOKEN, 0, b""))
    assert decode(MULTI, data, operation=1, known_multisend=lambda a: a == MULTI).kind is Kind.BATCH
    assert decode(MULTI, data, operation=1, known_multisend=lambda a: False).kind is Kind.DELEGATECALL


# MultiSend batches (A2, D3, SC-2)


def test_A2a_call_only_batch_of_transfers() -> None:
    data = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", ALICE, 10)),
                 (0, TOKEN, 0, build_call("transfer(address,uint256)", BOB, 20)),
                 (0, ALICE, 7, b""))
    intent = decode(MULTI, data, operation=1)
    assert intent.kind is Kind.BATCH and intent.clean and intent.function == "multiSend(bytes)"
    assert [(c.kind, c.amount, c.recipient) for c in intent.children] == [
        (Kind.TOKEN_TRANSFER, 10, ALICE), (Kind.TOKEN_TRANSFER, 20, BOB), (Kind.NATIVE_TRANSFER, 7, ALICE)]
    assert build_batch_data(intent) == data


def test_A2b_unknown_selector_inside_a_batch_stays_unknown() -> None:
    data = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", ALICE, 10)),
                 (0, TOKEN, 0, bytes.fromhex("deadbeef") + b"\0" * 32))
    intent = decode(MULTI, data, operation=1)
    assert [c.kind for c in intent.children] == [Kind.TOKEN_TRANSFER, Kind.UNKNOWN_CALL]


def test_A2c_multisend_with_an_inner_delegatecall() -> None:
    data = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", ALICE, 10)), (1, TROJAN, 0, BYBIT_DATA))
    intent = decode(MULTI, data, operation=1)
    assert [c.kind for c in intent.children] == [Kind.TOKEN_TRANSFER, Kind.DELEGATECALL]
    assert Kind.DELEGATECALL in {n.kind for n in intent.walk()}


def test_SC2_nested_batch_is_decoded_and_its_delegatecall_found() -> None:
    inner = batch((1, TROJAN, 0, BYBIT_DATA), (0, SAFE, 0, build_call("changeThreshold(uint256)", 1)))
    outer = batch((0, TOKEN, 0, build_call("transfer(address,uint256)", ALICE, 1)), (1, MULTI, 0, inner))
    intent = decode(MULTI, outer, operation=1)
    nested = intent.children[1]
    assert nested.kind is Kind.BATCH and [c.kind for c in nested.children] == [Kind.DELEGATECALL,
                                                                               Kind.SAFE_GOVERNANCE]
    assert [n.kind for n in intent.walk()] == [Kind.BATCH, Kind.TOKEN_TRANSFER, Kind.BATCH, Kind.DELEGATECALL,
                                               Kind.SAFE_GOVERNANCE]
    assert build_batch_data(nested) == inner and build_batch_data(intent) == outer


def test_D3_approval_hidden_as_inner_call_7() -> None:
    calls = [(0, TOKEN, 0, build_call("transfer(address,uint256)", ALICE, i)) for i in range(6)]
    calls.append((0, TOKEN, 0, build_call("approve(address,uint256)", TROJAN, MAX)))
    intent = decode(MULTI, batch(*calls), operation=1)
    approvals = [n for n in intent.walk() if n.kind is Kind.APPROVAL]
    assert len(approvals) == 1 and approvals[0].unlimited and intent.children[6] is approvals[0]


def test_batches_nested_too_deep_are_not_opened() -> None:
    data = batch((0, ALICE, 1, b""))
    for _ in range(MAX_DEPTH + 1):
        data = batch((1, MULTI, 0, data))
    intent = decode(MULTI, data, operation=1)
    deepest = list(intent.walk())[-1]
    assert deepest.kind is Kind.UNKNOWN_CALL and "nested more than" in deepest.problems[0]


def test_too_many_calls_leave_an_undecoded_remainder() -> None:
    data = batch(*[(0, ALICE, 1, b"")] * (MAX_CALLS + 3))
    intent = decode(MULTI, data, operation=1)
    assert len(intent.children) == MAX_CALLS + 1 and intent.children[-1].kind is Kind.UNKNOWN_CALL
    assert f"more than {MAX_CALLS} calls" in intent.problems[0]


def test_multisend_entry_truncated() -> None:
    good = batch((0, ALICE, 1, b""), (0, BOB, 2, b"\x01\x02\x03\x04"))
    packed = build_multisend_call([PackedCall(0, ALICE, 1, b"")])
    # An entry whose data length claims more bytes than remain.
    entry = bytes([0]) + bytes.fromhex(BOB[2:]) + (2).to_bytes(32, "big") + (100).to_bytes(32, "big") + b"\x01"
    payload = bytes.fromhex("8d80ff0a") + encode(["bytes"], [packed_bytes(packed) + entry])
    intent = decode(MULTI, payload, operation=1)
    assert intent.kind is Kind.BATCH and "MultiSend entry 2 truncated" in intent.problems[0]
    assert [c.kind for c in intent.children] == [Kind.NATIVE_TRANSFER, Kind.UNKNOWN_CALL]
    short = bytes.fromhex("8d80ff0a") + encode(["bytes"], [packed_bytes(good)[:-90]])
    assert "truncated" in decode(MULTI, short, operation=1).problems[0]


def packed_bytes(multisend_call: bytes) -> bytes:
    (packed,) = abi_decode(["bytes"], multisend_call[4:])
    return bytes(packed)


def test_multisend_entry_with_operation_2() -> None:
    entry = bytes([2]) + bytes.fromhex(BOB[2:]) + (0).to_bytes(64, "big")
    intent = decode(MULTI, bytes.fromhex("8d80ff0a") + encode(["bytes"], [entry]), operation=1)
    assert "operation 2" in intent.problems[0] and intent.children[0].kind is Kind.UNKNOWN_CALL


def test_empty_batch_is_a_problem() -> None:
    intent = decode(MULTI, batch(), operation=1)
    assert intent.kind is Kind.BATCH and intent.problems == ("a batch with no calls",)


def test_multisend_by_call_is_flagged_and_to_unknown_contract_not_opened() -> None:
    data = batch((0, ALICE, 1, b""))
    by_call = decode(MULTI, data)
    assert by_call.kind is Kind.BATCH and "CALL instead of DELEGATECALL" in by_call.problems[0]
    elsewhere = decode(ALICE, data)
    assert elsewhere.kind is Kind.UNKNOWN_CALL and not elsewhere.children


def test_multisend_encoding_matches_safe_eth_py() -> None:
    checksum = Web3.to_checksum_address
    theirs = [
        MultiSendTx(MultiSendOperation.CALL, checksum(TOKEN), 0, build_call("transfer(address,uint256)", ALICE, 10)),
        MultiSendTx(MultiSendOperation.CALL, checksum(ALICE), 12345, b""),
        MultiSendTx(MultiSendOperation.DELEGATE_CALL, checksum(TROJAN), 0, BYBIT_DATA),
    ]
    ours = [PackedCall(int(t.operation.value), t.to, t.value, bytes(t.data)) for t in theirs]
    contract = Web3().eth.contract(abi=[{"type": "function", "name": "multiSend", "stateMutability": "payable",
                                        "inputs": [{"name": "transactions", "type": "bytes"}], "outputs": []}])
    their_data = bytes.fromhex(contract.encode_abi("multiSend", args=[b"".join(t.encoded_data for t in theirs)])[2:])
    assert build_multisend_call(ours) == their_data
    assert MultiSend.from_transaction_data(build_multisend_call(ours)) == theirs
    intent = decode(MULTI, their_data, operation=1)
    assert [(int(c.operation), c.target, c.value, c.data) for c in intent.children] == [
        (p.operation, p.to, p.value, p.data) for p in ours]


# Unknown calls (D4) and user ABIs


def test_D4_unknown_selector_is_never_guessed() -> None:
    intent = decode(TOKEN, bytes.fromhex("a9059cbc") + b"\0" * 64)  # one bit away from transfer
    assert intent.kind is Kind.UNKNOWN_CALL and intent.function is None and intent.action is None
    assert intent.amount is None and intent.recipient is None and intent.clean


def test_short_calldata_is_an_unknown_call_with_a_problem() -> None:
    intent = decode(TOKEN, b"\xa9\x05")
    assert intent.kind is Kind.UNKNOWN_CALL and "shorter than a 4-byte" in intent.problems[0]


def test_known_selector_with_bad_arguments_is_an_unknown_call() -> None:
    intent = decode(TOKEN, build_call("transfer(address,uint256)", ALICE, 1)[:-1])
    assert intent.kind is Kind.UNKNOWN_CALL and intent.recipient is None
    assert "transfer(address,uint256)" in intent.problems[0] and "shorter" in intent.problems[0]


STAKING_ABI = '[{"type":"function","name":"stake","inputs":[{"name":"amount","type":"uint256"},' \
              '{"name":"to","type":"address"}]},' \
              '{"type":"function","name":"transfer","inputs":[{"name":"to","type":"address"},' \
              '{"name":"amount","type":"uint256"},{"name":"memo","type":"bytes"}]}]'


def test_user_abi_call_names_the_function_but_moves_nothing() -> None:
    abis = {ALICE: parse_user_abi(ALICE, STAKING_ABI)}
    intent = decode(ALICE, build_call("stake(uint256,address)", 100, BOB), user_abis=abis)
    assert intent.kind is Kind.USER_ABI_CALL and intent.action == "stake"
    assert [(a.name, a.value) for a in intent.args] == [("amount", "100"), ("to", BOB)]
    assert intent.amount is None and intent.recipient is None
    same_name = decode(ALICE, build_call("transfer(address,uint256,bytes)", BOB, 5, b""), user_abis=abis)
    assert same_name.kind is Kind.USER_ABI_CALL  # a user ABI is never trusted for transfer semantics


def test_user_abi_does_not_override_built_in_decoding_and_applies_only_to_its_contract() -> None:
    abis = {ALICE: parse_user_abi(ALICE, STAKING_ABI)}
    assert decode(ALICE, build_call("transfer(address,uint256)", BOB, 5), user_abis=abis).kind is Kind.TOKEN_TRANSFER
    assert decode(BOB, build_call("stake(uint256,address)", 1, BOB), user_abis=abis).kind is Kind.UNKNOWN_CALL


def test_user_abi_call_with_bad_arguments_is_unknown() -> None:
    abis = {ALICE: parse_user_abi(ALICE, STAKING_ABI)}
    intent = decode(ALICE, build_call("stake(uint256,address)", 100, BOB) + b"\0" * 32, user_abis=abis)
    assert intent.kind is Kind.UNKNOWN_CALL and "user-supplied ABI" in intent.problems[0]


# The caller's own mistakes (B3, B4)


@pytest.mark.parametrize(("value", "operation"), [(-1, 0), (2**256, 0), (0, 2), (0, -1), (True, 0)])
def test_impossible_fields_are_refused(value: int, operation: int) -> None:
    with pytest.raises(DecoderInputError):
        decode_safe_tx(ALICE, value, b"", operation, safe_address=SAFE)


@pytest.mark.parametrize("bad", [
    "0x70997970c51812dc3A010C7d01b50e0d17dc79C8",  # B3: one letter in the wrong case
    "0x7099797\u0430c51812dc3a010c7d01b50e0d17dc79c8",  # B4: Cyrillic a
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8\u200b",  # B4: zero-width space
])
def test_B3_B4_bad_target_addresses_are_refused(bad: str) -> None:
    with pytest.raises(InvalidAddress):
        decode_safe_tx(bad, 0, b"", 0, safe_address=SAFE)


def test_SC8_intent_depends_only_on_the_signed_fields() -> None:
    data = build_call("transfer(address,uint256)", ALICE, 10)
    assert decode(TOKEN, data) == decode(TOKEN, bytearray(data)) == decode(TOKEN.lower(), data)
