"""A13, A14: co-signers' Safe signatures, parsed strictly and verified against the owner set before they count.

Real eth-account signatures over hashes recomputed by our own code; a fake node answers `approvedHashes` and the
owner contracts' `isValidSignature` (the real contracts are exercised in tests/integration/test_safe_signatures_chain).
Blobs are checked against safe-eth-py's `SafeSignature.parse_signature` / `export_signatures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_account import Account
from eth_hash.auto import keccak
from hexbytes import HexBytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safe_eth.safe.safe_signature import SafeSignature, SafeSignatureType

from wallet_app.domain.abi import selector
from wallet_app.domain.safe_tx import Operation, SafeTx, SafeTxHashes, compute_hashes
from wallet_app.errors import CallReverted
from wallet_app.keys.signature import SECP256K1_N
from wallet_app.safe.signatures import (
    EIP1271_MAGIC_BYTES32,
    EIP1271_MAGIC_LEGACY,
    WRONG_HASH,
    CoSignature,
    Flag,
    SignatureCheck,
    SignatureFormatError,
    SignatureKind,
    SignatureNotCountable,
    approved_hash_signature,
    contract_signature,
    count_valid,
    count_valid_for_tx,
    encode_for_execution,
    parse_signatures,
    parse_single,
    verify_signatures,
)

SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
OTHER_SAFE = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
KEYS = [keccak(f"custos test owner {i}".encode()) for i in range(3)]
OWNERS = [Account.from_key(k).address for k in KEYS]
ALICE, BEN, CARMEN = OWNERS
STRANGER_KEY = keccak(b"custos test stranger")
STRANGER = Account.from_key(STRANGER_KEY).address
OWNER_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # a Safe owning this Safe, answered by the fake node
BLOCK = 1234


def make_tx(*, chain_id: int = 1, safe: str = SAFE, nonce: int = 7, version: str = "1.4.1") -> SafeTx:
    return SafeTx(safe=safe, chain_id=chain_id, version=version, to=STRANGER, value=10**15, data=b"",
                  operation=Operation.CALL, nonce=nonce)


TX = make_tx()
HASHES = compute_hashes(TX)


def ecdsa(key: bytes, digest: bytes = HASHES.safe_tx_hash) -> bytes:
    signed = Account.unsafe_sign_hash(digest, key)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])


def eth_sign(key: bytes, digest: bytes = HASHES.safe_tx_hash) -> bytes:
    signed = Account.unsafe_sign_hash(keccak(b"\x19Ethereum Signed Message:\n32" + digest), key)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v + 4])


def malleate(signature: bytes) -> bytes:
    """(r, n - s, v ^ 1): the same signature in its other, high-s form; it recovers to the same address."""
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])


@dataclass
class FakeNode:
    """The two things signature checks ask a node: approvedHashes on the vault, isValidSignature on an owner."""

    approved: set[tuple[str, bytes]] = field(default_factory=set)
    contracts: dict[str, str] = field(default_factory=dict)  # owner contract -> "magic", "other", "revert", "empty"
    calls: list[tuple[str, bytes, Any]] = field(default_factory=list)

    def fetch_block_number(self) -> int:
        return BLOCK

    def call(self, target: str, data: bytes, *, block: Any = "latest", sender: str | None = None) -> bytes:
        self.calls.append((target, data, block))
        if data[:4] == selector("approvedHashes(address,bytes32)"):
            owner, digest = decode(["address", "bytes32"], data[4:])
            approved = (owner.lower(), digest) in {(o.lower(), d) for o, d in self.approved}
            return (1 if approved else 0).to_bytes(32, "big")
        behaviour = self.contracts.get(target, "empty")
        legacy = data[:4] == selector("isValidSignature(bytes,bytes)")
        magic = EIP1271_MAGIC_LEGACY if legacy else EIP1271_MAGIC_BYTES32
        if behaviour == "revert":
            raise CallReverted("reverted", revert_data=b"")
        if behaviour == "magic":
            return magic + bytes(28)
        if behaviour == "other":
            return (EIP1271_MAGIC_BYTES32 if legacy else EIP1271_MAGIC_LEGACY) + bytes(28)
        return b""


def tally(signatures: Any, owners: list[str] = OWNERS, threshold: int = 2, node: FakeNode | None = None,
          hashes: SafeTxHashes = HASHES, **options: Any) -> Any:
    return count_valid(hashes, signatures, owners, threshold, node, SAFE, BLOCK, version=options.pop("version",
                       "1.4.1"), **options)


def only(checks: Any, flag: Flag) -> SignatureCheck:
    found = [c for c in checks if c.flag is flag]
    assert len(found) == 1, checks
    return found[0]


# -- ECDSA -------------------------------------------------------------------------------------------------------

def test_owner_ecdsa_signatures_count_once_each() -> None:
    result = tally(ecdsa(KEYS[0]) + ecdsa(KEYS[1]))
    assert result.valid_count == 2 and result.met and result.flagged == ()
    assert set(result.signers) == {ALICE, BEN}
    assert all(c.kind is SignatureKind.ECDSA for c in result.checks)
    assert result.summary() == "2 valid signatures of threshold 2"


def test_A13_signature_of_a_non_owner_is_flagged() -> None:
    result = tally([ecdsa(KEYS[0]), ecdsa(STRANGER_KEY)])
    assert result.valid_count == 1 and not result.met
    check = only(result.flagged, Flag.NON_OWNER)
    assert check.signer == STRANGER and check.safe_error == "GS026"
    assert "not an owner of this vault at block 1234" in check.reason


def test_A13_should_not_be_able_to_use_different_chain_id() -> None:
    """Safe's own test idea: the owner signs the hash for chain 5; verified for chain 1 it recovers to a stranger."""
    chain_5 = compute_hashes(make_tx(chain_id=5))
    assert chain_5.safe_tx_hash != HASHES.safe_tx_hash
    signature = ecdsa(KEYS[0], chain_5.safe_tx_hash)
    assert count_valid(chain_5, signature, OWNERS, 1, None, SAFE, BLOCK, version="1.4.1").met  # valid there
    result = tally(signature, threshold=1)
    assert result.valid_count == 0
    check = result.checks[0]
    assert check.flag is Flag.NON_OWNER and check.signer not in OWNERS
    assert WRONG_HASH in check.reason  # "does not sign this transaction (another chain, vault or nonce?)"
    # As a co-signer's row naming Alice: the sharper reason.
    claimed = tally([CoSignature(signature, claimed_signer=ALICE.lower())], threshold=1)
    assert claimed.checks[0].flag is Flag.WRONG_HASH
    assert claimed.checks[0].reason.startswith("does not sign this transaction (another chain, vault or nonce?)")
    assert ALICE in claimed.checks[0].reason


