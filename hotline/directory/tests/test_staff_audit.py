"""The staff pages that show confidential addresses write an audit event (ids only), as every
view of sensitive data does; the public pages, which show none, write nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.directory.importer import json_source, run_import
from hotline.directory.tests.hsds_data import SECRET_ADDRESS, as_tabular_json, package, uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def only_ids(event: AuditEvent) -> None:
    assert SECRET_ADDRESS not in str(event.detail)
    assert all(isinstance(value, int | bool) for value in event.detail.values())


def test_viewing_a_staff_listing_is_audited(directory, client_for, personas) -> None:
    url = reverse("directory:listing", args=[uid("org-b")])
    response = client_for("specialist").get(url)
    assert SECRET_ADDRESS in response.content.decode()  # the page staff use shows it
    event = AuditEvent.objects.get(action="directory.listing_view")
    assert (event.actor_id, event.object_id) == (personas["specialist"].pk, str(uid("org-b")))
    assert event.object_type == "directory.organization"
    only_ids(event)


def test_a_staff_search_is_audited_and_a_public_one_is_not(directory, client_for) -> None:
    query = {"postal_code": "60608", "radius": "250"}
    Client().post(reverse("directory:public_search"), query)
    assert not AuditEvent.objects.filter(action="directory.search").exists()
    response = client_for("specialist").post(reverse("directory:search"), query)
    assert SECRET_ADDRESS in response.content.decode()
    event = AuditEvent.objects.get(action="directory.search")
    assert event.detail["results"] > 0
    only_ids(event)
    # Looking at the empty form shows nothing and records nothing.
    client_for("specialist").get(reverse("directory:search"))
    assert AuditEvent.objects.filter(action="directory.search").count() == 1
