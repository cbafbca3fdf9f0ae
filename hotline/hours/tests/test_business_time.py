"""Property tests of business time across daylight-saving changes, holidays and year ends."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.hours.business import (
    NeverOpen,
    Schedule,
    add_business_minutes,
    business_minutes_between,
    is_open,
)

UTC = dt.UTC
# Zones with DST in both hemispheres, a half-hour offset, and none at all.
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "America/St_Johns",
    "Pacific/Honolulu",
]
# Around DST changes (March, October/November, April in the south) and year ends.
HOT_SPOTS = [
    dt.datetime(2025, 3, 9, 6, tzinfo=UTC),
    dt.datetime(2025, 11, 2, 5, tzinfo=UTC),
    dt.datetime(2026, 3, 29, 0, tzinfo=UTC),
    dt.datetime(2026, 10, 25, 0, tzinfo=UTC),
    dt.datetime(2026, 4, 4, 15, tzinfo=UTC),
    dt.datetime(2025, 12, 31, 20, tzinfo=UTC),
    dt.datetime(2026, 12, 24, 12, tzinfo=UTC),
    dt.datetime(2027, 1, 1, 0, tzinfo=UTC),
]


def intervals(earliest: int = 0) -> st.SearchStrategy[tuple[tuple[int, int], ...]]:
    pair = st.tuples(st.integers(earliest, 24 * 60 - 15), st.integers(15, 16 * 60)).map(
        lambda p: (p[0], min(24 * 60, p[0] + p[1]))
    )
    return st.lists(pair, max_size=2).map(lambda ps: tuple(sorted(ps)))


@st.composite
def schedules(draw: st.DrawFn, earliest: int = 0) -> Schedule:
    weekly = tuple(draw(intervals(earliest)) for _ in range(7))
    if not any(weekly):
        weekly = (((earliest, min(24 * 60, earliest + 60)),), *weekly[1:])
    holidays = draw(st.frozensets(st.dates(dt.date(2024, 12, 1), dt.date(2027, 3, 1)), max_size=20))
    return Schedule(
        time_zone=draw(st.sampled_from(ZONES)),
        weekly=weekly,
        holidays=holidays,
        holiday_country=draw(st.sampled_from(["", "US"])),
    )


moments = st.one_of(
    st.datetimes(dt.datetime(2024, 12, 1), dt.datetime(2027, 2, 1), timezones=st.just(UTC)),
    st.builds(
        lambda base, offset: base + dt.timedelta(minutes=offset),
        st.sampled_from(HOT_SPOTS),
        st.integers(-3 * 24 * 60, 3 * 24 * 60),
    ),
)
targets = st.integers(0, 8 * 24 * 60)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wall_clock_open(schedule: Schedule, moment: dt.datetime) -> bool:
    """An oracle independent of the module: read the local clock and the weekly table."""
    local = moment.astimezone(ZoneInfo(schedule.time_zone))
    if schedule.is_holiday(local.date()):
        return False
    minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
    return any(opens <= minute < closes for opens, closes in schedule.weekly[local.weekday()])


def in_open_hours(schedule: Schedule, moment: dt.datetime) -> bool:
    """Open at the moment, or at its closing instant ("by close of business")."""
    return is_open(schedule, moment) or is_open(schedule, moment - dt.timedelta(microseconds=1))


@PROPERTY
@given(schedules(), moments, targets)
def test_due_date_is_never_in_closed_hours(schedule: Schedule, start: dt.datetime, minutes: int):
    due = add_business_minutes(schedule, start, minutes)
    assert in_open_hours(schedule, due)


@PROPERTY
@given(schedules(), moments, targets)
def test_due_date_is_never_earlier_than_the_start(schedule, start, minutes):
    assert add_business_minutes(schedule, start, minutes) >= start


@PROPERTY
@given(schedules(), moments, targets, targets)
def test_due_date_is_monotonic_in_the_target(schedule, start, a, b):
    low, high = sorted([a, b])
    assert add_business_minutes(schedule, start, low) <= add_business_minutes(schedule, start, high)


@PROPERTY
@given(schedules(), moments, targets)
def test_open_minutes_until_the_due_date_equal_the_target(schedule, start, minutes):
    due = add_business_minutes(schedule, start, minutes)
    assert business_minutes_between(schedule, start, due) == minutes


@PROPERTY
@given(schedules(), moments, st.integers(1, 3000), st.integers(1, 3000))
def test_adding_in_two_steps_equals_adding_at_once(schedule, start, a, b):
    step = add_business_minutes(schedule, start, a)
    assert add_business_minutes(schedule, step, b) == add_business_minutes(schedule, start, a + b)


# Away from the hours when clocks change (all before 04:00 local in these zones), the wall clock
# and the module must agree exactly.
@PROPERTY
@given(schedules(earliest=4 * 60), moments)
def test_is_open_agrees_with_the_wall_clock(schedule, moment):
    assert is_open(schedule, moment) == wall_clock_open(schedule, moment)


@PROPERTY
@given(schedules(earliest=4 * 60), moments, targets)
def test_due_date_reads_as_open_on_the_wall_clock(schedule, start, minutes):
    due = add_business_minutes(schedule, start, minutes)
    assert wall_clock_open(schedule, due) or wall_clock_open(
        schedule, due - dt.timedelta(microseconds=1)
    )


@PROPERTY
@given(moments, targets)
def test_a_24_7_calendar_adds_real_minutes(start, minutes):
    schedule = Schedule(time_zone="America/New_York", always_open=True)
    assert add_business_minutes(schedule, start, minutes) == start + dt.timedelta(minutes=minutes)


EASTERN = ZoneInfo("America/New_York")
BUSINESS = Schedule(
    time_zone="America/New_York",
    weekly=(((9 * 60, 21 * 60),),) * 5 + ((), ()),
    holiday_country="US",
)


def eastern(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=EASTERN)


def test_friday_night_message_is_due_by_the_next_friday_close():
    # 5 business days of 12 hours from Friday 22:00 (closed) run Monday 09:00 to Friday 21:00.
    due = add_business_minutes(BUSINESS, eastern(2026, 3, 6, 22, 0), 5 * 12 * 60)
    assert due == eastern(2026, 3, 13, 21, 0)


def test_federal_holiday_is_skipped():
    # Monday 2026-01-19 is Martin Luther King Jr. Day.
    due = add_business_minutes(BUSINESS, eastern(2026, 1, 16, 20, 0), 120)
    assert due == eastern(2026, 1, 20, 10, 0)


def test_independence_day_observed_on_friday_is_closed():
    # 2026-07-04 is a Saturday; the federal holiday is observed on Friday 2026-07-03.
    assert not is_open(BUSINESS, eastern(2026, 7, 3, 12, 0))
    assert is_open(BUSINESS, eastern(2026, 7, 2, 12, 0))


def test_day_of_spring_forward_counts_real_minutes():
    # Sunday 2026-03-08 clocks go forward; Monday opens 09:00 EDT, 13:00 UTC.
    due = add_business_minutes(BUSINESS, eastern(2026, 3, 7, 12, 0), 0)
    assert due == dt.datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_year_end_rolls_into_january_past_new_years_day():
    due = add_business_minutes(BUSINESS, eastern(2026, 12, 31, 20, 30), 60)
    # 30 minutes on Dec 31, Jan 1 is a holiday, Jan 2-3 2027 a weekend: Monday Jan 4, 09:30.
    assert due == eastern(2027, 1, 4, 9, 30)


def test_a_calendar_without_hours_is_refused():
    with pytest.raises(NeverOpen):
        add_business_minutes(Schedule(), dt.datetime(2026, 1, 1, tzinfo=UTC), 10)


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_business_minutes(BUSINESS, dt.datetime(2026, 1, 1), 10)
