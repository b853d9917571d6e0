"""Investors' entitlements read from CSV for proof of reserves, and the strict uint256 decimals they are written in.

The file has exactly two columns, `investor_id` and `amount`, named on its first line in either order. Everything
else is refused with the line it is on rather than guessed at:

- text: a leading byte-order mark is dropped; lines may end in LF or CRLF; values may be quoted (RFC 4180, a quote
  inside a quoted value doubled); the separator is a comma.
- columns: a header without `investor_id` or `amount`, a column named twice, or any other column (even an empty one
  from a trailing comma) is refused: a column that would be ignored could be the one that was meant (an
  "amount_locked", an "adjustment"). A row with more or fewer values than the header is refused.
- investor_id: surrounding spaces are stripped and the rest is kept as written (no case folding, no Unicode
  normalisation); the tree hashes its UTF-8 bytes. An empty id, an id listed twice, or an id with a control,
  invisible-formatting (bidi overrides, zero-width), line-separator or lone-surrogate character is refused: it would
  print misleadingly in reports, or not be UTF-8 at all.
- amount: an integer in the token's smallest unit, ASCII digits only after stripping spaces: no sign, no decimal
  point, no exponent, no "0x", no "_" or thousands separator. Zero is allowed. 2**256 or more is refused, and so is
  a file whose amounts add up to 2**256 or more.
- lines: wholly empty lines are skipped; a file with no header, or a header and no investors, is refused.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from wallet_app.proofs.errors import UnusableInput

UINT256_MAX = 2**256 - 1
COLUMNS = ("investor_id", "amount")
_MAX_DIGITS = len(str(UINT256_MAX))
# control, format (invisible, bidi), lone surrogate (not UTF-8 at all), line and paragraph separator
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What one investor is owed, in the token's smallest unit."""

    investor_id: str
    amount: int


def parse_uint256(text: str, where: str) -> int:
    """A plain decimal integer in 0..2**256-1 (ASCII digits only); `where` names the value in the message."""
    shown = text if len(text) <= 40 else text[:40] + "…"
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise UnusableInput(f"{where}: {shown} is negative")
    if not (text.isascii() and text.isdigit()):  # not str.isdigit alone: it takes other scripts' digits too
        raise UnusableInput(f"{where}: {shown!r} is not a plain non-negative decimal integer (digits 0-9 only)")
    if len(text.lstrip("0")) > _MAX_DIGITS or int(text) > UINT256_MAX:
        raise UnusableInput(f"{where}: {shown} is 2**256 or more, too large for a 32-byte amount")
    return int(text)


def investor_id_problem(investor_id: str) -> str | None:
    """Why an investor id (already stripped) cannot be used, or None."""
    if not investor_id:
        return "the investor_id is empty"
    if investor_id.isprintable():  # no C* nor Z* but the space: the quick way for the usual id
        return None
    for char in investor_id:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"the investor_id contains the control, invisible or line-breaking character U+{ord(char):04X}"
    return None


def read_entitlements(text: str) -> list[Entitlement]:
    """The entitlements in CSV `text`, in file order; UnusableInput naming the line for anything that is not clean."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            if row:
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UnusableInput(f"entitlements CSV line {line}: not valid CSV ({exc})") from None
    if not rows:
        raise UnusableInput("entitlements CSV: the file is empty (expected a header line: investor_id,amount)")
    header_line, header = rows[0]
    id_col, amount_col = _columns(header_line, [name.strip() for name in header])
    if len(rows) == 1:
        raise UnusableInput(f"entitlements CSV: no investors after the header on line {header_line}")
    entries: list[Entitlement] = []
    seen: dict[str, int] = {}
    total = 0
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise UnusableInput(f"entitlements CSV line {line}: {len(row)} values where the header has {len(header)}")
        investor_id = row[id_col].strip()
        problem = investor_id_problem(investor_id)
        if problem:
            raise UnusableInput(f"entitlements CSV line {line}: {problem}")
        if investor_id in seen:
            raise UnusableInput(f"entitlements CSV line {line}: investor_id {investor_id!r} is already on line "
                                f"{seen[investor_id]}")
        seen[investor_id] = line
        amount = parse_uint256(row[amount_col].strip(), f"entitlements CSV line {line}, amount")
        total += amount
        if total > UINT256_MAX:
            raise UnusableInput(f"entitlements CSV line {line}: the amounts so far add up to 2**256 or more, too "
                                "large for a 32-byte sum")
        entries.append(Entitlement(investor_id, amount))
    return entries


def check_entitlements(entries: Sequence[Entitlement]) -> None:
    """The rules of the CSV for entries made another way: UnusableInput naming the entry that breaks one."""
    seen: set[str] = set()
    total = 0
    for number, entry in enumerate(entries, 1):
        where = f"entitlement {number} ({entry.investor_id!r})"
        problem = investor_id_problem(entry.investor_id)
        if problem or entry.investor_id != entry.investor_id.strip():
            raise UnusableInput(f"{where}: {problem or 'the investor_id has surrounding spaces'}")
        if entry.investor_id in seen:
            raise UnusableInput(f"{where}: the investor_id is listed twice")
        seen.add(entry.investor_id)
        if type(entry.amount) is not int or not 0 <= entry.amount <= UINT256_MAX:
            raise UnusableInput(f"{where}: the amount {entry.amount!r} is not an integer in 0..2**256-1")
        total += entry.amount
    if total > UINT256_MAX:
        raise UnusableInput("the entitlements add up to 2**256 or more, too large for a 32-byte sum")


def _columns(line: int, names: list[str]) -> tuple[int, int]:
    """The positions of investor_id and amount in the header; UnusableInput for a missing, doubled or extra column."""
    where = f"entitlements CSV line {line} (the header)"
    if len(names) == 1 and ";" in names[0]:
        raise UnusableInput(f"{where}: one column {names[0]!r}; the columns must be separated by commas")
    for name in COLUMNS:
        if name not in names:
            raise UnusableInput(f"{where}: no {name!r} column; the file must have the columns investor_id and amount")
    for name in names:
        if names.count(name) > 1:
            raise UnusableInput(f"{where}: the column {name!r} is named twice")
        if name not in COLUMNS:
            raise UnusableInput(f"{where}: unexpected column {name!r}; the file must have exactly the columns "
                                "investor_id and amount")
    return names.index("investor_id"), names.index("amount")
