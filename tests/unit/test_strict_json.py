"""Strict JSON from outside: depth measured before parsing (a file nested hundreds of thousands of levels deep is
refused with a message instead of exhausting the stack), duplicate keys and NaN refused, sizes bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallet_app.domain.strict_json import StrictJsonError, loads_strict, nesting_depth


def test_a_deeply_nested_document_is_refused_before_parsing() -> None:
    deep = "[" * 300_000 + "]" * 300_000
    with pytest.raises(StrictJsonError, match="nested 300,000 levels deep"):
        loads_strict(deep, "the file", limit=10_000_000)


def test_brackets_inside_strings_do_not_count() -> None:
    assert nesting_depth('{"a": "[[[[\\"[["}') == 1
    assert loads_strict('{"a": "[[[["}', "x", limit=100) == {"a": "[[[["}


@pytest.mark.parametrize("text, message", [
    ('{"a": 1, "a": 2}', "appears twice"),
    ('{"a": NaN}', "not valid JSON"),
    ('{"a": Infinity}', "not valid JSON"),
    ("{", "not valid JSON"),
])
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(StrictJsonError, match=message):
        loads_strict(text, "x", limit=100)


def test_size_and_encoding() -> None:
    with pytest.raises(StrictJsonError, match="at most 4"):
        loads_strict(b"[1,2]", "x", limit=4)
    with pytest.raises(StrictJsonError, match="not UTF-8"):
        loads_strict(b"\xff", "x", limit=4)


@given(st.text(max_size=200))
def test_any_text_gives_a_value_or_a_clear_error(text: str) -> None:
    try:
        loads_strict(text, "x", limit=10_000)
    except StrictJsonError:
        pass
