"""The consent form's recipient picker: a server-side type-ahead that works without JavaScript
(Find re-shows the form with the matches, keeping what was typed and ticked) and, with it, a
same-origin fragment of matches."""

import pytest
from django.urls import reverse

from hotline.cases.models import Consent
from hotline.cases.tests.conftest import add_victim
from hotline.directory.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(orgs) -> Organization:
    # Not linked to the portal and not of a recipient kind: not a possible recipient.
    return Organization.objects.create(name="County A Food Bank (fictional)", description="d")


def _data(victim, **more) -> dict:
    return {
        "victim": victim.pk,
        "given_by": "victim",
        "giver_name": "",
        "purposes": ["report"],
        "method": "written",
        "given_at": "2026-01-05T10:00",
        "expires_at": "2026-07-05T10:00",
        **more,
    }


def test_find_shows_the_matches_and_keeps_the_form_without_recording(
    client_for, case, orgs, listed
) -> None:
    victim = add_victim(case)
    org_a, org_b = orgs
    url = reverse("cases:consent_add", kwargs={"case_id": case.pk})
    client = client_for("specialist")
    first = client.get(url).content.decode()
    assert org_a.name in first and org_b.name in first  # the portal agencies, before typing
    found = client.post(url, _data(victim, recipient_q="task force", find="1"))
    page = found.content.decode()
    assert found.status_code == 200 and not Consent.objects.exists()
    assert org_a.name in page and org_b.name not in page and listed.name not in page
    assert 'role="alert"' not in page  # finding is not a failed submission
    assert 'value="2026-07-05T10:00"' in page  # what was typed stays
    # Ticked, then another search: the ticked one stays shown and ticked.
    again = client.post(
        url, _data(victim, recipient_q="police", find="1", recipients=[str(org_a.pk)])
    ).content.decode()
    assert org_a.name in again and org_b.name in again
    assert f'value="{org_a.pk}" checked' in again
    done = client.post(url, _data(victim, recipients=[str(org_a.pk), str(org_b.pk)]))
    assert done.status_code == 302
    assert set(Consent.objects.get().recipients.all()) == {org_a, org_b}


def test_an_organization_that_is_no_recipient_cannot_be_chosen(
    client_for, case, orgs, listed
) -> None:
    victim = add_victim(case)
    url = reverse("cases:consent_add", kwargs={"case_id": case.pk})
    response = client_for("specialist").post(url, _data(victim, recipients=[str(listed.pk)]))
    assert response.status_code == 200 and not Consent.objects.exists()
    assert 'role="alert"' in response.content.decode()
    bad = client_for("specialist").post(url, _data(victim, recipients=["not-a-uuid"], find="1"))
    assert bad.status_code == 200


def test_the_matches_as_you_type(client_for, orgs, listed) -> None:
    org_a, org_b = orgs
    client = client_for("specialist")
    url = reverse("cases:recipient_matches")
    police = client.get(url, {"q": "b police"}).content.decode()
    assert org_b.name in police and org_a.name not in police
    assert f'name="recipients" value="{org_b.pk}"' in police
    chosen = client.get(url, {"q": "", "chosen": [str(org_a.pk)]}).content.decode()
    assert org_a.name not in chosen and org_b.name in chosen
    assert "No agency matches." in client.get(url, {"q": "zzz"}).content.decode()
    assert listed.name not in client.get(url, {"q": "food"}).content.decode()


def test_the_script_is_same_origin_and_the_page_works_without_it(client_for, case, orgs) -> None:
    page = client_for("specialist").get(reverse("cases:consent_add", kwargs={"case_id": case.pk}))
    text = page.content.decode()
    assert 'cases/recipients.js" defer></script>' in text
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert 'name="find"' in text  # the Find button: no JavaScript needed
