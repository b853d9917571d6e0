"""Strict reading of JSON that comes from outside (a policy bundle): a size limit, UTF-8, no duplicate keys, no NaN
(`domain.strict_json`), and objects with exactly the expected fields of exactly the expected types. Every refusal is
a `PolicyBundleError` naming where in the file the problem is; strings from the file are shown escaped (`shown`,
`plain`)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.strict_json import StrictJsonError, loads_strict
from wallet_app.errors import InvalidAddress, WalletError
from wallet_app.policy.governance import as_utc

MAX_BUNDLE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 6  # the bundle, its lists of policies, a policy, its approvals, an approval
DIGEST = re.compile(r"0x[0-9a-f]{64}")
SIGNATURE = re.compile(r"0x[0-9a-f]{130}")
_HIDDEN = ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp")


class PolicyBundleError(WalletError, ValueError):
    """A policy bundle was refused (unreadable, malformed, or not signed by the anchored quorum); nothing changed."""

    code = "policy_bundle"


def shown(text: str, limit: int = 60) -> str:
    """A string from the file, for a message: quoted, non-ASCII and control characters escaped, cut short."""
    return ascii(text[:limit]) + ("..." if len(text) > limit else "")


def plain(text: str, limit: int = 400) -> str:
    """A message that may quote the file (a parser's reason), for one line: control, format (bidi, zero-width) and
    unassigned characters made visible as \\uXXXX, whitespace runs as one space, cut short."""
    out = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in _HIDDEN else c for c in " ".join(text.split()))
    return out[:limit] + ("..." if len(out) > limit else "")


def parse_json(raw: bytes) -> Any:
    """The JSON value of `raw` (`domain.strict_json`: at most `MAX_BUNDLE_BYTES`, UTF-8, nested at most 6 deep, no
    key twice in an object, no NaN), or `PolicyBundleError` saying why not."""
    try:
        return loads_strict(raw, "The file", limit=MAX_BUNDLE_BYTES, max_depth=MAX_DEPTH)
    except StrictJsonError as exc:
        raise PolicyBundleError(f"The bundle is refused: {plain(exc.user_message)}") from None


class Fields:
    """Typed access to one JSON object that must hold exactly `keys`; every problem names where it is."""

    def __init__(self, value: Any, keys: tuple[str, ...], where: str) -> None:
        if not isinstance(value, dict):
            raise self.error(where, "must be a JSON object")
        missing = [k for k in keys if k not in value]
        extra = [k for k in value if k not in keys]
        if missing or extra:
            what = [f"lacks {', '.join(missing)}"] if missing else []
            what += [f"has unknown fields {', '.join(shown(k, 30) for k in extra[:5])}"] if extra else []
            raise self.error(where, " and ".join(what))
        self.data: dict[str, Any] = value
        self.where = where

    @staticmethod
    def error(where: str, problem: str) -> PolicyBundleError:
        return PolicyBundleError(f"The bundle is refused: {where} {problem}")

    def _typed(self, key: str, kind: type, optional: bool) -> Any:
        value = self.data[key]
        if value is None and optional:
            return None
        if type(value) is not kind:  # exactly: a bool is no int, an int no str
            names = {int: "a whole number", str: "a string", list: "a list", dict: "an object"}
            raise self.error(f"{self.where}.{key}", f"must be {names[kind]}" + (" or null" if optional else ""))
        return value

    def number(self, key: str) -> int:
        value: int = self._typed(key, int, False)
        return value

    def items(self, key: str) -> list[Any]:
        value: list[Any] = self._typed(key, list, False)
        return value

    def table(self, key: str) -> dict[str, Any]:
        value: dict[str, Any] = self._typed(key, dict, False)
        return value

    def opt_text(self, key: str, *, limit: int, optional: bool = True) -> str | None:
        value: str | None = self._typed(key, str, optional)
        if value is not None and len(value) > limit:
            raise self.error(f"{self.where}.{key}", f"is longer than {limit} characters")
        return value

    def text(self, key: str, *, limit: int) -> str:
        value = self.opt_text(key, limit=limit, optional=False)
        assert value is not None
        return value

    def opt_matching(self, key: str, pattern: re.Pattern[str], what: str, *, optional: bool = True) -> str | None:
        value = self.opt_text(key, limit=200, optional=optional)
        if value is not None and not pattern.fullmatch(value):
            raise self.error(f"{self.where}.{key}", f"must be {what}, not {shown(value)}")
        return value

    def digest(self, key: str) -> str:
        value = self.opt_matching(key, DIGEST, "a digest (0x and 64 lowercase hex digits)", optional=False)
        assert value is not None
        return value

    def opt_address(self, key: str, *, optional: bool = True) -> str | None:
        value = self.opt_text(key, limit=42, optional=optional)
        if value is None:
            return None
        try:
            if to_checksum(value) == value:
                return value
        except InvalidAddress:
            pass
        raise self.error(f"{self.where}.{key}", f"must be an EIP-55 address, not {shown(value)}")

    def address(self, key: str) -> str:
        value = self.opt_address(key, optional=False)
        assert value is not None
        return value

    def opt_time(self, key: str, *, optional: bool = True, whole: bool = False) -> datetime | None:
        value = self.opt_text(key, limit=40, optional=optional)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        offset = moment.utcoffset() if moment is not None else None
        if moment is None or offset is None or offset.total_seconds() != 0:
            raise self.error(f"{self.where}.{key}", f"must be a UTC time such as 2026-03-02T09:00:00+00:00, not "
                                                    f"{shown(value)}")
        if whole and moment.microsecond:
            raise self.error(f"{self.where}.{key}", "is a signed time: it must be whole seconds")
        return as_utc(moment)

    def time(self, key: str, *, whole: bool = False) -> datetime:
        value = self.opt_time(key, optional=False, whole=whole)
        assert value is not None
        return value

    def opt_signature(self, key: str, *, optional: bool = True) -> bytes | None:
        value = self.opt_matching(key, SIGNATURE, "a signature (0x and 130 lowercase hex digits)", optional=optional)
        return None if value is None else bytes.fromhex(value[2:])

    def signature(self, key: str) -> bytes:
        value = self.opt_signature(key, optional=False)
        assert value is not None
        return value
