"""Reading a decoded registry map field by field, so that every refusal names the item and the field.

Registry items are CBOR maps with small integer keys. `Fields` refuses unknown keys and missing required ones up
front, then hands out each value only if it has the expected CBOR type: a signer must never guess what a field means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wallet_app.ur.cbor import Tagged
from wallet_app.ur.errors import URError

UINT32_MAX = (1 << 32) - 1
UINT64_MAX = (1 << 64) - 1


def shown(text: str, limit: int = 40) -> str:
    """Outside text for a one-line message: control, format (bidi, zero-width) and other invisible characters as
    visible escapes, and cut to `limit` characters."""
    visible = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:limit])
    return visible + ("…" if len(text) > limit else "")


class Fields:
    """One decoded CBOR map of registry item `what`, with field names from `names` (key -> CDDL name)."""

    def __init__(self, item: object, what: str, names: Mapping[int, str], required: Iterable[int] = ()) -> None:
        if not isinstance(item, dict):
            raise URError(f"{what} must be a CBOR map, not {cbor_kind(item)}")
        unknown = sorted((k for k in item if k not in names), key=str)
        if unknown:
            listed = ", ".join(shown(repr(k)) for k in unknown[:5])
            raise URError(f"{what} has fields Custos does not know ({listed}): refused rather than ignored")
        missing = [k for k in required if k not in item]
        if missing:
            raise URError(f"{what} lacks its required field {missing[0]} ({names[missing[0]]})")
        self._item: dict[int, object] = {k: v for k, v in item.items() if isinstance(k, int)}
        self.what = what
        self.names = names

    def has(self, key: int) -> bool:
        return key in self._item

    def _label(self, key: int) -> str:
        return f"{self.what} field {key} ({self.names[key]})"

    def raw(self, key: int) -> object:
        return self._item[key]

    def uint(self, key: int, *, maximum: int = UINT64_MAX, minimum: int = 0) -> int:
        value = self._item[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise URError(f"{self._label(key)} must be an unsigned integer, not {cbor_kind(value)}")
        if not minimum <= value <= maximum:
            raise URError(f"{self._label(key)} is {value}, outside {minimum}..{maximum}")
        return value

    def boolean(self, key: int) -> bool:
        value = self._item[key]
        if not isinstance(value, bool):
            raise URError(f"{self._label(key)} must be true or false, not {cbor_kind(value)}")
        return value

    def bytes_(self, key: int, *, size: int | None = None, min_size: int = 0, max_size: int | None = None) -> bytes:
        value = self._item[key]
        if not isinstance(value, bytes):
            raise URError(f"{self._label(key)} must be a byte string, not {cbor_kind(value)}")
        if size is not None and len(value) != size:
            raise URError(f"{self._label(key)} must be exactly {size} bytes, not {len(value)}")
        if len(value) < min_size or (max_size is not None and len(value) > max_size):
            upper = "" if max_size is None else f" and at most {max_size}"
            raise URError(f"{self._label(key)} must be at least {min_size}{upper} bytes, not {len(value)}")
        return value

    def text(self, key: int) -> str:
        value = self._item[key]
        if not isinstance(value, str):
            raise URError(f"{self._label(key)} must be text, not {cbor_kind(value)}")
        return value

    def tagged(self, key: int, tag: int) -> object:
        """The content of a field that must carry CBOR tag `tag` (e.g. 37 for a UUID, 304 for a key path)."""
        value = self._item[key]
        if not isinstance(value, Tagged) or value.tag != tag:
            got = f"tag {value.tag}" if isinstance(value, Tagged) else cbor_kind(value)
            raise URError(f"{self._label(key)} must carry CBOR tag {tag}, not {got}")
        return value.value


def cbor_kind(value: object) -> str:
    """What a decoded item is, in CBOR's words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds: tuple[tuple[type, str], ...] = (
        (int, "an integer"),
        (bytes, "a byte string"),
        (str, "text"),
        (list, "an array"),
        (dict, "a map"),
        (Tagged, "a tagged item"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
