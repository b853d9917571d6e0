"""Values read from the database as plain JSON for an evidence pack: times in UTC ISO 8601, bytes as 0x-hex, JSON
text parsed where a column holds JSON, and each file written the same way (indented, UTF-8, keys in the order given).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def utc_text(moment: datetime | None) -> str | None:
    """An aware ISO 8601 time in UTC; a naive one (SQLite) was stored in UTC."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def plain(value: Any) -> Any:
    """A database value as JSON: datetimes as UTC text, bytes as 0x-hex, decimals as text."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def row_json(row: Any, *, json_columns: Iterable[str] = (), skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of a SQLAlchemy row, as JSON; `json_columns` hold JSON text, given parsed when it parses (and
    as the text itself when it does not: an edited row is shown as it is)."""
    parsed = set(json_columns)
    left_out = set(skip)
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if key in left_out:
            continue
        if key in parsed and isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        else:
            out[key] = plain(value)
    return out


def json_bytes(value: Any) -> bytes:
    """A pack's JSON file: indented by two spaces, UTF-8 (Chinese and names as they are), a line break at the end."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