@pytest.mark.parametrize("other", [make_tx(safe=OTHER_SAFE), make_tx(nonce=8), make_tx(version="1.1.1")],
                         ids=["another vault", "another nonce", "a legacy-domain Safe version"])
def test_A13_signature_for_another_vault_or_nonce_does_not_count(other: SafeTx) -> None:
    signature = ecdsa(KEYS[1], compute_hashes(other).safe_tx_hash)
    check = tally([CoSignature(signature, BEN)]).checks[0]
    assert not check.valid and check.flag is Flag.WRONG_HASH and WRONG_HASH in check.reason


def test_A13_malleated_copy_is_flagged_and_the_owner_counted_once() -> None:
    original = ecdsa(KEYS[0])
    twin = malleate(original)
    # Safe itself would accept the twin: it recovers to the same owner.
    assert Account._recover_hash(HASHES.safe_tx_hash, signature=twin) == ALICE
    result = tally(original + twin, threshold=1)
    assert result.valid_count == 1 and result.signers == (ALICE,)
    check = only(result.flagged, Flag.MALLEATED)
    assert check.signer == ALICE and "malleated copy" in check.reason


def test_A13_a_lone_high_s_signature_is_refused() -> None:
    check = tally(malleate(ecdsa(KEYS[2])), threshold=1).checks[0]
    assert not check.valid and check.flag is Flag.HIGH_S and check.signer == CARMEN
    assert "low-s" in check.reason


