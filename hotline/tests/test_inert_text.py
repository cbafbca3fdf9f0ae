"""Stored text cannot reorder what staff read: bidirectional override and isolate characters
(U+202A..U+202E, U+2066..U+2069) in anything a person typed are shown, not obeyed, on every staff
page. The marks U+200E, U+200F and U+061C are left as they are."""

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from conftest import default_service_hours
from hotline.accounts.middleware import InertTextMiddleware
from hotline.cases.actions import add_note, open_case
from hotline.cases.tests.conftest import add_victim
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, Notification
from hotline.directory.models import Organization, Service

pytestmark = pytest.mark.django_db
EVIL = "\u202eevil"
CONTROLS = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


def assert_inert(html: str) -> None:
    live = [f"U+{ord(c):04X}" for c in CONTROLS if c in html]
    assert not live, f"live bidi controls on the page: {live}"
    assert "[U+202E]evil" in html  # shown, so a reader knows it was there


@pytest.fixture
def stored(personas: dict[str, Any]) -> dict[str, Any]:
    default_service_hours()
    specialist = personas["specialist"]
    contact = receive(
        Contact(channel="phone", narrative=EVIL, caller_name=EVIL, city="Springfield"),
        actor=specialist,
    )
    Notification.objects.create(user=specialist, kind="crisis", contact=contact)
    case = open_case(actor=specialist, trafficking_type="sex", summary=EVIL, city=EVIL)
    add_note(case, EVIL, actor=specialist)
    victim = add_victim(case, name=EVIL, description=EVIL)
    organization = Organization.objects.create(name=EVIL, description=EVIL)
    Service.objects.create(organization=organization, name=EVIL, description=EVIL)
    return {"contact": contact, "case": case, "victim": victim, "organization": organization}


@pytest.mark.parametrize(
    ("persona", "name", "kwargs"),
    [
        ("specialist", "contacts:detail", {"contact_id": "contact"}),
        ("specialist", "contacts:edit", {"contact_id": "contact"}),
        ("specialist", "cases:detail", {"case_id": "case"}),
        ("specialist", "cases:edit", {"case_id": "case"}),
        ("specialist", "cases:victim", {"case_id": "case", "victim_id": "victim"}),
        ("specialist", "directory:listing", {"organization_id": "organization"}),
    ],
)
def test_stored_override_characters_are_inert_on_staff_pages(
    client_for: Any, stored: dict[str, Any], persona: str, name: str, kwargs: dict[str, str]
) -> None:
    url = reverse(name, kwargs={key: stored[value].pk for key, value in kwargs.items()})
    response = client_for(persona).get(url)
    assert response.status_code == 200
    assert_inert(response.content.decode())


def test_marks_and_ordinary_text_are_left_alone(client_for: Any, personas: dict[str, Any]) -> None:
    default_service_hours()
    contact = receive(
        Contact(channel="phone", narrative="\u200f\u0645\u0631\u062d\u0628\u0627\u200e \u061c ok"),
        actor=personas["specialist"],
    )
    url = reverse("contacts:detail", kwargs={"contact_id": contact.pk})
    html = client_for("specialist").get(url).content.decode()
    assert "\u200f\u0645\u0631\u062d\u0628\u0627\u200e \u061c ok" in html


def test_public_pages_and_downloads_are_left_as_they_are(client_for: Any) -> None:
    """Only staff pages are rewritten: a public page's text is the hotline's (translations may
    need isolates), and an answer that is not HTML (JSON, a file) is sent byte for byte."""
    isolated = "\u2067\u0645\u0631\u062d\u0628\u0627\u2069"
    organization = Organization.objects.create(
        name=isolated, description="d", listing_status="listed"
    )
    public = Client().get(reverse("directory:public_listing", args=[organization.pk]))
    assert isolated in public.content.decode()
    staff = client_for("specialist").get(reverse("directory:listing", args=[organization.pk]))
    assert isolated not in staff.content.decode() and "[U+2067]" in staff.content.decode()
    body = json.dumps({"name": EVIL}, ensure_ascii=False).encode()
    middleware = InertTextMiddleware(
        lambda request: HttpResponse(body, content_type="application/json")
    )
    assert middleware(RequestFactory().get("/console/x.json")).content == body
