"""User-supplied ABIs: strict parsing, refusal of garbage and oversized input, and the profile's ABI book on disk."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from wallet_app.domain.abi import selector
from wallet_app.policy.errors import InvalidUserAbi
from wallet_app.policy.user_abi_book import FILE_NAME, UserAbiBook
from wallet_app.policy.user_abis import MAX_ABI_BYTES, parse_user_abi

POOL = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ABI = [
    {"type": "function", "name": "stake", "stateMutability": "nonpayable",
     "inputs": [{"name": "amount", "type": "uint"}, {"name": "to", "type": "address"}], "outputs": []},
    {"type": "function", "name": "route", "inputs": [
        {"name": "legs", "type": "tuple[]", "components": [{"name": "pool", "type": "address"},
                                                           {"name": "data", "type": "bytes"}]},
        {"name": "", "type": "int8[2]"}]},
    {"type": "event", "name": "Staked", "inputs": [{"name": "who", "type": "address", "indexed": True}]},
    {"type": "constructor", "inputs": []},
]


def test_parses_functions_with_canonical_types() -> None:
    abi = parse_user_abi(POOL.lower(), json.dumps(ABI))
    assert abi.address == POOL
    assert [f.signature for f in abi.functions] == ["stake(uint256,address)", "route((address,bytes)[],int8[2])"]
    found = abi.find(selector("stake(uint256,address)"))
    assert found is not None and found.input_names == ("amount", "to")
    assert abi.find(b"\0\0\0\0") is None


def test_accepts_a_build_artifact_with_an_abi_key() -> None:
    assert len(parse_user_abi(POOL, json.dumps({"contractName": "Pool", "abi": ABI})).functions) == 2


def test_type_defaults_to_function() -> None:
    abi = parse_user_abi(POOL, '[{"name": "poke"}]')
    assert abi.functions[0].signature == "poke()"


@pytest.mark.parametrize(("text", "reason"), [
    ("not json", "not valid JSON"),
    (b"\xff\xfe[]", "not valid JSON"),
    ('{"a": 1}', "JSON list"),
    ("[]", "no functions"),
    ("[1]", "not an object"),
    ('[{"type": "modifier", "name": "x"}]', "unknown type"),
    ('[{"type": "function", "name": "1bad"}]', "function name"),
    ('[{"type": "function", "name": "a<b>"}]', "function name"),
    ('[{"type": "function", "name": "' + "a" * 65 + '"}]', "function name"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint7"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "fixed128x18"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "function"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "bytes33"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256[0]"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256[01]"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256[1025]"}]}]', "fixed sizes"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256[][][][]"}]}]', "array dimensions"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256 "}]}]', "not accepted"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256\\n"}]}]', "not accepted"),
    ('[{"type": "function", "name": "f\\n"}]', "function name"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "tuple"}]}]', "components"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "tuple", "components": []}]}]', "components"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "address", "name": "a b"}]}]', "parameter name"),
    ('[{"type": "function", "name": "f", "inputs": "address"}]', "inputs must be a list"),
    ('[{"type": "function", "name": "f", "name": "g"}]', "not valid JSON"),
    ('[{"type": "function", "name": "f", "inputs": [{"type": "uint256", "x": NaN}]}]', "not valid JSON"),
    ('[{"name": "f"}, {"name": "f"}]', "same selector"),
])
def test_rejects_garbage(text: str | bytes, reason: str) -> None:
    with pytest.raises(InvalidUserAbi, match=reason):
        parse_user_abi(POOL, text)


def test_rejects_tuples_nested_too_deep() -> None:
    param: dict[str, object] = {"type": "uint256"}
    for _ in range(6):
        param = {"type": "tuple", "components": [param]}
    with pytest.raises(InvalidUserAbi, match="nested"):
        parse_user_abi(POOL, json.dumps([{"name": "f", "inputs": [param]}]))


def test_rejects_oversized_input() -> None:
    padding = " " * MAX_ABI_BYTES
    with pytest.raises(InvalidUserAbi, match="at most"):
        parse_user_abi(POOL, '[{"name": "f"}]' + padding)
    with pytest.raises(InvalidUserAbi, match="entries"):
        parse_user_abi(POOL, json.dumps([{"type": "event", "name": "E"}] * 2001))


def test_book_saves_and_loads_atomically(tmp_path: Path) -> None:
    book = UserAbiBook(directory=tmp_path / "profile")
    assert book.load_all() == {}
    text = json.dumps(ABI)
    saved = book.save_abi(POOL.lower(), text)
    loaded = book.load_all()
    assert loaded == {POOL: saved} and loaded[POOL].source == text
    assert stat.S_IMODE(book.path.stat().st_mode) == 0o600
    assert [p.name for p in book.path.parent.iterdir()] == [FILE_NAME]  # no temporary file left behind
    book.save_abi(POOL, '[{"name": "other"}]')
    assert [f.name for f in book.load_all()[POOL].functions] == ["other"]
    assert book.remove_abi(POOL) is True and book.remove_abi(POOL) is False and book.load_all() == {}


def test_book_refuses_an_invalid_abi_without_touching_the_file(tmp_path: Path) -> None:
    book = UserAbiBook(directory=tmp_path)
    book.save_abi(POOL, json.dumps(ABI))
    before = book.path.read_bytes()
    with pytest.raises(InvalidUserAbi):
        book.save_abi(POOL, "[]")
    assert book.path.read_bytes() == before


@pytest.mark.parametrize("content", [
    b"garbage",
    b'{"format": 2, "abis": {}}',
    b'{"format": 1, "abis": {"0x5FbDB2315678afecb367f032d93F642f64180aa3": 5}}',
    b'{"format": 1, "abis": {"0x5fbdb2315678afecb367f032d93f642f64180aa3": "[]"}}',
    b'{"format": 1, "abis": {"not an address": "[{\\"name\\": \\"f\\"}]"}}',
])
def test_book_refuses_a_file_edited_into_something_invalid(tmp_path: Path, content: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(content)
    with pytest.raises(InvalidUserAbi):
        UserAbiBook(directory=tmp_path).load_all()
