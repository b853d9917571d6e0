"""BIP-32 key paths as BC-UR crypto-keypath items (BCR-2020-007, CBOR tag 304) and as text ("m/44'/60'/0'/0/0").

A signing path must name exactly one key, so `KeyPath` holds concrete components only; wildcards and ranges are
refused there. The one place a pattern is legitimate is the `children` field of a crypto-hdkey (Keystone's BIP-44
export says "0/*": its addresses are the children 0/0, 0/1, ...), and that is `ChildrenPath`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wallet_app.ur.cbor import Tagged
from wallet_app.ur.errors import URError
from wallet_app.ur.items import UINT32_MAX, Fields, cbor_kind, shown

KEYPATH_TAG = 304
HARDENED_LIMIT = 1 << 31  # an index is 31 bits; the hardened bit travels as a separate boolean
_NAMES = {1: "components", 2: "source-fingerprint", 3: "depth"}
_STEP = re.compile(r"(0|[1-9][0-9]{0,9})(['hH]?)")


@dataclass(frozen=True)
class PathComponent:
    index: int
    hardened: bool

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or not 0 <= self.index < HARDENED_LIMIT:
            raise URError(f"a path index must be 0..{HARDENED_LIMIT - 1} (hardened is a separate flag)")
        if not isinstance(self.hardened, bool):
            raise URError("a path component's hardened flag must be true or false")

    @property
    def text(self) -> str:
        return f"{self.index}'" if self.hardened else str(self.index)


@dataclass(frozen=True)
class Wildcard:
    """`*` in a children pattern: every index at this level."""

    hardened: bool = False

    @property
    def text(self) -> str:
        return "*'" if self.hardened else "*"


def _check_meta(source_fingerprint: int | None, depth: int | None, what: str) -> None:
    if source_fingerprint is not None and not 0 < source_fingerprint <= UINT32_MAX:
        raise URError(f"{what} source fingerprint must be a non-zero 32-bit number")
    if depth is not None and not 0 <= depth <= 255:
        raise URError(f"{what} depth must be 0..255")


@dataclass(frozen=True)
class KeyPath:
    """A concrete derivation path, with the master key's fingerprint and the depth when the signer states them."""

    components: tuple[PathComponent, ...]
    source_fingerprint: int | None = None
    depth: int | None = None

    def __post_init__(self) -> None:
        _check_meta(self.source_fingerprint, self.depth, "a key path")
        if not self.components and self.source_fingerprint is None:
            raise URError("an empty key path (the master key itself) must name its source fingerprint")

    @property
    def text(self) -> str:
        return "/".join(["m", *(c.text for c in self.components)])

    def to_item(self) -> dict[int, object]:
        """The crypto-keypath map (untagged); `to_tagged` wraps it in tag 304 for nesting."""
        return _to_item(self.components, self.source_fingerprint, self.depth)

    def to_tagged(self) -> Tagged:
        return Tagged(KEYPATH_TAG, self.to_item())

    @classmethod
    def from_item(cls, item: object, what: str = "crypto-keypath") -> KeyPath:
        steps, fingerprint, depth = _from_item(item, what, wildcards=False)
        return cls(tuple(s for s in steps if isinstance(s, PathComponent)), fingerprint, depth)


@dataclass(frozen=True)
class ChildrenPath:
    """The children pattern of a crypto-hdkey, relative to that key ("0/*")."""

    steps: tuple[PathComponent | Wildcard, ...]
    source_fingerprint: int | None = None
    depth: int | None = None

    def __post_init__(self) -> None:
        _check_meta(self.source_fingerprint, self.depth, "a children path")

    @property
    def text(self) -> str:
        return "/".join(s.text for s in self.steps)

    def to_item(self) -> dict[int, object]:
        return _to_item(self.steps, self.source_fingerprint, self.depth)

    @classmethod
    def from_item(cls, item: object, what: str = "crypto-keypath (children)") -> ChildrenPath:
        return cls(*_from_item(item, what, wildcards=True))


def _to_item(
    steps: tuple[PathComponent | Wildcard, ...], source_fingerprint: int | None, depth: int | None
) -> dict[int, object]:
    flat: list[object] = []
    for step in steps:
        flat += [[] if isinstance(step, Wildcard) else step.index, step.hardened]
    item: dict[int, object] = {1: flat}
    if source_fingerprint is not None:
        item[2] = source_fingerprint
    if depth is not None:
        item[3] = depth
    return item


def _from_item(
    item: object, what: str, *, wildcards: bool
) -> tuple[tuple[PathComponent | Wildcard, ...], int | None, int | None]:
    fields = Fields(item, what, _NAMES, required=(1,))
    flat = fields.raw(1)
    if not isinstance(flat, list) or len(flat) % 2:
        raise URError(f"{what} components must be an array of (index, is-hardened) pairs")
    steps: list[PathComponent | Wildcard] = []
    for position in range(0, len(flat), 2):
        index, hardened = flat[position], flat[position + 1]
        if not isinstance(hardened, bool):
            raise URError(f"{what} component {position // 2 + 1}: is-hardened must be true or false")
        if isinstance(index, int) and not isinstance(index, bool):
            if not 0 <= index < HARDENED_LIMIT:
                raise URError(f"{what} component {position // 2 + 1}: index {index} is not 0..{HARDENED_LIMIT - 1}")
            steps.append(PathComponent(index, hardened))
        elif index == [] and wildcards:
            steps.append(Wildcard(hardened))
        elif isinstance(index, list):
            raise URError(f"{what} component {position // 2 + 1}: wildcards and ranges name no single key; refused")
        else:
            raise URError(f"{what} component {position // 2 + 1} must be an index, not {cbor_kind(index)}")
    fingerprint = fields.uint(2, maximum=UINT32_MAX, minimum=1) if fields.has(2) else None
    depth = fields.uint(3, maximum=255) if fields.has(3) else None
    return tuple(steps), fingerprint, depth


def parse_path(text: str, *, source_fingerprint: int | None = None, depth: int | None = None) -> KeyPath:
    """ "m/44'/60'/0'/0/0" (or h/H for hardened) as a KeyPath; anything else is refused with what was wrong."""
    parts = text.split("/")
    if parts[0] not in ("m", "M"):
        raise URError(f"the path '{shown(text)}' must start with m/")
    components = []
    for part in parts[1:]:
        match = _STEP.fullmatch(part)
        if match is None or int(match.group(1)) >= HARDENED_LIMIT:
            raise URError(f"the path '{shown(text)}' has a step '{shown(part)}' that is not an index below 2^31")
        components.append(PathComponent(int(match.group(1)), bool(match.group(2))))
    return KeyPath(tuple(components), source_fingerprint, depth)
