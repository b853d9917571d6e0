"""ABIs a user supplies for contracts the decoder does not know: parsed strictly, used only to name a function and
render its arguments. A call decoded this way is a `user_abi_call`, never a transfer or an approval: a user ABI is
trusted for display, not for what moves value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from wallet_app.domain.abi import selector as compute_selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.errors import InvalidUserAbi
from wallet_app.policy.selectors import split_params

MAX_ABI_BYTES = 256 * 1024
MAX_ENTRIES = 2000
MAX_INPUTS = 32
MAX_TUPLE_DEPTH = 4
MAX_ARRAY_DIMENSIONS = 3
MAX_FIXED_ARRAY = 1024
ENTRY_TYPES = {"function", "constructor", "receive", "fallback", "event", "error"}
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}")
_INT_BITS = "|".join(str(bits) for bits in range(8, 257, 8))
_ELEMENTARY = re.compile(rf"(address|bool|string|bytes([1-9]|[12][0-9]|3[0-2])?|u?int({_INT_BITS})?|tuple)")
_ARRAYS = re.compile(r"(\[([1-9][0-9]*)?\])*")  # no leading zeros: "[01]" would change the selector


@dataclass(frozen=True, slots=True)
class AbiFunction:
    name: str
    signature: str
    selector: bytes
    input_names: tuple[str, ...]
    input_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserAbi:
    address: str
    functions: tuple[AbiFunction, ...]
    source: str  # the JSON text as supplied, kept so it can be saved again byte for byte

    def find(self, selector: bytes) -> AbiFunction | None:
        return next((f for f in self.functions if f.selector == selector), None)


def parse_user_abi(address: str, text: str | bytes) -> UserAbi:
    """Validate a JSON ABI (a list of fragments, or an object with an "abi" list) for the contract at `address`."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_ABI_BYTES:
        raise InvalidUserAbi(f"the ABI is {len(raw):,} bytes; at most {MAX_ABI_BYTES:,} are accepted")
    try:
        source = raw.decode("utf-8")
        document = json.loads(source, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidUserAbi(f"the ABI is not valid JSON: {str(exc)[:120]}") from None
    entries = document.get("abi") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise InvalidUserAbi("an ABI is a JSON list of function descriptions")
    if len(entries) > MAX_ENTRIES:
        raise InvalidUserAbi(f"the ABI has {len(entries)} entries; at most {MAX_ENTRIES} are accepted")
    functions: dict[bytes, AbiFunction] = {}
    for number, entry in enumerate(entries, start=1):
        function = _entry(number, entry)
        if function is None:
            continue
        clash = functions.get(function.selector)
        if clash is not None:
            raise InvalidUserAbi(f"entry {number}: {function.signature} has the same selector as {clash.signature}")
        functions[function.selector] = function
    if not functions:
        raise InvalidUserAbi("the ABI describes no functions")
    return UserAbi(to_checksum(address), tuple(functions.values()), source)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _entry(number: int, entry: object) -> AbiFunction | None:
    if not isinstance(entry, dict):
        raise InvalidUserAbi(f"entry {number} is not an object")
    kind = entry.get("type", "function")
    if kind not in ENTRY_TYPES:
        raise InvalidUserAbi(f"entry {number} has an unknown type")
    if kind != "function":
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidUserAbi(f"entry {number}: a function name must be letters, digits, _ or $ (at most 64)")
    inputs = entry.get("inputs", [])
    if not isinstance(inputs, list) or len(inputs) > MAX_INPUTS:
        raise InvalidUserAbi(f"entry {number} ({name}): inputs must be a list of at most {MAX_INPUTS} parameters")
    try:
        names = tuple(_param_name(p) for p in inputs)
        types = tuple(_param_type(p, 0) for p in inputs)
    except InvalidUserAbi as exc:
        raise InvalidUserAbi(f"entry {number} ({name}): {exc.user_message}") from None
    signature = f"{name}({','.join(types)})"
    try:
        split_params(",".join(types))
    except Exception:  # eth_abi's grammar raises several types
        raise InvalidUserAbi(f"entry {number} ({name}): the types are not valid ABI types") from None
    return AbiFunction(name, signature, compute_selector(signature), names, types)


def _param_name(param: object) -> str:
    if not isinstance(param, dict):
        raise InvalidUserAbi("a parameter is not an object")
    name = param.get("name", "")
    if not isinstance(name, str) or (name and not _NAME.fullmatch(name)):
        raise InvalidUserAbi("a parameter name must be letters, digits, _ or $ (at most 64)")
    return name


def _param_type(param: object, depth: int) -> str:
    """The canonical type string of one parameter, e.g. "uint256", "(address,bytes)[]"."""
    if not isinstance(param, dict) or not isinstance(param.get("type"), str):
        raise InvalidUserAbi("a parameter has no type")
    text: str = param["type"]
    cut = text.find("[")
    base, arrays = (text, "") if cut < 0 else (text[:cut], text[cut:])
    if not _ELEMENTARY.fullmatch(base) or not _ARRAYS.fullmatch(arrays):
        raise InvalidUserAbi(f"type '{text[:40]}' is not accepted (elementary types, tuples and arrays only)")
    dimensions = re.findall(r"\[([0-9]*)\]", arrays)
    if len(dimensions) > MAX_ARRAY_DIMENSIONS or any(d and not 1 <= int(d) <= MAX_FIXED_ARRAY for d in dimensions):
        raise InvalidUserAbi(f"type '{text[:40]}': at most {MAX_ARRAY_DIMENSIONS} array dimensions, fixed sizes "
                             f"1 to {MAX_FIXED_ARRAY}")
    if base == "tuple":
        return _tuple_type(param.get("components"), depth) + arrays
    if "components" in param:
        raise InvalidUserAbi(f"type '{text[:40]}' is not a tuple but has components")
    canonical = {"uint": "uint256", "int": "int256"}.get(base, base)
    return canonical + arrays


def _tuple_type(components: object, depth: int) -> str:
    if depth >= MAX_TUPLE_DEPTH:
        raise InvalidUserAbi(f"tuples nested more than {MAX_TUPLE_DEPTH} deep")
    if not isinstance(components, list) or not components or len(components) > MAX_INPUTS:
        raise InvalidUserAbi(f"a tuple needs a list of 1 to {MAX_INPUTS} components")
    for c in components:
        _param_name(c)
    return "(" + ",".join(_param_type(c, depth + 1) for c in components) + ")"
