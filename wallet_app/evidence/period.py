"""The period of an evidence pack: two calendar dates, both included, read in UTC (a day is 00:00 to 24:00 UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from wallet_app.errors import ConfigError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date  # included

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.first_day, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC): midnight after its last day, excluded."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=UTC)

    def contains(self, moment: datetime) -> bool:
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return self.start <= aware < self.end

    def text(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat(), "timezone": "UTC",
                "start": self.start.isoformat(), "end_exclusive": self.end.isoformat()}


def parse_day(text: str, flag: str) -> date:
    """A calendar date written YYYY-MM-DD; ConfigError naming `flag` otherwise."""
    value = text.strip()
    shown = value.encode("ascii", "backslashreplace").decode("ascii")[:40]
    if not _DATE.fullmatch(value):
        raise ConfigError(f"{flag} is a date written YYYY-MM-DD (a UTC day), not '{shown}'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} '{shown}' is not a day of the calendar") from None


def build_period(first: str, last: str) -> Period:
    """The period from `--from` to `--to`, both included; refused when it ends before it starts."""
    first_day, last_day = parse_day(first, "--from"), parse_day(last, "--to")
    if first_day > last_day:
        raise ConfigError(f"--from {first_day.isoformat()} is after --to {last_day.isoformat()}: the period would "
                          "end before it starts")
    return Period(first_day, last_day)