def test_A13_duplicate_owner_counts_once() -> None:
    signature = ecdsa(KEYS[1])
    result = tally([signature, signature, eth_sign(KEYS[1])], threshold=2)
    assert result.valid_count == 1 and not result.met
    assert [c.flag for c in result.flagged] == [Flag.DUPLICATE, Flag.DUPLICATE]
    assert all(c.signer == BEN and "already signed" in c.reason for c in result.flagged)


def test_A13_eth_sign_with_v_over_30() -> None:
    signature = eth_sign(KEYS[2])
    assert signature[64] in (31, 32)
    check = tally(signature, threshold=1).checks[0]
    assert check.valid and check.kind is SignatureKind.ETH_SIGN and check.signer == CARMEN
    refused = tally(signature, threshold=1, allow_eth_sign=False).checks[0]
    assert not refused.valid and refused.flag is Flag.ETH_SIGN_FORBIDDEN
    # The plain ECDSA signature relabelled as eth_sign signs another message: someone else.
    relabelled = ecdsa(KEYS[2])[:64] + bytes([ecdsa(KEYS[2])[64] + 4])
    assert tally(relabelled, threshold=1).checks[0].signer != CARMEN


@pytest.mark.parametrize("v", [2, 26, 29, 30, 33, 255])
def test_A13_bad_v_is_flagged(v: int) -> None:
    check = tally(ecdsa(KEYS[0])[:64] + bytes([v]), threshold=1).checks[0]
    assert not check.valid and check.flag is Flag.BAD_V and check.kind is SignatureKind.UNKNOWN
    assert f"bad v ({v})" in check.reason


def test_A13_r_or_s_outside_the_curve_is_garbled() -> None:
    for r, s in ((0, 5), (5, 0), (SECP256K1_N, 5), (2**256 - 1, 5)):
        check = tally(r.to_bytes(32, "big") + s.to_bytes(32, "big") + b"\x1b", threshold=1).checks[0]
        assert not check.valid and check.flag is Flag.GARBLED


# -- approved hashes (v = 1) ------------------------------------------------------------------------------------

def test_A13_approved_hash_counts_only_when_approved_on_chain() -> None:
    node = FakeNode(approved={(BEN, HASHES.safe_tx_hash)})
    result = tally(approved_hash_signature(ALICE) + approved_hash_signature(BEN), node=node)
    assert result.valid_count == 1 and result.signers == (BEN,)
    refused = only(result.flagged, Flag.NOT_APPROVED)
    assert refused.signer == ALICE and refused.safe_error == "GS025" and "approvedHashes is 0" in refused.reason
    assert {block for _, _, block in node.calls} == {BLOCK}
    assert all(target == SAFE for target, _, _ in node.calls)


def test_A13_approval_for_another_hash_does_not_count() -> None:
    node = FakeNode(approved={(BEN, compute_hashes(make_tx(chain_id=5)).safe_tx_hash)})
    assert tally(approved_hash_signature(BEN), node=node, threshold=1).checks[0].flag is Flag.NOT_APPROVED


def test_A13_approved_hash_of_the_executor_counts_without_an_on_chain_approval() -> None:
    node = FakeNode()
    result = tally(approved_hash_signature(CARMEN) + ecdsa(KEYS[0]), node=node, executor=CARMEN)
    assert result.met and node.calls == []


