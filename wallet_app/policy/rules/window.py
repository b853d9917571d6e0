"""Time-of-day and calendar windows, in the policy's time zone.

    window = { days = ["mon", "tue", "wed", "thu", "fri"], from = "09:00", to = "18:00" }

`from` is inclusive, `to` exclusive ("24:00" is the end of the day); a window does not run past midnight. Every window
also stays shut on the closed days of `[calendar]` (public holidays), whole days in the policy's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar
from zoneinfo import ZoneInfo

from wallet_app.policy.rules.base import Book, Condition, Env, Leaf, Miss, Relation, combine_relations, set_relation
from wallet_app.policy.rules.parsing import ParseContext, Problem, check_keys, expect_str, expect_str_list, expect_table

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])|24:00")


@dataclass(frozen=True, slots=True)
class Window(Condition):
    key: ClassVar[str] = "window"
    cost: ClassVar[int] = 5
    days: frozenset[int]  # 0 = Monday
    start: int  # minutes after midnight, inclusive
    end: int  # exclusive
    zone: ZoneInfo
    zone_name: str
    closed: frozenset[date]

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        local = env.facts.now.astimezone(self.zone)
        if local.date() in self.closed:
            return Miss(f"{local:%Y-%m-%d} is a closed day of the policy's calendar")
        if local.weekday() not in self.days:
            return Miss(f"{local:%A} is outside the rule's days ({self._days()})")
        minute = local.hour * 60 + local.minute
        if not self.start <= minute < self.end:
            return Miss(f"{local:%H:%M} {self.zone_name} is outside {self._hours()}")
        return None

    def _days(self) -> str:
        if self.days == frozenset(range(5)):
            return "weekdays"
        if self.days == frozenset(range(7)):
            return "every day"
        return ", ".join(DAYS[d].capitalize() for d in sorted(self.days))

    def _hours(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)} {self.zone_name}"

    def describe(self, book: Book) -> str:
        closed = " except closed days" if self.closed else ""
        return f"on {self._days()} {self._hours()}{closed}"

    def relation(self, other: Condition) -> Relation:
        """Days and hours only: the calendar and the time zone are the policy's, compared on their own."""
        assert isinstance(other, Window)
        if (self.start, self.end) == (other.start, other.end):
            hours: Relation = "same"
        elif self.start <= other.start and self.end >= other.end:
            hours = "wider"
        elif self.start >= other.start and self.end <= other.end:
            hours = "narrower"
        else:
            hours = "different"
        return combine_relations((set_relation(frozenset(map(str, self.days)), frozenset(map(str, other.days))),
                                  hours))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(value: object, what: str) -> int:
    text = expect_str(value, what)
    if not _TIME.fullmatch(text):
        raise Problem(f"{what} must be a time such as \"09:00\" (24-hour clock)", key="window")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_window(value: object, ctx: ParseContext) -> Window:
    table = expect_table(value, "window")
    check_keys(table, ("days", "from", "to"), "window", required=("days", "from", "to"))
    days = set()
    for day in expect_str_list(table["days"], "window days"):
        if day.lower() not in DAYS:
            raise Problem(f"'{day}' is not a day: use {', '.join(DAYS)}", key="window")
        days.add(DAYS.index(day.lower()))
    start, end = _minutes(table["from"], "window from"), _minutes(table["to"], "window to")
    if start >= end:
        raise Problem("window from must be before to; a window does not run past midnight (use two rules)",
                      key="window")
    return Window(frozenset(days), start, end, ctx.zone, ctx.zone_name, ctx.closed)
