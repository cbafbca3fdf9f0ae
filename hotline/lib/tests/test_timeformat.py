import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import date
from django.utils import timezone, translation

from hotline.lib.timeformat import ShortTimes

MOMENTS = [
    dt.datetime(2026, 1, 4, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC),  # the day clocks change in New York
    dt.datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Kolkata"])
def test_short_times_match_the_date_filter(language, zone) -> None:
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        times = ShortTimes()
        for moment in MOMENTS:
            # In a template, the filter is given the value in the current time zone.
            local = timezone.localtime(moment)
            assert times.text(moment) == date(local, "D j M H:i")
            assert times.iso(moment) == date(local, "c")
            assert times.day_and_time(moment) == date(local, "j M Y H:i")