def test_A13_approved_hash_without_a_node_is_not_counted() -> None:
    check = tally(approved_hash_signature(ALICE), threshold=1).checks[0]
    assert not check.valid and check.flag is Flag.UNCHECKED


def test_A13_approved_hash_of_a_non_owner_never_reaches_the_chain() -> None:
    node = FakeNode(approved={(STRANGER, HASHES.safe_tx_hash)})
    check = tally(approved_hash_signature(STRANGER), node=node, threshold=1).checks[0]
    assert check.flag is Flag.NON_OWNER and node.calls == []


def test_A13_approved_hash_with_bits_above_the_address_is_garbled() -> None:
    word = b"\x01" + approved_hash_signature(ALICE)[1:]
    check = tally(word, node=FakeNode(approved={(ALICE, HASHES.safe_tx_hash)}), threshold=1).checks[0]
    assert check.flag is Flag.GARBLED


# -- EIP-1271 contract signatures (v = 0) ------------------------------------------------------------------------

@pytest.mark.parametrize("version,entry,expected_arg", [
    ("1.1.1", "isValidSignature(bytes,bytes)", "preimage"),
    ("1.3.0", "isValidSignature(bytes,bytes)", "preimage"),
    ("1.4.1", "isValidSignature(bytes,bytes)", "preimage"),
    ("1.5.0", "isValidSignature(bytes32,bytes)", "hash"),
])
def test_A13_contract_signature_uses_the_entry_point_of_the_vaults_version(version: str, entry: str,
                                                                           expected_arg: str) -> None:
    hashes = compute_hashes(replace(TX, version=version))
    node = FakeNode(contracts={OWNER_CONTRACT: "magic"})
    inner = b"inner signature bytes"
    owners = [*OWNERS, OWNER_CONTRACT]
    result = count_valid(hashes, contract_signature(OWNER_CONTRACT, inner), owners, 1, node, SAFE, BLOCK,
                         version=version)
    assert result.met and result.checks[0].kind is SignatureKind.CONTRACT
    (target, data, block), = node.calls
    assert target == OWNER_CONTRACT and block == BLOCK and data[:4] == selector(entry)
    first, second = decode(["bytes" if expected_arg == "preimage" else "bytes32", "bytes"], data[4:])
    if expected_arg == "preimage":
        assert first == b"\x19\x01" + hashes.domain_hash + hashes.message_hash
        assert keccak(first) == hashes.safe_tx_hash
    else:
        assert first == hashes.safe_tx_hash
    assert second == inner


@pytest.mark.parametrize("behaviour,flag", [("revert", Flag.CONTRACT_REVERTED), ("other", Flag.CONTRACT_REJECTED),
                                            ("empty", Flag.CONTRACT_REJECTED)])
def test_A13_contract_signature_that_reverts_or_answers_otherwise_is_flagged(behaviour: str, flag: Flag) -> None:
    node = FakeNode(contracts={OWNER_CONTRACT: behaviour})
    check = tally(contract_signature(OWNER_CONTRACT, b"x"), owners=[*OWNERS, OWNER_CONTRACT], node=node,
                  threshold=1).checks[0]
    assert not check.valid and check.flag is flag and check.safe_error == "GS024"
    assert OWNER_CONTRACT in check.reason


def test_A13_contract_signature_of_a_non_owner_contract_is_not_asked() -> None:
    node = FakeNode(contracts={OWNER_CONTRACT: "magic"})
    check = tally(contract_signature(OWNER_CONTRACT, b"x"), node=node, threshold=1).checks[0]
    assert check.flag is Flag.NON_OWNER and node.calls == []


def _static(owner: str, offset: int, v: int = 0) -> bytes:
    return bytes(12) + bytes.fromhex(owner[2:]) + offset.to_bytes(32, "big") + bytes([v])


