"""Where things are in a policy file, for error messages: tomllib gives line numbers only for syntax errors, so the
headers of tables (`[governance]`) and arrays of tables (`[[rules]]`, counted in order) and the keys under them are
found in the text. Best effort: a file written with inline tables or dotted keys gets the nearest header's line."""

from __future__ import annotations

import re

_ARRAY = re.compile(r"\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE = re.compile(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")


class LineMap:
    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers: list[tuple[int, str, bool]] = []  # (line number, name, array of tables)
        for number, line in enumerate(self._lines, start=1):
            array = _ARRAY.match(line)
            table = None if array else _TABLE.match(line)
            if array or table:
                match = array or table
                assert match is not None
                self._headers.append((number, match.group(1), array is not None))

    def table(self, name: str) -> int | None:
        return next((n for n, h, a in self._headers if h == name and not a), None)

    def array_item(self, name: str, index: int) -> int | None:
        """The line of the `index`-th (from 0) `[[name]]` header."""
        found = [n for n, h, a in self._headers if h == name and a]
        return found[index] if 0 <= index < len(found) else None

    def key(self, start: int | None, key: str) -> int | None:
        """The line of `key = ...` in the section whose header is on line `start` (None: before any header) or in
        its sub-tables (`[rules.when]` under `[[rules]]`), or the header's line when the key is not found."""
        first = start or 0
        name = next((h for n, h, _ in self._headers if n == first), None)
        end = next((n for n, h, _ in self._headers if n > first and not (name and h.startswith(name + "."))),
                   len(self._lines) + 1)
        pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
        for number in range(first + 1, end):
            if pattern.search(self._lines[number - 1].split("#", 1)[0]):
                return number
        return start
