"""Times in lists: the `date:"D j M H:i"` and `date:"c"` template filters' output, built with
the names of days and months translated once per list instead of once per value (a list of 50
rows formats 100 times or more)."""

import datetime as dt

from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR


class ShortTimes:
    """Make one per request (the active language and time zone are read when it is made)."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.days = [str(WEEKDAYS_ABBR[i]) for i in range(7)]
        self.months = {i: str(MONTHS_3[i]).title() for i in range(1, 13)}

    def text(self, value: dt.datetime) -> str:
        """As `date:"D j M H:i"` in the current time zone."""
        local = value.astimezone(self.zone)
        return f"{self.days[local.weekday()]} {local.day} {self.months[local.month]} {local:%H:%M}"

    def day_and_time(self, value: dt.datetime) -> str:
        """As `date:"j M Y H:i"` in the current time zone."""
        local = value.astimezone(self.zone)
        return f"{local.day} {self.months[local.month]} {local.year} {local:%H:%M}"

    def iso(self, value: dt.datetime) -> str:
        """As `date:"c"`: ISO 8601 in the current time zone."""
        return value.astimezone(self.zone).isoformat()