@pytest.mark.parametrize("blob,code", [
    # GS021: the offset points into the static part (at the signature itself)
    (_static(OWNER_CONTRACT, 0) + (1).to_bytes(32, "big") + b"x", "GS021"),
    # GS022: the length word lies past the end
    (_static(OWNER_CONTRACT, 65), "GS022"),
    # GS023: the data runs past the end
    (_static(OWNER_CONTRACT, 65) + (100).to_bytes(32, "big") + b"short", "GS023"),
], ids=["GS021", "GS022", "GS023"])
def test_A13_contract_signature_data_outside_the_blob_maps_to_safes_error(blob: bytes, code: str) -> None:
    node = FakeNode(contracts={OWNER_CONTRACT: "magic"})
    check = tally(blob, owners=[*OWNERS, OWNER_CONTRACT], node=node, threshold=1).checks[0]
    assert not check.valid and check.flag is Flag.CONTRACT_LAYOUT and check.safe_error == code
    assert node.calls == []


# -- A14: owner-set changes ----------------------------------------------------------------------------------------

def test_A14_removed_owner_is_a_stale_approver() -> None:
    signatures = ecdsa(KEYS[0]) + ecdsa(KEYS[1])
    assert tally(signatures).met
    after = [ALICE, CARMEN]  # Ben was removed on chain
    result = tally(signatures, owners=after, former_owners=[BEN])
    assert result.valid_count == 1 and not result.met
    check = only(result.flagged, Flag.STALE_APPROVER)
    assert check.signer == BEN and "stale approver" in check.reason
    # Without the former owner list, a row naming Ben says the same.
    row = tally([CoSignature(ecdsa(KEYS[1]), BEN)], owners=after, threshold=1).checks[0]
    assert row.flag is Flag.STALE_APPROVER and "stale approver" in row.reason


# -- garbled input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("blob", [ecdsa(KEYS[0])[:64], ecdsa(KEYS[0]) + b"\x00", b"\x01" * 130 + b"\x02",
                                  "0x12345", "not hex at all", "0x" + "zz" * 65])
def test_A13_truncated_or_garbled_blobs_raise_our_error(blob: Any) -> None:
    with pytest.raises(SignatureFormatError):
        parse_signatures(blob)
    result = tally(blob, threshold=1)
    assert result.valid_count == 0 and result.checks[0].flag is Flag.GARBLED
    assert result.checks[0].reason.startswith("garbled: ")


def test_contract_data_that_starts_inside_a_static_part_is_garbled() -> None:
    blob = _static(OWNER_CONTRACT, 100) + ecdsa(KEYS[0]) + (1).to_bytes(32, "big") + b"x"
    with pytest.raises(SignatureFormatError, match="begins inside signature 2"):
        parse_signatures(blob)


def test_a_garbled_row_among_co_signatures_is_flagged_alone() -> None:
    result = tally([ecdsa(KEYS[0]), CoSignature("0xdeadbeef", BEN), ecdsa(KEYS[2])])
    assert result.valid_count == 2 and result.met
    garbled = only(result.flagged, Flag.GARBLED)
    assert garbled.signer == BEN and garbled.signature is None


def test_parse_single_takes_exactly_one_signature() -> None:
    assert parse_single(ecdsa(KEYS[0])).kind is SignatureKind.ECDSA
    assert parse_single(contract_signature(OWNER_CONTRACT, b"abc")).contract_data == b"abc"
    with pytest.raises(SignatureFormatError, match="found 2"):
        parse_single(ecdsa(KEYS[0]) + ecdsa(KEYS[1]))
    with pytest.raises(SignatureFormatError, match="found none"):
        parse_single(b"")


def test_oversized_blob_is_refused() -> None:
    with pytest.raises(SignatureFormatError, match="more than any real quorum"):
        parse_signatures(b"\x00" * (65 * 5000))


# -- packing for execTransaction ----------------------------------------------------------------------------------

