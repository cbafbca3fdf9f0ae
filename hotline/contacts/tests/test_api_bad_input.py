"""The intake API answers bad input with a 4xx in words, never a 500, and creates nothing."""

import pytest
from django.test import Client

from hotline.audit.models import AuditEvent
from hotline.contacts.models import Contact, IdempotencyKey
from hotline.contacts.tests.test_api import URL, api, token_for

pytestmark = pytest.mark.django_db


def send(client: Client, raw: str, method: str = "post", url: str = URL):
    return getattr(client, method)(
        url, raw, content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )


def assert_nothing_stored() -> None:
    assert Contact.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
    assert not AuditEvent.objects.filter(action="contact.create").exists()


@pytest.mark.parametrize("raw", ["false", "[]", '"x"', "12", "null", '[{"narrative": "x"}]'])
def test_a_body_that_is_not_a_json_object_is_a_422(personas, raw: str) -> None:
    response = send(api(token_for(personas["specialist"])), raw)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["msg"] == "The body must be a JSON object."
    assert_nothing_stored()


@pytest.mark.parametrize(
    "raw",
    [
        '{"narrative": "a\\u0000b"}',
        '{"caller_name": "\\u0000"}',
        '{"narrative": "\\ud800"}',
        '{"code_word": "x\\udfff"}',
    ],
)
def test_nul_characters_and_lone_surrogates_are_a_422(personas, raw: str) -> None:
    response = send(api(token_for(personas["specialist"])), raw)
    assert response.status_code == 422, response.content
    assert_nothing_stored()


@pytest.mark.parametrize(
    "raw",
    [
        '{"received_at": "0001-01-01T00:00:00Z"}',
        '{"received_at": "9999-12-31T23:59:59Z"}',
        '{"received_at": "1999-12-31T12:00:00Z"}',
        '{"follow_up_on": "0001-01-01"}',
        '{"follow_up_on": "9999-12-31"}',
    ],
)
def test_dates_outside_a_sane_window_are_a_422(personas, raw: str) -> None:
    response = send(api(token_for(personas["specialist"])), raw)
    assert response.status_code == 422, response.content
    assert "between the year 2000" in response.content.decode()
    assert_nothing_stored()


def test_a_recent_date_is_accepted(personas) -> None:
    raw = '{"received_at": "2026-01-05T10:00:00Z", "follow_up_on": "2027-01-01"}'
    assert send(api(token_for(personas["specialist"])), raw).status_code == 201


@pytest.mark.parametrize("query", ["?page=0", "?page=-1", "?page=9223372036854775808", "?page=x"])
def test_a_page_out_of_range_is_a_422(personas, query: str) -> None:
    response = api(token_for(personas["specialist"])).get(URL + query)
    assert response.status_code == 422, response.content


@pytest.mark.parametrize("contact_id", ["9223372036854775808", "99999999999999999999999"])
def test_an_id_out_of_range_is_a_404(personas, contact_id: str) -> None:
    client = api(token_for(personas["specialist"]))
    assert client.get(f"{URL}{contact_id}").status_code == 404
    response = send(client, '{"status": "closed"}', "patch", f"{URL}{contact_id}")
    assert response.status_code == 404


@pytest.mark.usefixtures("business_hours_always_open")  # new work, not a message taken
def test_a_patch_body_that_is_not_an_object_is_a_422(personas) -> None:
    client = api(token_for(personas["specialist"]))
    send(client, '{"narrative": "x"}')
    contact = Contact.objects.get()
    response = send(client, "[]", "patch", f"{URL}{contact.pk}")
    assert response.status_code == 422
    contact.refresh_from_db()
    assert contact.status == "new"


def test_every_4xx_is_in_the_openapi_document() -> None:
    spec = Client().get("/api/openapi.json").json()
    create = spec["paths"]["/api/contacts/"]["post"]["responses"]
    assert {"400", "401", "403", "422"} <= set(create)
    invalid = create["422"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    detail = spec["components"]["schemas"][invalid]["properties"]["detail"]
    assert {"array", "string"} == {option.get("type") for option in detail["anyOf"]}
    listing = spec["paths"]["/api/contacts/"]["get"]["responses"]
    assert {"401", "403", "422"} <= set(listing)
    one = spec["paths"]["/api/contacts/{contact_id}"]
    assert {"401", "403", "404"} <= set(one["get"]["responses"])
    assert {"401", "403", "404", "422"} <= set(one["patch"]["responses"])
