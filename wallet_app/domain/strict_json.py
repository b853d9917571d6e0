"""JSON from outside read strictly: bounded size and depth, no duplicate keys, no NaN or Infinity.

Python's json module recurses once per level of nesting, so a file nested a few hundred thousand levels deep
exhausts the stack; the depth is measured first by a linear scan that skips strings, and a deep document is refused
before the parser sees it. Duplicate keys are refused because two readers may keep different ones.
"""

from __future__ import annotations

import json
from typing import Any

from wallet_app.errors import WalletError

MAX_DEPTH = 64


class StrictJsonError(WalletError, ValueError):
    code = "bad_json"


def loads_strict(data: bytes | str, what: str, *, limit: int, max_depth: int = MAX_DEPTH) -> Any:
    if len(data) > limit:
        raise StrictJsonError(f"{what} is {len(data):,} bytes; Custos reads at most {limit:,}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise StrictJsonError(f"{what} is not UTF-8 text") from None
    depth = nesting_depth(text)
    if depth > max_depth:
        raise StrictJsonError(f"{what} is nested {depth:,} levels deep; Custos reads at most {max_depth}")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except ValueError as exc:
        raise StrictJsonError(f"{what} is not valid JSON: {str(exc)[:120]}") from None


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            shown = key.encode("ascii", "backslashreplace").decode("ascii")[:40]
            raise ValueError(f"the key '{shown}' appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