def test_unsorted_signers_are_noted_and_packed_in_ascending_order() -> None:
    by_address = sorted(range(3), key=lambda i: int(OWNERS[i], 16))
    descending = b"".join(ecdsa(KEYS[i]) for i in reversed(by_address))
    result = tally(descending, threshold=3)
    assert result.met and any("GS026" in note for note in result.notes)
    packed = result.encode_for_execution()
    assert packed == b"".join(ecdsa(KEYS[i]) for i in by_address)
    assert tally(packed, threshold=3).notes == ()


def test_encode_refuses_what_did_not_count() -> None:
    result = tally(ecdsa(KEYS[0]) + ecdsa(STRANGER_KEY), threshold=1)
    with pytest.raises(SignatureNotCountable, match="does not count"):
        encode_for_execution(result.checks)
    valid = result.counted[0]
    with pytest.raises(SignatureNotCountable, match="twice"):
        encode_for_execution([valid, valid])


def mixed_quorum() -> tuple[bytes, FakeNode, list[str]]:
    """ECDSA (Alice), eth_sign (Ben), approved hash (Carmen) and a contract owner, in a deliberately unsorted blob
    with the contract's data after the static parts."""
    node = FakeNode(approved={(CARMEN, HASHES.safe_tx_hash)}, contracts={OWNER_CONTRACT: "magic"})
    inner = ecdsa(STRANGER_KEY, keccak(b"the owner Safe's own message hash")) + b"\x00\x01\x02"
    static = ecdsa(KEYS[0]) + eth_sign(KEYS[1]) + approved_hash_signature(CARMEN)
    blob = static + _static(OWNER_CONTRACT, len(static) + 65) + len(inner).to_bytes(32, "big") + inner
    return blob, node, [*OWNERS, OWNER_CONTRACT]


def test_mixed_quorum_round_trip_against_safe_eth_py() -> None:
    blob, node, owners = mixed_quorum()
    result = tally(blob, owners=owners, node=node, threshold=4)
    assert result.met, result.flagged
    kinds = {c.signer: c.kind for c in result.checks}
    assert kinds == {ALICE: SignatureKind.ECDSA, BEN: SignatureKind.ETH_SIGN, CARMEN: SignatureKind.APPROVED_HASH,
                     OWNER_CONTRACT: SignatureKind.CONTRACT}
    preimage = b"\x19\x01" + HASHES.domain_hash + HASHES.message_hash
    theirs = SafeSignature.parse_signature(blob, HASHES.safe_tx_hash, preimage)
    expected_types = {ALICE: SafeSignatureType.EOA, BEN: SafeSignatureType.ETH_SIGN,
                      CARMEN: SafeSignatureType.APPROVED_HASH, OWNER_CONTRACT: SafeSignatureType.CONTRACT_SIGNATURE}
    assert {s.owner: s.signature_type for s in theirs} == expected_types
    ours = result.encode_for_execution()
    assert ours == bytes(SafeSignature.export_signatures(theirs))
    # And back: their parse of our packing and our parse agree.
    again = SafeSignature.parse_signature(ours, HASHES.safe_tx_hash, preimage)
    assert [s.owner for s in again] == sorted(expected_types, key=lambda a: int(a, 16))
    reparsed = tally(ours, owners=owners, node=node, threshold=4)
    assert reparsed.met and reparsed.notes == () and reparsed.encode_for_execution() == ours


def test_single_contract_signature_matches_safe_eth_py_export() -> None:
    inner = b"\x11" * 70
    theirs = SafeSignature.parse_signature(contract_signature(OWNER_CONTRACT, inner), HASHES.safe_tx_hash,
                                           b"\x19\x01" + HASHES.domain_hash + HASHES.message_hash)
    assert bytes(theirs[0].export_signature()) == contract_signature(OWNER_CONTRACT, inner)
    assert bytes(theirs[0].contract_signature) == inner


