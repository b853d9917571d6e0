"""Custos's Merkle-Patricia proof verifier (wallet_app.proofs.trie_proof): it agrees with `trie.HexaryTrie` on every
proof a real trie makes, for keys present and absent, and refuses every altered proof with ProofInvalid (SECURITY.md
L1). Proofs are made as wallet_app.chain.devnet.proofs makes them: RLP-encoded nodes, short non-root nodes dropped."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest
import rlp
from eth.db.atomic import AtomicDB
from eth.rlp.accounts import Account
from eth_typing import Address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trie.constants import BLANK_NODE_HASH
from trie.hexary import HexaryTrie

from wallet_app.chain.devnet.proofs import build_account_proof
from wallet_app.proofs.errors import ProofInvalid
from wallet_app.proofs.trie_proof import (
    EMPTY_TRIE_ROOT,
    ProvenAccount,
    prove_account,
    prove_storage,
    verify_proof,
)

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHARED_NIBBLES = [0, 0, 1, 2, 5, 16, 33, 48, 60, 62, 63, 63, 64]  # how much of a base key a generated key keeps
VALUE_SIZES = [1, 1, 2, 3, 8, 30, 70, 120]  # short values make leaves (and branches) small enough to embed


def make_proof(trie: HexaryTrie, key: bytes) -> list[bytes]:
    encoded = [rlp.encode(node) for node in trie.get_proof(key)]  # type: ignore[no-untyped-call]
    return [node for index, node in enumerate(encoded) if index == 0 or len(node) >= 32]


def peer_value(root: bytes, key: bytes, proof: Sequence[bytes]) -> bytes:
    value: bytes = HexaryTrie.get_from_proof(root, key, [rlp.decode(node) for node in proof])  # type: ignore[no-untyped-call]
    return value


def spliced_key(rng: random.Random, base: int, shared: int) -> bytes:
    """A 32-byte key that keeps the first `shared` nibbles of `base` and is random after them."""
    low_bits = 4 * (64 - shared)
    low_mask = (1 << low_bits) - 1
    return ((base & ~low_mask) | (rng.getrandbits(256) & low_mask)).to_bytes(32, "big")


def random_trie(seed: int, size: int) -> tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]:
    """A trie of `size` keys sharing prefixes of every length with one another, and keys it lacks (some a nibble
    away from keys it has, so exclusion proofs end at leaves, extensions and branches)."""
    rng = random.Random(seed)
    base = rng.getrandbits(256)
    entries = {spliced_key(rng, base, rng.choice(SHARED_NIBBLES)): rng.randbytes(rng.choice(VALUE_SIZES))
               for _ in range(size)}
    trie = HexaryTrie({})
    for key, value in entries.items():
        trie[key] = value
    absent = {spliced_key(rng, base, rng.choice(SHARED_NIBBLES)) for _ in range(10)}
    for key in list(entries)[:10]:
        flipped = bytearray(key)
        flipped[rng.randrange(32)] ^= 1 << rng.randrange(8)
        absent.add(bytes(flipped))
    return trie, entries, sorted(absent - entries.keys())


def assert_refused(root: bytes, key: bytes, proof: Sequence[bytes]) -> None:
    with pytest.raises(ProofInvalid) as raised:
        verify_proof(root, key, proof)
    assert "\n" not in str(raised.value)


def rechain(proof: Sequence[bytes], index: int, element: bytes) -> tuple[bytes, list[bytes]]:
    """Replace proof[index] and fix every hash reference above it: a proof whose hashes all check, with a node of
    any content at `index`. Returns (root, proof)."""
    nodes = list(proof)
    old, nodes[index] = nodes[index], element
    for parent in range(index - 1, -1, -1):
        old_hash, new_hash = keccak(old), keccak(nodes[parent + 1])
        assert nodes[parent].count(old_hash) == 1
        old, nodes[parent] = nodes[parent], nodes[parent].replace(old_hash, new_hash)
    return keccak(nodes[0]), nodes


@pytest.fixture(scope="module")
def sample() -> tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]:
    return random_trie(seed=7, size=400)


def sample_proofs(sample: tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]) -> list[tuple[bytes, list[bytes]]]:
    trie, entries, absent = sample
    keys = list(entries)[:6] + absent[:6]
    return [(key, make_proof(trie, key)) for key in keys]


# --- agreement with trie.HexaryTrie ------------------------------------------------------------------------------

def test_empty_trie_root_is_keccak_of_rlp_empty_string() -> None:
    assert EMPTY_TRIE_ROOT == keccak(rlp.encode(b"")) == BLANK_NODE_HASH == HexaryTrie({}).root_hash


def test_empty_trie_proves_every_key_absent() -> None:
    key = keccak(b"anything")
    assert verify_proof(EMPTY_TRIE_ROOT, key, []) == b""
    assert verify_proof(EMPTY_TRIE_ROOT, key, [b"\x80"]) == b""  # the blank root node, listed
    assert_refused(EMPTY_TRIE_ROOT, key, [b"\x80", b"\x80"])
    assert_refused(keccak(b"not empty"), key, [])



def test_hexbytes_from_web3_are_read_as_bytes(sample: tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]) -> None:
    trie, entries, absent = sample
    for key in [*list(entries)[:3], *absent[:3]]:
        proof = [HexBytes(node) for node in make_proof(trie, key)]
        assert verify_proof(HexBytes(trie.root_hash), HexBytes(key), proof) == entries.get(key, b"")

@PROPERTY
@given(seed=st.integers(0, 2**32), size=st.integers(0, 300))
def test_agrees_with_hexary_trie_on_present_and_absent_keys(seed: int, size: int) -> None:
    trie, entries, absent = random_trie(seed, size)
    root = trie.root_hash
    for key in list(entries)[:15] + absent:
        proof = make_proof(trie, key)
        assert verify_proof(root, key, proof) == peer_value(root, key, proof) == entries.get(key, b"")


@PROPERTY
@given(entries=st.dictionaries(st.binary(min_size=0, max_size=3), st.binary(min_size=1, max_size=40), max_size=40),
       probes=st.lists(st.binary(max_size=4), max_size=10))
def test_agrees_with_hexary_trie_on_keys_of_any_length(entries: dict[bytes, bytes], probes: list[bytes]) -> None:
    """Keys that are prefixes of others put values in branch nodes (never so in the state and storage tries)."""
    trie = HexaryTrie({})
    for key, value in entries.items():
        trie[key] = value
    for key in [*entries, *probes]:
        proof = make_proof(trie, key)
        assert verify_proof(trie.root_hash, key, proof) == peer_value(trie.root_hash, key, proof) == entries.get(key,
                                                                                                                b"")


def test_sample_has_extensions_embedded_nodes_and_every_kind_of_exclusion(sample: tuple[HexaryTrie, dict[bytes,
                                                                                                          bytes],
                                                                                        list[bytes]]) -> None:
    trie, entries, absent = sample
    kinds: set[str] = set()
    for key in list(entries) + absent:
        nodes = trie.get_proof(key)  # type: ignore[no-untyped-call]
        kinds.update("extension" if len(n) == 2 and n[0][0] >> 4 < 2 else "" for n in nodes)
        kinds.update("embedded" for n in nodes[1:] if len(rlp.encode(n)) < 32)
        if key not in entries:
            last = nodes[-1]
            if len(last) == 17:
                kinds.add("absent at branch")
            else:
                kinds.add("absent at leaf" if last[0][0] >> 4 >= 2 else "absent at ext")
    assert {"extension", "embedded", "absent at branch", "absent at leaf"} <= kinds


# --- altered proofs -------------------------------------------------------------------------------------------------

def test_every_single_byte_change_is_refused(sample: tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]) -> None:
    root = sample[0].root_hash
    for key, proof in sample_proofs(sample):
        for index, element in enumerate(proof):
            for position in range(len(element)):
                for change in (0x01, 0xFF):
                    altered = bytearray(element)
                    altered[position] ^= change
                    assert_refused(root, key, [*proof[:index], bytes(altered), *proof[index + 1:]])


def test_truncated_dropped_extra_and_reordered_nodes_are_refused(sample: tuple[HexaryTrie, dict[bytes, bytes],
                                                                               list[bytes]]) -> None:
    trie, _, _ = sample
    root = trie.root_hash
    proofs = sample_proofs(sample)
    stranger = next(proof for _, proof in proofs if len(proof) > 2)[-1]
    for key, proof in proofs:
        for keep in range(len(proof)):
            assert_refused(root, key, proof[:keep])
        for index, element in enumerate(proof):
            assert_refused(root, key, proof[:index] + proof[index + 1:])
            for cut in (1, 2, 31, len(element) // 2):
                assert_refused(root, key, [*proof[:index], element[:-cut], *proof[index + 1:]])
            assert_refused(root, key, [*proof[:index], element + b"\x80", *proof[index + 1:]])
        for extra in (proof[-1], proof[0], stranger, b"\xc0", b"\x80", keccak(b"x")):
            assert_refused(root, key, [*proof, extra])
            assert_refused(root, key, [extra, *proof])
        # Every swap of two nodes and the reversed proof (a proof here can have 18 nodes: all orders are too many).
        for first, second in itertools.combinations(range(len(proof)), 2):
            swapped = list(proof)
            swapped[first], swapped[second] = swapped[second], swapped[first]
            if swapped != proof:
                assert_refused(root, key, swapped)
        if len(proof) > 1 and proof[::-1] != proof:
            assert_refused(root, key, proof[::-1])


def test_a_proof_for_another_key_is_refused_unless_it_is_that_keys_proof(sample: tuple[HexaryTrie, dict[bytes, bytes],
                                                                                       list[bytes]]) -> None:
    trie, entries, absent = sample
    root = trie.root_hash
    keys = list(entries)[:20] + absent
    proofs = {key: make_proof(trie, key) for key in keys}
    for key, other in itertools.permutations(keys, 2):
        if proofs[other] == proofs[key]:  # keys that end at one node share a proof, which proves both
            assert verify_proof(root, key, proofs[other]) == entries.get(key, b"")
        else:
            assert_refused(root, key, proofs[other])


@PROPERTY
@given(seed=st.integers(0, 2**32), size=st.integers(1, 200), data=st.data())
def test_random_alterations_never_yield_a_wrong_value(seed: int, size: int, data: st.DataObject) -> None:
    trie, entries, absent = random_trie(seed, size)
    root = trie.root_hash
    key = data.draw(st.sampled_from(list(entries) + absent))
    proof = make_proof(trie, key)
    index = data.draw(st.integers(0, len(proof) - 1))
    element = proof[index]
    position = data.draw(st.integers(0, len(element) - 1))
    altered = data.draw(st.one_of(
        st.integers(1, 255).map(lambda x: element[:position] + bytes([element[position] ^ x]) + element[position + 1:]),
        st.just(element[:position]),
        st.binary(min_size=1, max_size=8).map(lambda junk: element[:position] + junk + element[position:]),
    ))
    assert_refused(root, key, [*proof[:index], altered, *proof[index + 1:]])
    other = data.draw(st.sampled_from(list(entries) + absent))
    if make_proof(trie, other) != proof:
        assert_refused(root, other, proof)


def rlp_alterations(element: bytes) -> st.SearchStrategy[bytes]:
    """Nodes near `element`: re-encoded with an item dropped, added, replaced or nested, or bytes changed."""
    items = rlp.decode(element)
    item = st.one_of(st.binary(max_size=40), st.lists(st.binary(max_size=4), max_size=3))

    def edit(args: tuple[int, int, object]) -> bytes:
        action, at, new = args
        changed = list(items)
        at %= len(changed)
        if action == 0:
            del changed[at]
        elif action == 1:
            changed.insert(at, new)
        else:
            changed[at] = new
        return bytes(rlp.encode(changed))

    return st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 16), item).map(edit), st.binary(max_size=600),
                     st.tuples(st.integers(0, len(element) - 1), st.integers(0, 255))
                     .map(lambda pv: element[:pv[0]] + bytes([pv[1]]) + element[pv[0] + 1:]))


@PROPERTY
@given(seed=st.integers(0, 2**32), size=st.integers(1, 200), data=st.data())
def test_hash_consistent_nodes_of_any_content_give_trie_s_answer_or_proof_invalid(seed: int, size: int,
                                                                                 data: st.DataObject) -> None:
    """A node of any content whose hash is fixed up the whole way to a new root: the verifier either refuses the
    proof with ProofInvalid or returns exactly what trie.HexaryTrie reads from the same nodes."""
    trie, entries, absent = random_trie(seed, size)
    key = data.draw(st.sampled_from(list(entries) + absent))
    proof = make_proof(trie, key)
    index = data.draw(st.integers(0, len(proof) - 1))
    root, altered = rechain(proof, index, data.draw(rlp_alterations(proof[index])))
    try:
        value = verify_proof(root, key, altered)
    except ProofInvalid:
        return
    assert value == peer_value(root, key, altered)


@PROPERTY
@given(proof=st.lists(st.binary(max_size=120), min_size=1, max_size=4), key=st.binary(min_size=32, max_size=32))
def test_arbitrary_bytes_are_refused_with_proof_invalid_only(proof: list[bytes], key: bytes) -> None:
    try:
        verify_proof(keccak(proof[0]), key, proof)
    except ProofInvalid:
        pass


@pytest.mark.parametrize(("node", "reason"), [
    (b"\x01", "not a valid trie node"),
    (rlp.encode([b" ", b"v", b""]), "has 3 items"),
    (rlp.encode([b"\x40" + b"\x00" * 31, b"value"]), "bad hex-prefix"),
    (rlp.encode([b"\x21" + b"\x00" * 31, b"value"]), "bad hex-prefix"),
    (rlp.encode([b"\x00", keccak(b"c")]), "an extension has an empty path"),
    (rlp.encode([b"\x00" + b"\x00" * 4, b""]), "an extension's child is neither"),
    (rlp.encode([b"", b"value" * 8]), "no hex-prefix path"),
    (bytes([0xC4, 0x81, 0x05, 0x81, 0x06]), "a single byte below 0x80 is wrapped"),
    (bytes([0xC3, 0x82, 0x05]), "runs past the end|length prefix does not match"),
    (b"\xf8\x22" + rlp.encode([b"\x20" + b"\x00" * 31, b"v"])[1:], "long length form"),
    (rlp.encode([b"\x20" + b"\x00" * 31, b"v"]) + b"\x00", "length prefix does not match"),
    (rlp.encode([b"\x11", [b" " + b"\x00" * 29, b"v"]]), "should be referenced by hash"),
    (rlp.encode([keccak(b"c")[:31]] * 16 + [b""]), "31-byte string"),
    (rlp.encode([b"\x20" + b"\x00" * 31, b""]), "empty or non-string value"),
])
def test_malformed_nodes_are_refused_with_a_plain_reason(node: bytes, reason: str) -> None:
    with pytest.raises(ProofInvalid, match=reason):
        verify_proof(keccak(node), b"\x00" * 32, [node])


def test_a_short_node_listed_instead_of_embedded_is_refused() -> None:
    leaf = rlp.encode([b"\x3a", b"v"])  # 4 bytes: a canonical parent embeds it
    branch = rlp.encode([keccak(leaf)] + [b""] * 16)
    with pytest.raises(ProofInvalid, match="should be embedded"):
        verify_proof(keccak(branch), b"\x0a" + b"\x00" * 31, [branch, leaf])


def test_messages_name_the_proof_and_the_node(sample: tuple[HexaryTrie, dict[bytes, bytes], list[bytes]]) -> None:
    trie, entries, _ = sample
    root = trie.root_hash
    key = next(k for k in entries if len(make_proof(trie, k)) >= 3)
    proof = make_proof(trie, key)
    cases = [
        ([*proof[:1], *proof[2:]], "storage proof of slot 0xab node 1 is not referenced by its parent"),
        (proof[:-1], "storage proof of slot 0xab: the proof ends before the key's path does"),
        ([*proof, proof[0]], "storage proof of slot 0xab has 1 unused extra node(s)"),
        (proof[1:], f"storage proof of slot 0xab: the proof's first node does not hash to the root 0x{root.hex()}"),
    ]
    for bad, message in cases:
        with pytest.raises(ProofInvalid) as raised:
            verify_proof(root, key, bad, what="storage proof of slot 0xab")
        assert str(raised.value).startswith(message)


# --- accounts and storage: SECURITY.md L1 ---------------------------------------------------------------------------

ADDRESSES = [bytes([i]) * 20 for i in range(1, 40)]
SLOTS = [i.to_bytes(32, "big") for i in range(60)]


def storage_trie(values: dict[bytes, bytes]) -> HexaryTrie:
    trie = HexaryTrie({})
    for slot, encoded in values.items():
        trie[keccak(slot)] = encoded
    return trie


@pytest.fixture(scope="module")
def state() -> tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]:
    """A state trie of real account RLP; the first account holds a storage trie of slots 0..59 set to 1000 + i,
    except slot 7, which is unset."""
    storage = storage_trie({slot: rlp.encode(1000 + i) for i, slot in enumerate(SLOTS) if i != 7})
    accounts = {address: Account(nonce=i, balance=10**18 * i + 1, code_hash=keccak(b"code %d" % i))
                for i, address in enumerate(ADDRESSES)}
    accounts[ADDRESSES[0]] = accounts[ADDRESSES[0]].copy(storage_root=storage.root_hash)
    trie = HexaryTrie({})
    for address, account in accounts.items():
        trie[keccak(address)] = rlp.encode(account)
    return trie, accounts, storage


def test_a_real_account_is_proven_and_decoded(state: tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]) -> None:
    trie, accounts, storage = state
    for address, account in accounts.items():
        proven = prove_account(trie.root_hash, address, make_proof(trie, keccak(address)))
        assert proven == ProvenAccount(account.nonce, account.balance, account.storage_root, account.code_hash, True)
    assert prove_account(trie.root_hash, ADDRESSES[0], make_proof(trie, keccak(ADDRESSES[0]))).storage_root == \
        storage.root_hash


def test_an_absent_account_is_proven_empty(state: tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]) -> None:
    trie, _, _ = state
    stranger = b"\xee" * 20
    proven = prove_account(trie.root_hash, stranger, make_proof(trie, keccak(stranger)))
    assert proven == ProvenAccount(0, 0, EMPTY_TRIE_ROOT, keccak(b""), exists=False)


def test_devnet_eth_get_proof_bundles_verify() -> None:
    db = AtomicDB()
    storage = HexaryTrie(db)
    for i in (1, 2, 3, 500):
        storage[keccak(i.to_bytes(32, "big"))] = rlp.encode(i * 7)
    state = HexaryTrie(db)
    address = Address(b"\x42" * 20)
    state[keccak(address)] = rlp.encode(Account(nonce=3, balance=5 * 10**18, storage_root=storage.root_hash))
    for i in range(100):
        state[keccak(i.to_bytes(20, "big"))] = rlp.encode(Account(nonce=i))
    bundle = build_account_proof(db, state.root_hash, address, [1, 2, 3, 4, 500])
    account = prove_account(state.root_hash, address, bundle.account_proof)
    assert (account.nonce, account.balance, account.storage_root) == (3, 5 * 10**18, bundle.storage_hash)
    for item in bundle.storage_proofs:
        assert prove_storage(account.storage_root, item.slot.to_bytes(32, "big"), item.proof) == item.value
    assert [item.value for item in bundle.storage_proofs] == [7, 14, 21, 0, 3500]


def test_L1_tampered_node_fails(state: tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]) -> None:
    trie, accounts, storage = state
    address = ADDRESSES[5]
    proof = make_proof(trie, keccak(address))
    for index, element in enumerate(proof):
        richer = element.replace(rlp.encode(accounts[address].balance), rlp.encode(10**24))
        for tampered in (richer, element[:-1] + bytes([element[-1] ^ 1])):
            if tampered != element:
                with pytest.raises(ProofInvalid, match="account proof of 0x0606"):
                    prove_account(trie.root_hash, address, [*proof[:index], tampered, *proof[index + 1:]])
    slot_proof = make_proof(storage, keccak(SLOTS[3]))
    tampered_value = [*slot_proof[:-1], slot_proof[-1].replace(rlp.encode(1003), rlp.encode(9003))]
    with pytest.raises(ProofInvalid, match=r"storage proof of slot 0x0{63}3 node"):
        prove_storage(storage.root_hash, SLOTS[3], tampered_value)


def test_L1_proof_for_the_wrong_address_fails(state: tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]) -> None:
    trie, _, _ = state
    for address, other in itertools.permutations(ADDRESSES[:8], 2):
        with pytest.raises(ProofInvalid):
            prove_account(trie.root_hash, address, make_proof(trie, keccak(other)))


def test_L1_exclusion_proof_for_a_non_zero_slot_fails(state: tuple[HexaryTrie, dict[bytes, Account],
                                                                   HexaryTrie]) -> None:
    _, _, storage = state
    root = storage.root_hash
    unset = make_proof(storage, keccak(SLOTS[7]))
    assert prove_storage(root, SLOTS[7], unset) == 0  # the one valid way to prove a zero
    for i, slot in enumerate(SLOTS):
        if i != 7:
            full = make_proof(storage, keccak(slot))
            assert prove_storage(root, slot, full) == 1000 + i
            with pytest.raises(ProofInvalid):
                prove_storage(root, slot, unset)  # someone else's exclusion proof
            for keep in range(len(full)):
                with pytest.raises(ProofInvalid):
                    prove_storage(root, slot, full[:keep])  # cut short so it would look like "not there"
    empty_before = storage_trie({})
    with pytest.raises(ProofInvalid):  # an exclusion proof from another (older, empty) storage root
        prove_storage(root, SLOTS[0], make_proof(empty_before, keccak(SLOTS[0])))


def test_L1_storage_hash_mismatch_fails(state: tuple[HexaryTrie, dict[bytes, Account], HexaryTrie]) -> None:
    trie, _, storage = state
    account = prove_account(trie.root_hash, ADDRESSES[0], make_proof(trie, keccak(ADDRESSES[0])))
    slot_proof = make_proof(storage, keccak(SLOTS[1]))
    assert prove_storage(account.storage_root, SLOTS[1], slot_proof) == 1001
    other = storage_trie({SLOTS[1]: rlp.encode(5), SLOTS[2]: rlp.encode(6)})
    claimed_storage_hash = other.root_hash  # what a lying node would put in `storageHash`
    with pytest.raises(ProofInvalid, match="does not hash to the root"):
        prove_storage(account.storage_root, SLOTS[1], make_proof(other, keccak(SLOTS[1])))
    with pytest.raises(ProofInvalid, match="does not hash to the root"):
        prove_storage(claimed_storage_hash, SLOTS[1], slot_proof)
    with pytest.raises(ProofInvalid):  # the account's storage is not empty, so it cannot prove zero by emptiness
        prove_storage(account.storage_root, SLOTS[1], [])


@pytest.mark.parametrize("stored", [b"\x80", b"\x00", b"\x81\x00", b"\x82\x00\x01", b"\x81\x05", b"\xa1" + b"\x01" * 33,
                                    b"\x83\x01\x02", b"\xc1\x01", b"\x05\x06"])
def test_L1_zero_values_only_via_a_valid_exclusion_proof(stored: bytes) -> None:
    """A stored zero, a value with leading zero bytes, or anything but a canonical RLP integer, is refused."""
    storage = storage_trie({SLOTS[0]: stored, SLOTS[1]: rlp.encode(1)})
    with pytest.raises(ProofInvalid, match="not a canonical non-zero RLP integer"):
        prove_storage(storage.root_hash, SLOTS[0], make_proof(storage, keccak(SLOTS[0])))
    assert prove_storage(storage.root_hash, SLOTS[2], make_proof(storage, keccak(SLOTS[2]))) == 0


@pytest.mark.parametrize("value", [1, 0x7F, 0x80, 0xFF, 2**255, 2**256 - 1])
def test_storage_values_decode_as_big_endian_integers(value: int) -> None:
    storage = storage_trie({SLOTS[0]: rlp.encode(value)})
    assert prove_storage(storage.root_hash, SLOTS[0], make_proof(storage, keccak(SLOTS[0]))) == value


@pytest.mark.parametrize("fields", [
    [1, 2, keccak(b"s")],
    [b"\x00\x01", 2, keccak(b"s"), keccak(b"c")],
    [1, b"\x00", keccak(b"s"), keccak(b"c")],
    [1, 2, keccak(b"s")[:31], keccak(b"c")],
    [1, 2, keccak(b"s"), [keccak(b"c")]],
    [2**64, 2, keccak(b"s"), keccak(b"c")],
])
def test_a_stored_account_that_is_not_canonical_is_refused(fields: list[object]) -> None:
    trie = HexaryTrie({})
    address = b"\x11" * 20
    trie[keccak(address)] = rlp.encode(fields)
    with pytest.raises(ProofInvalid, match="account proof of 0x1111"):
        prove_account(trie.root_hash, address, make_proof(trie, keccak(address)))


def test_wrong_length_inputs_are_refused() -> None:
    with pytest.raises(ProofInvalid):
        prove_account(EMPTY_TRIE_ROOT, b"\x11" * 19, [])
    with pytest.raises(ProofInvalid):
        prove_storage(EMPTY_TRIE_ROOT, b"\x01", [])
    with pytest.raises(ProofInvalid):
        verify_proof(EMPTY_TRIE_ROOT[:31], b"\x01" * 32, [])
