import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from hotline.directory.models import Address, ListingFlag, Organization, SearchEntry

pytestmark = pytest.mark.django_db


def test_specialist_in_the_demo_finds_minors_in_spanish_near_a_zip_and_flags_one(
    client_for,
) -> None:
    call_command("directory_demo", stdout=io.StringIO())
    assert Organization.objects.count() == 3006
    assert Address.objects.values("state_province").distinct().count() == 51  # 50 states and DC
    names = set(Organization.objects.values_list("name", flat=True))
    assert "National Human Trafficking Resource Center (NHTRC)" in names
    assert "U.S. Department of Justice Worker Exploitation Complaint Line" in names
    assert "HHS Rescue & Restore Victims of Human Trafficking Campaign" in names
    # Idempotent: a second run changes nothing.
    before = SearchEntry.objects.count()
    out = io.StringIO()
    call_command("directory_demo", stdout=out)
    assert "already loaded" in out.getvalue() and SearchEntry.objects.count() == before

    specialist = client_for("specialist")
    response = specialist.post(
        reverse("directory:search"),
        {"postal_code": "60601", "radius": "25", "populations": ["minors"], "languages": ["es"]},
    )
    body = response.content.decode()
    hits = response.context["results"].local
    assert hits, "no listing for minors in Spanish near 60601 in the demo data"
    assert [h.distance for h in hits] == sorted(h.distance for h in hits)
    for hit in hits:
        assert "Minors" in hit.reasons and "Spanish" in hit.reasons
    assert "Why it matched" in body and "1-888-3737-888" in body  # the hotline, national section
    flag_url = reverse("directory:flag", args=[hits[0].service_id])
    assert flag_url in body
    specialist.post(flag_url, {"reason": "disconnected"})
    assert ListingFlag.objects.get().service_id == hits[0].service_id