def test_count_valid_for_tx_recomputes_the_hash_from_the_fields() -> None:
    signatures = ecdsa(KEYS[0]) + ecdsa(KEYS[1])
    assert count_valid_for_tx(TX, signatures, OWNERS, 2, None, BLOCK).met
    tampered = replace(TX, value=TX.value + 1)  # a row whose fields were changed after the owners signed
    assert count_valid_for_tx(tampered, signatures, OWNERS, 2, None, BLOCK).valid_count == 0


# -- properties -----------------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID_PARTS = [ecdsa(KEYS[0]), eth_sign(KEYS[1]), approved_hash_signature(CARMEN), malleate(ecdsa(KEYS[2]))]
words = st.one_of(st.integers(0, 2**256 - 1), st.integers(0, 400), st.sampled_from([0, 65, 130, 195, SECP256K1_N]))
segments = st.tuples(words, words, st.sampled_from([0, 1, 27, 28, 31, 32, 2, 255])).map(
    lambda t: t[0].to_bytes(32, "big") + t[1].to_bytes(32, "big") + bytes([t[2]]))
blobs = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(segments, st.sampled_from(VALID_PARTS), st.binary(max_size=70)), max_size=6).map(b"".join),
)


@PROPERTY
@given(blob=blobs)
def test_any_blob_parses_or_raises_only_our_error(blob: bytes) -> None:
    try:
        parsed = parse_signatures(blob)
    except SignatureFormatError:
        return
    assert all(0 <= p.v <= 255 and p.position == i for i, p in enumerate(parsed))


@PROPERTY
@given(blob=blobs, threshold=st.integers(1, 4))
def test_any_blob_gives_a_tally_never_another_exception(blob: bytes, threshold: int) -> None:
    node = FakeNode(approved={(CARMEN, HASHES.safe_tx_hash)}, contracts={OWNER_CONTRACT: "magic"})
    result = tally(blob, owners=[*OWNERS, OWNER_CONTRACT], node=node, threshold=threshold)
    counted = [c.signer for c in result.counted]
    assert len(counted) == len(set(counted)) <= 4  # each owner at most once
    assert all(c.reason and c.flag is not None for c in result.flagged)
    assert all(c.signer in [*OWNERS, OWNER_CONTRACT] for c in result.counted)
    packed = result.encode_for_execution()
    again = verify_signatures(HASHES, packed, [*OWNERS, OWNER_CONTRACT], node, SAFE, BLOCK, version="1.4.1")
    assert sorted(c.signer or "" for c in again if c.valid) == sorted(counted)


@PROPERTY
@given(parts=st.lists(st.sampled_from(range(4)), unique=True, max_size=4), data=st.binary(max_size=90))
def test_encoding_round_trips_through_parsing(parts: list[int], data: bytes) -> None:
    node = FakeNode(approved={(CARMEN, HASHES.safe_tx_hash)}, contracts={OWNER_CONTRACT: "magic"})
    choices = [ecdsa(KEYS[0]), eth_sign(KEYS[1]), approved_hash_signature(CARMEN),
               contract_signature(OWNER_CONTRACT, data)]
    checks = verify_signatures(HASHES, [choices[i] for i in parts],
                               [*OWNERS, OWNER_CONTRACT], node, SAFE, BLOCK, version="1.4.1")
    assert all(c.valid for c in checks)
    packed = encode_for_execution(checks)
    parsed = parse_signatures(packed)
    assert [p.kind for p in parsed] == [c.kind for c in sorted(checks, key=lambda c: int(c.signer or "0", 16))]
    if any(c.kind is SignatureKind.CONTRACT for c in checks):
        assert next(p for p in parsed if p.kind is SignatureKind.CONTRACT).contract_data == data
    assert HexBytes(packed) == SafeSignature.export_signatures(
        SafeSignature.parse_signature(packed, HASHES.safe_tx_hash, b"\x19\x01" + HASHES.domain_hash
                                      + HASHES.message_hash))
