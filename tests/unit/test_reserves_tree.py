"""Proof of reserves, the tree part (SECURITY.md L5, PoR consistency): the Merkle-sum tree of entitlements, its
inclusion proofs and their check, and the entitlements CSV. Expected roots are computed here from the spec with
eth_utils.keccak, not with the module's own hashing."""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet_app.proofs.entitlements import Entitlement, investor_id_problem, read_entitlements
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.reserves_tree import (
    InclusionResult,
    ReservesTree,
    build_tree,
    inclusion_json,
    read_root_fields,
    root_json_fields,
    verify_inclusion,
)

MAX = 2**256 - 1


def u256(value: int) -> bytes:
    return value.to_bytes(32, "big")


def spec_leaf(salt: bytes, investor_id: str, amount: int) -> tuple[bytes, int]:
    return keccak(salt + keccak(investor_id.encode("utf-8")) + u256(amount)), amount


def spec_node(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    return keccak(left[0] + u256(left[1]) + right[0] + u256(right[1])), left[1] + right[1]


EMPTY = (bytes(32), 0)


def salts_for(count: int) -> list[bytes]:
    return [bytes([i + 1]) * 32 for i in range(count)]


def verify(tree: ReservesTree, document: dict[str, Any]) -> InclusionResult:
    """Through JSON text, as the CLI reads it."""
    return verify_inclusion(json.loads(json.dumps(document)), root_hash=tree.root.hash, root_sum=tree.root.sum,
                            leaves=tree.size)


def spec_leaves_in_tree_order(tree: ReservesTree, entries: list[Entitlement],
                              salts: list[bytes]) -> list[tuple[bytes, int]]:
    """The leaves as the spec computes them, at the positions the tree reports (its order is shuffled)."""
    placed: list[tuple[bytes, int] | None] = [None] * len(entries)
    for entry, salt in zip(entries, salts, strict=True):
        document = inclusion_json(tree, entry.investor_id)
        assert document["salt"] == "0x" + salt.hex() and document["amount"] == str(entry.amount)
        placed[int(str(document["leaf_index"]))] = spec_leaf(salt, entry.investor_id, entry.amount)
    assert all(leaf is not None for leaf in placed), "the leaf positions are not a permutation"
    return [leaf for leaf in placed if leaf is not None]


# --- hand-computed trees --------------------------------------------------------------------------------------------

def test_L5_one_leaf_is_the_root() -> None:
    entries = [Entitlement("alice", 1000)]
    tree = build_tree(entries, salts=salts_for(1))
    assert (tree.root.hash, tree.root.sum) == spec_leaf(salts_for(1)[0], "alice", 1000)
    document = inclusion_json(tree, "alice")
    assert document["path"] == [] and document["leaf_index"] == 0 and document["leaves"] == 1
    verify(tree, document)


def test_L5_two_leaves_hash_both_sums() -> None:
    entries = [Entitlement("alice", 1000), Entitlement("bob", 0)]
    tree = build_tree(entries, salts=salts_for(2))
    a, b = spec_leaves_in_tree_order(tree, entries, salts_for(2))
    assert (tree.root.hash, tree.root.sum) == spec_node(a, b)
    assert tree.root.sum == 1000 and tree.size == 2
    for entry in entries:
        verify(tree, inclusion_json(tree, entry.investor_id))


def test_L5_three_leaves_pair_the_last_with_the_empty_node() -> None:
    entries = [Entitlement("alice", 5), Entitlement("bob", 7), Entitlement("carol", MAX - 12)]
    tree = build_tree(entries, salts=salts_for(3))
    a, b, c = spec_leaves_in_tree_order(tree, entries, salts_for(3))
    assert (tree.root.hash, tree.root.sum) == spec_node(spec_node(a, b), spec_node(c, EMPTY))
    assert tree.root.sum == MAX
    last = next(e.investor_id for e in entries if inclusion_json(tree, e.investor_id)["leaf_index"] == 2)
    document = inclusion_json(tree, last)
    assert document["path"][0] == {"side": "right", "hash": "0x" + "00" * 32, "sum": "0"}  # type: ignore[index]
    for entry in entries:
        verify(tree, inclusion_json(tree, entry.investor_id))


# --- many investors -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_tree() -> tuple[ReservesTree, list[Entitlement]]:
    rng = random.Random(5)
    entries = [Entitlement(f"investor-{i:05d}", rng.randrange(10**24)) for i in range(10_000)]
    return build_tree(entries), entries


def test_L5_ten_thousand_investors_every_500th_and_a_random_inclusion_verify(
        big_tree: tuple[ReservesTree, list[Entitlement]]) -> None:
    tree, entries = big_tree
    assert tree.size == 10_000 and tree.root.sum == sum(e.amount for e in entries)
    chosen = [*entries[::500], random.choice(entries)]
    for entry in chosen:
        document = inclusion_json(tree, entry.investor_id)
        assert len(document["path"]) == 14  # type: ignore[arg-type]  # ceil(log2 10000)
        result = verify(tree, document)
        assert result.investor_id == entry.investor_id and result.amount == entry.amount
    root, leaves = read_root_fields(json.loads(json.dumps(root_json_fields(tree))))
    assert root == tree.root and leaves == 10_000


def test_L5_leaves_are_shuffled_and_salts_fresh(big_tree: tuple[ReservesTree, list[Entitlement]]) -> None:
    tree, entries = big_tree
    positions = [inclusion_json(tree, e.investor_id)["leaf_index"] for e in entries[:200]]
    assert positions != list(range(200))
    again = build_tree(entries[:50])
    assert again.root.hash != build_tree(entries[:50]).root.hash  # new salts, new order
    seeded = build_tree(entries[:50], salts=salts_for(50), order_seed=3)
    assert seeded.root == build_tree(entries[:50], salts=salts_for(50), order_seed=3).root


# --- tampering ------------------------------------------------------------------------------------------------------

def small_tree() -> tuple[ReservesTree, dict[str, Any]]:
    entries = [Entitlement(f"inv-{i}", 1000 + i) for i in range(11)]
    tree = build_tree(entries, salts=salts_for(11), order_seed=1)
    return tree, inclusion_json(tree, "inv-4")


def flip_hex(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def set_path(step: int, field: str, change: Callable[[str], str]) -> Callable[[dict[str, Any]], None]:
    def tamper(document: dict[str, Any]) -> None:
        document["path"][step][field] = change(document["path"][step][field])
    return tamper


def trade_amount_for_sibling_sum(document: dict[str, Any]) -> None:
    """One more for this investor, one less beside them: the total is unchanged, the hashes are not."""
    document["amount"] = str(int(document["amount"]) + 1)
    set_path(0, "sum", lambda s: str(int(s) - 1))(document)


def set_root(field: str, change: Callable[[str], str]) -> Callable[[dict[str, Any]], None]:
    def tamper(document: dict[str, Any]) -> None:
        document["root"][field] = change(document["root"][field])
    return tamper


TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "amount up": lambda d: d.update(amount=str(int(d["amount"]) + 1)),
    "amount to zero": lambda d: d.update(amount="0"),
    "salt": lambda d: d.update(salt=flip_hex(d["salt"])),
    "investor_id": lambda d: d.update(investor_id="inv-5"),
    "path hash": set_path(1, "hash", flip_hex),
    "path sum": set_path(2, "sum", lambda s: str(int(s) + 1)),
    "amount and a sibling sum traded, total kept": trade_amount_for_sibling_sum,
    "path side": set_path(0, "side", lambda s: "left" if s == "right" else "right"),
    "leaf_index": lambda d: d.update(leaf_index=d["leaf_index"] ^ 1),
    "leaves": lambda d: d.update(leaves=12),
    "path step dropped": lambda d: d.update(path=d["path"][:-1]),
    "root hash in the file": set_root("hash", flip_hex),
    "root sum in the file": set_root("sum", lambda s: "1"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_L5_a_tampered_inclusion_is_invalid(name: str) -> None:
    tree, document = small_tree()
    verify(tree, document)
    tampered = copy.deepcopy(document)
    TAMPERS[name](tampered)
    with pytest.raises(ProofInvalid):
        verify(tree, tampered)


def test_L5_an_inclusion_against_another_root_is_invalid() -> None:
    tree, document = small_tree()
    with pytest.raises(ProofInvalid, match="published root"):
        verify_inclusion(document, root_hash=bytes(32), root_sum=tree.root.sum)
    with pytest.raises(ProofInvalid, match="published total"):
        verify_inclusion(document, root_hash=tree.root.hash, root_sum=tree.root.sum + 1)
    with pytest.raises(ProofInvalid, match="leaves"):
        verify_inclusion(document, root_hash=tree.root.hash, root_sum=tree.root.sum, leaves=10)


def test_L5_sums_that_go_negative_or_overflow_are_refused() -> None:
    tree, document = small_tree()
    for bad, error in (("-1", "negative"), (str(2**256), "2\\*\\*256 or more"), ("1e3", "plain")):
        tampered = copy.deepcopy(document)
        tampered["path"][0]["sum"] = bad
        with pytest.raises(UnusableInput, match=rf"path\[0\]\.sum.*{error}"):
            verify(tree, tampered)
    # each sum fits, their total does not: the running sum is refused at the step where it overflows
    salt = bytes(32)
    sibling = (bytes(range(32)), MAX)
    leaf = spec_leaf(salt, "eve", 1)
    document = {"format": "custos.reserves-inclusion", "version": 1, "scheme": "custos.merkle-sum-keccak256/1",
                "investor_id": "eve", "amount": "1", "salt": "0x" + salt.hex(), "leaf_index": 0, "leaves": 2,
                "path": [{"side": "right", "hash": "0x" + sibling[0].hex(), "sum": str(MAX)}],
                "root": {"hash": "0x" + keccak(leaf[0] + u256(1) + sibling[0] + u256(MAX)).hex(), "sum": "0"}}
    with pytest.raises(ProofInvalid, match=r"path\[0\]: the sums add up to 2\*\*256 or more"):
        verify_inclusion(document, root_hash=bytes(32), root_sum=0)
    with pytest.raises(UnusableInput, match="2\\*\\*256 or more"):
        build_tree([Entitlement("a", 2**255), Entitlement("b", 2**255)])
    with pytest.raises(UnusableInput, match=re.escape("not an integer in 0..2**256-1")):
        build_tree([Entitlement("a", -1)])


@pytest.mark.parametrize(("field", "value", "message"), [
    ("salt", "0x" + "ab " * 21 + "a", "salt is missing or not 0x and 64 hex digits"),
    ("salt", None, "salt is missing"),
    ("leaf_index", True, "leaf_index is missing or not an integer"),
    ("amount", 5, "amount is missing or not a decimal string"),
    ("path", {}, "path is missing, not a list"),
    ("version", 2, "format, version, scheme"),
    ("investor_id", " inv-4", "surrounding spaces"),
    ("investor_id", "inv-\ud800", "U\\+D800"),
    ("root", [], "root is missing or not a JSON object"),
])
def test_L5_a_malformed_inclusion_is_unusable(field: str, value: object, message: str) -> None:
    tree, document = small_tree()
    document[field] = value
    with pytest.raises(UnusableInput, match=message):
        verify(tree, document)


def test_L5_each_inclusion_carries_its_own_salt_and_id_only() -> None:
    entries = [Entitlement(f"person-{i:03d}-{chr(65 + i % 26)}", 10 + i) for i in range(40)]
    salts = [random.Random(i).randbytes(32) for i in range(40)]
    tree = build_tree(entries, salts=salts)
    for mine, my_salt in zip(entries, salts, strict=True):
        text = json.dumps(inclusion_json(tree, mine.investor_id))
        assert my_salt.hex() in text and mine.investor_id in text
        for other, other_salt in zip(entries, salts, strict=True):
            if other is not mine:
                assert other_salt.hex() not in text and other.investor_id not in text
                assert keccak(other.investor_id.encode()).hex() not in text


# --- the entitlements CSV -------------------------------------------------------------------------------------------

def test_csv_with_bom_crlf_quotes_spaces_zero_and_columns_in_any_order() -> None:
    text = '\ufeffamount , investor_id\r\n"1000",  alice \r\n\r\n0,"bob, jr."\r\n" 42 ","say ""hi"""\r\n'
    assert read_entitlements(text) == [Entitlement("alice", 1000), Entitlement("bob, jr.", 0),
                                       Entitlement('say "hi"', 42)]


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("\n\n", "the file is empty"),
    ("investor_id,amount\n", "no investors after the header on line 1"),
    ("investor_id,amt\na,1\n", "line 1 .*no 'amount' column"),
    ("id,amount\na,1\n", "line 1 .*no 'investor_id' column"),
    ("investor_id,amount,note\na,1,x\n", "line 1 .*unexpected column 'note'"),
    ("investor_id,amount,\na,1,\n", "line 1 .*unexpected column ''"),
    ("investor_id;amount\na;1\n", "line 1 .*separated by commas"),
    ("investor_id,amount\na,1\nb,-5\n", "line 3, amount: -5 is negative"),
    ("investor_id,amount\na,1\n\nb," + str(2**256) + "\n", "line 4, amount: .* 2\\*\\*256 or more"),
    ("investor_id,amount\na," + str(MAX) + "\nb,1\n", "line 3: the amounts so far add up to 2\\*\\*256 or more"),
    ("investor_id,amount\na,1e3\n", "line 2, amount: '1e3' is not a plain"),
    ("investor_id,amount\na,1.0\n", "line 2, amount: '1.0' is not a plain"),
    ("investor_id,amount\na,+5\n", "line 2, amount: '\\+5' is not a plain"),
    ("investor_id,amount\na,0x10\n", "line 2, amount: '0x10' is not a plain"),
    ('investor_id,amount\na,"1,000"\n', "line 2, amount: '1,000' is not a plain"),
    ("investor_id,amount\na,1_000\n", "line 2, amount: '1_000' is not a plain"),
    ("investor_id,amount\na,\u0661\u0662\n", "line 2, amount: .* is not a plain"),
    ("investor_id,amount\na,\n", "line 2, amount: '' is not a plain"),
    ("investor_id,amount\na,1\nb,2\na ,3\n", "line 4: investor_id 'a' is already on line 2"),
    ("investor_id,amount\n ,1\n", "line 2: the investor_id is empty"),
    ("investor_id,amount\na\u202eb,1\n", "line 2: .*U\\+202E"),
    ('investor_id,amount\n"a\nb",1\n', "line 2: .*U\\+000A"),
    ("investor_id,amount\na\u2028b,1\n", "line 2: .*U\\+2028"),
    ("investor_id,amount\na,1,2\n", "line 2: 3 values where the header has 2"),
    ('investor_id,amount\na,1\n"b,2\n', "line 3: not valid CSV"),
])
def test_csv_errors_are_unusable_and_name_the_line(text: str, message: str) -> None:
    with pytest.raises(UnusableInput, match=message):
        read_entitlements(text)


# --- properties -----------------------------------------------------------------------------------------------------

IDS = st.text(min_size=1, max_size=12).map(str.strip).filter(lambda s: investor_id_problem(s) is None)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(IDS, st.integers(0, 2**249), min_size=1, max_size=70),
       st.sampled_from([0, 1, 2**250]))
def test_L5_every_inclusion_verifies_and_the_root_sum_is_the_total(owed: dict[str, int], extra: int) -> None:
    entries = [Entitlement(investor_id, amount) for investor_id, amount in owed.items()]
    entries[0] = Entitlement(entries[0].investor_id, entries[0].amount + extra)
    tree = build_tree(entries)
    assert tree.root.sum == sum(e.amount for e in entries) and tree.size == len(entries)
    for entry in entries:
        result = verify(tree, inclusion_json(tree, entry.investor_id))
        assert result.amount == entry.amount


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(IDS, st.integers(0, MAX // 100), min_size=1, max_size=30))
def test_csv_written_by_a_spreadsheet_reads_back(owed: dict[str, int]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["investor_id", "amount"])
    writer.writerows(owed.items())
    assert read_entitlements(out.getvalue()) == [Entitlement(i, a) for i, a in owed.items()]
