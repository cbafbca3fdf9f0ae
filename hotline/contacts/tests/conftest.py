import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline.contacts.views import public_form_limiter
from hotline.directory.importer import json_source, run_import
from hotline.directory.tests.hsds_data import as_tabular_json, package
from hotline.library.actions import ensure_vocabulary
from hotline.library.models import Audience, Resource

EASTERN = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _fresh_limiter() -> None:
    public_form_limiter.clear()


def eastern(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=EASTERN)


@pytest.fixture
def panel_sources(db: None) -> Resource:
    """What the side panel searches: the test directory (service "svc-a" near ZIP 60601) and
    one published library resource, which it returns."""
    run_import(json_source(as_tabular_json(package())))
    ensure_vocabulary()
    resource = Resource.objects.create(
        slug="labor-rights-card",
        title="Know your labor rights card",
        summary="Wallet card",
        resource_type="fact_sheet",
        is_published=True,
    )
    resource.audiences.set([Audience.objects.get(code="victims")])
    return resource
