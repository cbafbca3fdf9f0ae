"""Business time: when a calendar is open, and what moment lies N open minutes after another.

Pure functions over a `Schedule` (no database), so that the property tests can drive them hard.
Open intervals are wall-clock times in the calendar's zone; the minutes counted are real elapsed
minutes, so a 09:00-21:00 day is 11 or 13 hours long on the days daylight saving time changes.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = dt.UTC
MINUTES_PER_DAY = 24 * 60
# A calendar open at least once a week finds its next opening within days; this bound only
# stops a calendar whose every day is a holiday from looping for ever.
MAX_DAYS_AHEAD = 366 * 20


class NeverOpen(ValueError):
    """The calendar has no open time in the years ahead."""


@lru_cache(maxsize=256)
def country_holidays(country: str, year: int) -> frozenset[dt.date]:
    """Public (for the US: federal) holidays of one year, observed days included."""
    import holidays

    return frozenset(holidays.country_holidays(country, years=year).keys())


@dataclass(frozen=True)
class Schedule:
    """`weekly[weekday]` (Monday = 0) lists (opens, closes) in minutes after local midnight,
    closes up to 1440. `always_open` ignores the rest: open every minute of every day."""

    time_zone: str = "UTC"
    weekly: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    holiday_country: str = ""
    always_open: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return True
        return bool(self.holiday_country) and day in country_holidays(
            self.holiday_country, day.year
        )

    def has_hours(self) -> bool:
        return self.always_open or any(
            closes > opens for day in self.weekly for opens, closes in day
        )


def _local(day: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time.min) + dt.timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def open_intervals(
    schedule: Schedule, start: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open intervals [opens, closes) in UTC, in order, that end after `start`."""
    if not schedule.has_hours():
        raise NeverOpen("the calendar has no opening hours")
    zone = schedule.zone
    # Start a day early: an interval of the previous local day may still be running.
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    previous_end = start
    for _ in range(MAX_DAYS_AHEAD):
        if not schedule.is_holiday(day):
            for opens, closes in sorted(schedule.weekly[day.weekday()]):
                if closes <= opens:
                    continue
                begin, end = _local(day, opens, zone), _local(day, closes, zone)
                # Wall-clock times folded by a DST change may overlap the interval before.
                begin = max(begin, previous_end)
                if end > begin:
                    previous_end = end
                    yield begin, end
        day += dt.timedelta(days=1)
    raise NeverOpen("the calendar has no open time in the next twenty years")


def is_open(schedule: Schedule, moment: dt.datetime) -> bool:
    if schedule.always_open:
        return True
    for begin, end in open_intervals(schedule, moment):
        return begin <= moment < end
    return False  # pragma: no cover - open_intervals raises first


def add_business_minutes(schedule: Schedule, start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment at which `minutes` of open time have passed since `start`.

    With 0 minutes: `start` if open, else the next opening. The result always lies in an open
    interval or at its closing moment ("by close of business"), never in closed hours.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if schedule.always_open:
        return start + dt.timedelta(minutes=minutes)
    remaining = dt.timedelta(minutes=minutes)
    for begin, end in open_intervals(schedule, start):
        begin = max(begin, start)
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise NeverOpen  # pragma: no cover - open_intervals raises first


def business_minutes_between(schedule: Schedule, start: dt.datetime, stop: dt.datetime) -> int:
    """Whole open minutes in [start, stop)."""
    if stop <= start:
        return 0
    if schedule.always_open:
        return int((stop - start).total_seconds() // 60)
    total = dt.timedelta()
    for begin, end in open_intervals(schedule, start):
        if begin >= stop:
            break
        total += min(end, stop) - max(begin, start)
    return int(total.total_seconds() // 60)
