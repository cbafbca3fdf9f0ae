import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from hotline.cases.actions import open_case
from hotline.cases.models import AgencyLink, Case, Consent, Victim
from hotline.directory.models import Organization


@pytest.fixture
def orgs(agencies) -> tuple[Organization, Organization]:
    """Directory organizations of agency A and agency B, linked for the portal."""
    agency_a, agency_b = agencies
    org_a = Organization.objects.create(name="County A Task Force (fictional)", description="d")
    org_b = Organization.objects.create(name="City B Police (fictional)", description="d")
    AgencyLink.objects.create(agency=agency_a, organization=org_a)
    AgencyLink.objects.create(agency=agency_b, organization=org_b)
    return org_a, org_b


@pytest.fixture
def case(personas) -> Case:
    return open_case(
        actor=personas["specialist"],
        trafficking_type="sex",
        typologies=["escort"],
        venue="hotel_motel",
        city="Springfield",
        state="IL",
        postal_code="62701",
        address="12 Hidden Lane, Apt 4",
        means=["force:confinement"],
        summary="Maria Lopez is held by Tony at 12 Hidden Lane, call 217-555-0199.",
    )


def add_victim(case: Case, **fields: Any) -> Victim:
    defaults: dict[str, Any] = {
        "name": "Maria Lopez",
        "age_group": "adult",
        "gender": "female",
        "citizenship": "foreign_national",
        "indicator_level": "high",
        "phone": "217-555-0199",
        "email": "maria.lopez@example.org",
        "address": "12 Hidden Lane, Apt 4",
        "code_word": "bluebird",
        "date_of_birth": dt.date(1999, 4, 17),
        "description": "Scar on left hand; works nights at the Sunset Motel.",
    }
    defaults.update(fields)
    return Victim.objects.create(case=case, **defaults)


def give_consent(
    victim: Victim,
    recipients: list[Organization],
    *,
    given_by: str = "victim",
    days: int = 30,
    given_days_ago: int = 1,
    purposes: list[str] | None = None,
) -> Consent:
    now = timezone.now()
    consent = Consent.objects.create(
        case=victim.case,
        victim=victim,
        given_by=given_by,
        giver_name="Rosa Lopez" if given_by == "guardian" else "",
        method="written",
        purposes=purposes or ["report"],
        given_at=now - dt.timedelta(days=given_days_ago),
        expires_at=now - dt.timedelta(days=given_days_ago) + dt.timedelta(days=days),
    )
    consent.recipients.set(recipients)
    return consent
