import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline.contacts.views import public_form_limiter

EASTERN = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _fresh_limiter() -> None:
    public_form_limiter.clear()


def eastern(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=EASTERN)
