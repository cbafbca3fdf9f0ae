"""The curators' edit screen: every changed field is logged in HSDS metadata, audited and seen by
search at once; a bad submit changes nothing; only curators may edit."""

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.directory import geo
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import (
    Address,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    SearchEntry,
    Service,
    ServiceAtLocation,
)
from hotline.directory.search import Query, search
from hotline.directory.tests.hsds_data import SECRET_ADDRESS, as_tabular_json, package, uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


class _FormReader(HTMLParser):
    """What a browser would send for the page's form, untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            checkable = a.get("type") in {"checkbox", "radio"}
            if checkable and "checked" not in a:
                return
            self.data.setdefault(a["name"], []).append(a.get("value", "on" if checkable else ""))
        elif tag == "select":
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select:
            chosen = [value for value, selected in self.options if selected]
            self.data[self.select] = chosen or [self.options[0][0]]
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data[self.textarea] = [self.text.removeprefix("\n")]
            self.textarea = None


def page_form(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    data = dict(reader.data)
    data.pop("csrfmiddlewaretoken", None)
    return data


def field_name(data: dict[str, Any], prefix: str, value: str, suffix: str) -> str:
    """The name of the field `suffix` of the form in formset `prefix` whose `id` is `value`."""
    for name, values in data.items():
        if name.startswith(prefix + "-") and name.endswith("-id") and values == [value]:
            return name.removesuffix("id") + suffix
    raise AssertionError(f"no form for {value} in {prefix}")


def edit_url(org: str) -> str:
    return reverse("directory:listing_edit", args=[org])


def test_saving_an_unchanged_form_changes_nothing(directory, client_for) -> None:
    curator = client_for("curator")
    data = page_form(curator, edit_url(uid("org-a")))
    before = Metadata.objects.count()
    response = curator.post(edit_url(uid("org-a")), data)
    assert response.status_code == 302
    assert Metadata.objects.count() == before
    assert not AuditEvent.objects.filter(action="directory.listing_edit").exists()


def test_an_edit_writes_metadata_audit_and_the_search_index(directory, client_for, personas):
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    data = page_form(curator, url)
    assert SearchEntry.objects.filter(service_id=uid("svc-a")).exists()
    old_name = Service.objects.get(pk=uid("svc-a")).name
    data["org-description"] = ["Legal help and case management for every survivor."]
    data[field_name(data, "services", uid("svc-a"), "name")] = ["Harbour legal clinic"]
    # A new phone number for the service, and hours on Saturday too.
    new_phone = int(data["phones-TOTAL_FORMS"][0]) - 1
    data[f"phones-{new_phone}-owner"] = [f"service:{uid('svc-a')}"]
    data[f"phones-{new_phone}-number"] = ["773-555-0987"]
    new_hours = int(data["schedules-TOTAL_FORMS"][0]) - 1
    data[f"schedules-{new_hours}-service"] = [uid("svc-a")]
    data[f"schedules-{new_hours}-days"] = ["SA"]
    data[f"schedules-{new_hours}-opens_at"] = ["10:00"]
    data[f"schedules-{new_hours}-closes_at"] = ["14:00"]
    response = curator.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    organization = Organization.objects.get(pk=uid("org-a"))
    assert organization.description == "Legal help and case management for every survivor."
    logged = {
        (m.resource_type, m.field_name, m.previous_value, m.replacement_value, m.last_action_type)
        for m in Metadata.objects.filter(updated_by="curator")
    }
    assert (
        "organization",
        "description",
        "Case management and legal help for survivors.",
        "Legal help and case management for every survivor.",
        "update",
    ) in logged
    assert ("service", "name", old_name, "Harbour legal clinic", "update") in logged
    phone = Phone.objects.get(number="773-555-0987")
    assert str(phone.service_id) == uid("svc-a") and phone.organization_id is None
    assert ("phone", "id", "", str(phone.pk), "create") in logged
    schedule = Schedule.objects.get(service_id=uid("svc-a"), opens_at=dt.time(10))
    assert schedule.byday == "SA" and schedule.freq == "WEEKLY"
    assert ("schedule", "id", "", str(schedule.pk), "create") in logged
    # Nothing else was touched: one entry per change.
    assert len(logged) == Metadata.objects.filter(updated_by="curator").count() == 4

    event = AuditEvent.objects.get(action="directory.listing_edit")
    assert (event.actor_id, event.object_id) == (personas["curator"].pk, uid("org-a"))
    assert event.detail == {"changes": 4, "deleted": 0}

    entry = SearchEntry.objects.filter(service_id=uid("svc-a")).first()
    assert entry is not None and entry.service_name == "Harbour legal clinic"
    assert entry.hours["SA"] == [["10:00", "14:00"]] and "SU" not in entry.hours
    # The referral search finds the service by its new name at once; the old name is gone.
    chicago = geo.zip_place("60601")
    found = search(Query(place=chicago, keyword="harbour")).local
    assert [str(hit.service_id) for hit in found] == [uid("svc-a")]
    assert old_name.lower() not in entry.text and "harbour legal clinic" in entry.text


def test_a_location_gets_its_address_and_services_and_search_follows(directory, client_for):
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    data = page_form(curator, url)
    new = int(data["locations-TOTAL_FORMS"][0]) - 1
    data[f"locations-{new}-name"] = ["Westside office"]
    data[f"locations-{new}-location_type"] = ["physical"]
    data[f"locations-{new}-latitude"] = ["41.8"]
    data[f"locations-{new}-longitude"] = ["-87.7"]
    data[f"locations-{new}-address_1"] = ["10 Sample Street"]
    data[f"locations-{new}-city"] = ["Chicago"]
    data[f"locations-{new}-state_province"] = ["IL"]
    data[f"locations-{new}-postal_code"] = ["60623"]
    data[f"locations-{new}-services"] = [uid("svc-a")]
    assert curator.post(url, data).status_code == 302
    location = Location.objects.get(name="Westside office")
    assert str(location.organization_id) == uid("org-a")
    assert Address.objects.get(location=location).address_1 == "10 Sample Street"
    assert ServiceAtLocation.objects.filter(location=location, service_id=uid("svc-a")).exists()
    assert SearchEntry.objects.filter(location=location, service_id=uid("svc-a")).exists()
    assert Metadata.objects.filter(
        resource_type="service_at_location", last_action_type="create"
    ).exists()

    # Unticking the service takes the location out of the service's search entries.
    data = page_form(curator, url)
    name = field_name(data, "locations", str(location.pk), "services")
    assert data[name] == [uid("svc-a")]
    data.pop(name)
    assert curator.post(url, data).status_code == 302
    assert not ServiceAtLocation.objects.filter(location=location).exists()
    assert not SearchEntry.objects.filter(location=location).exists()


def test_deleting_a_phone_is_logged(directory, client_for) -> None:
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    data = page_form(curator, url)
    phone = (
        Phone.objects.filter(service_id=uid("svc-a")).first()
        or Phone.objects.filter(organization_id=uid("org-a")).first()
    )
    assert phone is not None
    data[field_name(data, "phones", str(phone.pk), "DELETE")] = ["on"]
    assert curator.post(url, data).status_code == 302
    assert not Phone.objects.filter(pk=phone.pk).exists()
    assert Metadata.objects.filter(
        resource_id=phone.pk, last_action_type="delete", previous_value=str(phone.pk)
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("org-name", "", "This field is required."),
        ("org-email", "not an email", "Enter a valid email address."),
        ("services-0-maximum_age", "-3", "Give an age between 0 and 120."),
        ("schedules-new-closes_at", "08:00", "The closing time must be after the opening time."),
    ],
)
def test_a_bad_value_changes_nothing_and_says_why(
    directory, client_for, field: str, value: str, error: str
) -> None:
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    data = page_form(curator, url)
    # A good change beside the bad one: it must not be saved either.
    data["org-description"] = ["Changed."]
    if field.startswith("schedules-new"):
        new = int(data["schedules-TOTAL_FORMS"][0]) - 1
        data[f"schedules-{new}-opens_at"] = ["09:00"]
        field = f"schedules-{new}-closes_at"
    data[field] = [value]
    before = (
        Metadata.objects.count(),
        list(Organization.objects.values_list("name", "description", "email")),
        Schedule.objects.count(),
        SearchEntry.objects.count(),
    )
    response = curator.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved" in body and error in body
    after = (
        Metadata.objects.count(),
        list(Organization.objects.values_list("name", "description", "email")),
        Schedule.objects.count(),
        SearchEntry.objects.count(),
    )
    assert after == before
    assert not AuditEvent.objects.filter(action="directory.listing_edit").exists()


def test_too_many_rows_are_refused(directory, client_for) -> None:
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    data = page_form(curator, url)
    data["phones-TOTAL_FORMS"] = ["51"]
    for index in range(int(data["phones-INITIAL_FORMS"][0]), 51):
        data[f"phones-{index}-owner"] = ["organization"]
        data[f"phones-{index}-number"] = [f"312-555-{index:04d}"]
        data[f"phones-{index}-type"] = ["voice"]
    before = Phone.objects.count()
    assert curator.post(url, data).status_code == 400
    assert Phone.objects.count() == before


@pytest.mark.parametrize("persona", ["specialist", "supervisor", "program_staff", "liaison_a"])
def test_only_curators_may_edit(directory, client_for, persona: str) -> None:
    client = client_for(persona)
    url = edit_url(uid("org-a"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"org-name": "Taken over"}).status_code == 403
    assert Organization.objects.get(pk=uid("org-a")).name != "Taken over"


def test_the_staff_listing_links_to_the_edit_for_curators_only(directory, client_for) -> None:
    listing = reverse("directory:listing", args=[uid("org-a")])
    assert edit_url(uid("org-a")) in client_for("curator").get(listing).content.decode()
    assert edit_url(uid("org-a")) not in client_for("specialist").get(listing).content.decode()


def test_the_edit_page_warns_of_a_confidential_address_and_audits_the_view(
    directory, client_for, personas
) -> None:
    body = client_for("curator").get(edit_url(uid("org-b"))).content.decode()
    assert SECRET_ADDRESS in body
    assert "Confidential location: never share this address." in body
    event = AuditEvent.objects.get(action="directory.listing_view")
    assert (event.actor_id, event.object_id) == (personas["curator"].pk, uid("org-b"))


def test_the_edit_page_reads_a_fixed_number_of_queries(directory, client_for) -> None:
    """Queries do not grow with the listing's rows."""
    curator = client_for("curator")
    url = edit_url(uid("org-a"))
    curator.get(url)  # the session's first request reads more
    with CaptureQueriesContext(connection) as small:
        assert curator.get(url).status_code == 200
    organization = Organization.objects.get(pk=uid("org-a"))
    for n in range(5):
        service = Service.objects.create(organization=organization, name=f"Extra {n}")
        location = Location.objects.create(organization=organization, name=f"Place {n}")
        Address.objects.create(location=location, address_1=f"{n} Road", city="Chicago")
        ServiceAtLocation.objects.create(service=service, location=location)
        Phone.objects.create(service=service, number=f"312-555-01{n}0")
        Schedule.objects.create(service=service, byday="MO", opens_at=dt.time(9))
    with CaptureQueriesContext(connection) as large:
        assert curator.get(url).status_code == 200
    assert len(large) == len(small)
    assert len(small) <= 20
