"""Referring from one place: the side panel offers the directory search's filters and shows each
hit's distance, phone and why it matched, with a Refer button that records the referral in one
POST and comes back to the search; the full directory search opened from a contact refers too.
The caller's location travels in POST bodies only."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, Referral
from hotline.directory.importer import json_source, run_import
from hotline.directory.tests.hsds_data import as_tabular_json, package, uid

pytestmark = pytest.mark.django_db

NEAR = {"search_directory": "1", "postal_code": "60601", "radius": "25"}


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def a_contact(**fields) -> Contact:
    fields = {"postal_code": "60601", "city": "Chicago", "state": "IL", **fields}
    return receive(Contact(channel="phone", narrative="Caller asks for help (fictional)", **fields))


def refer_buttons(html: str) -> set[str]:
    """The services the page offers to refer to: each hit's Refer button carries its id."""
    return set(re.findall(r'name="service_id" value="([^"]+)"', html))


def addresses(html: str) -> list[str]:
    return re.findall(r'(?:href|action|formaction)="([^"]*)"', html)


def panel(client: Client, contact: Contact, **data) -> str:
    response = client.post(reverse("contacts:panel", args=[contact.pk]), {**NEAR, **data})
    assert response.status_code == 200
    return response.content.decode()


def test_the_panels_filters_narrow_the_results(directory, client_for) -> None:
    item = a_contact()
    client = client_for("specialist")
    everything = refer_buttons(panel(client, item))
    assert {uid("svc-a"), uid("svc-b"), uid("svc-b2"), uid("svc-n")} <= everything
    # Each filter of the directory's own search form, posted from the panel.
    assert refer_buttons(panel(client, item, populations="minors")) == {
        uid("svc-b"),
        uid("svc-b2"),
        uid("svc-n"),
    }
    assert refer_buttons(panel(client, item, languages="es", warm_transfer="on")) == {uid("svc-b")}
    assert refer_buttons(panel(client, item, open_24_7="on", categories="shelter")) == {
        uid("svc-b")
    }
    assert refer_buttons(panel(client, item, categories="legal")) == {uid("svc-a")}
    # The form offers every filter (as labels, not codes) and keeps what was chosen.
    html = panel(client, item, categories="legal")
    for label in ["Serves", "Language", "Trafficking type", "Open now", "Open 24/7"]:
        assert label in html
    assert re.search(r'name="categories" value="legal" id="[^"]+" checked', html)


def test_a_hit_shows_distance_phone_and_why_it_matched(directory, client_for) -> None:
    html = panel(client_for("specialist"), a_contact(), categories="legal")
    (hit,) = re.findall(r'<li class="hit">.*?</li>', html, re.S)
    assert "312-555-0100" in hit  # the clinic's phone
    assert re.search(r"\d+\.\d miles", hit)
    why = hit.split("Why it matched:")[1]
    assert "miles from" in why and "Legal" in why


def test_refer_in_one_post_records_it_and_comes_back_to_the_search(
    directory, client_for, personas
) -> None:
    item = a_contact()
    client = client_for("specialist")
    url = reverse("contacts:refer", args=[item.pk])
    data = {**NEAR, "categories": "legal", "service_id": uid("svc-a")}
    response = client.post(url, data)
    # The same body goes back to the panel (a 307 keeps the POST): the location is in no URL.
    assert response.status_code == 307
    assert response["Location"] == reverse("contacts:panel", args=[item.pk])
    referral = Referral.objects.get(contact=item)
    assert (str(referral.service_id), referral.referred_by) == (
        uid("svc-a"),
        personas["specialist"],
    )
    event = AuditEvent.objects.get(action="contact.refer")
    assert event.object_id == str(item.pk) and event.actor_id == personas["specialist"].pk

    page = client.post(url, data, follow=True)
    html = page.content.decode()
    assert page.redirect_chain == [(reverse("contacts:panel", args=[item.pk]), 307)]
    assert "Referral recorded: Survivor legal clinic." in html
    assert refer_buttons(html) == {uid("svc-a")}  # the search, filters and all, shown again
    assert "Lakeshore Survivor Services" in html.split("Referrals given")[1]
    assert Referral.objects.filter(contact=item).count() == 1  # referring twice is one referral
    assert AuditEvent.objects.filter(action="contact.refer").count() == 1


def test_refer_without_a_search_goes_back_to_the_contact(directory, client_for) -> None:
    item = a_contact()
    response = client_for("specialist").post(
        reverse("contacts:refer", args=[item.pk]), {"service_id": uid("svc-a")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[item.pk])


def test_one_who_may_not_change_the_contact_cannot_refer(directory, client_for, personas) -> None:
    # Assigned to program staff: another specialist may see it, but not change it.
    item = a_contact()
    Contact.objects.filter(pk=item.pk).update(assigned_to=personas["program_staff"])
    client = client_for("specialist")
    assert refer_buttons(panel(client, item)) == set()
    response = client.post(
        reverse("contacts:refer", args=[item.pk]), {**NEAR, "service_id": uid("svc-a")}
    )
    assert response.status_code == 403
    search = client.post(reverse("contacts:directory_search", args=[item.pk]), NEAR)
    assert search.status_code == 200
    assert refer_buttons(search.content.decode()) == set()
    assert "cannot be referred from here" in search.content.decode()
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(action="contact.refer").exists()


@pytest.mark.parametrize(("persona", "status"), [("curator", 403), ("liaison_a", 403)])
def test_the_full_search_for_a_contact_is_for_those_who_work_contacts(
    directory, client_for, persona, status
) -> None:
    item = a_contact()
    url = reverse("contacts:directory_search", args=[item.pk])
    client = client_for(persona)
    assert client.get(url).status_code == status
    assert client.post(url, NEAR).status_code == status
    assert (
        client_for("specialist").get(reverse("contacts:directory_search", args=[0])).status_code
        == 404
    )


def test_the_full_search_carries_the_contact_and_refers_to_its_results(
    directory, client_for, personas
) -> None:
    item = a_contact()
    client = client_for("specialist")
    detail = client.get(reverse("contacts:detail", args=[item.pk])).content.decode()
    full = reverse("contacts:directory_search", args=[item.pk])
    assert f'formaction="{full}"' in detail  # the panel's search opens in the full search

    page = client.get(full).content.decode()
    assert 'name="postal_code" value="60601"' in page  # the contact's place, in the page body
    html = client.post(full, {**NEAR, "languages": "es"}).content.decode()
    assert refer_buttons(html) == {uid("svc-b"), uid("svc-b2"), uid("svc-n")}
    assert f"Refer for {item.reference}" in html
    assert f'formaction="{reverse("contacts:refer", args=[item.pk])}"' in html
    seen = AuditEvent.objects.get(action="directory.search")
    assert (seen.object_id, seen.actor_id) == (str(item.pk), personas["specialist"].pk)

    data = {**NEAR, "languages": "es", "back": "search", "service_id": uid("svc-b")}
    response = client.post(reverse("contacts:refer", args=[item.pk]), data, follow=True)
    assert response.redirect_chain == [(full, 307)]
    assert refer_buttons(response.content.decode()) == {uid("svc-b"), uid("svc-b2"), uid("svc-n")}
    assert Referral.objects.filter(contact=item, service_id=uid("svc-b")).exists()


def test_the_callers_location_is_in_no_address(directory, client_for) -> None:
    item = a_contact(postal_code="60601", city="Chicago", state="IL")
    client = client_for("specialist")
    pages = [
        client.get(reverse("contacts:detail", args=[item.pk])).content.decode(),
        panel(client, item),
        client.get(reverse("contacts:directory_search", args=[item.pk])).content.decode(),
        client.post(reverse("contacts:directory_search", args=[item.pk]), NEAR).content.decode(),
    ]
    for html in pages:
        for address in addresses(html):
            assert "60601" not in address and "chicago" not in address.lower(), address
    response = client.post(
        reverse("contacts:refer", args=[item.pk]), {**NEAR, "service_id": uid("svc-a")}
    )
    assert "60601" not in response["Location"]


def test_a_long_list_does_not_push_the_library_down(client_for) -> None:
    data = package()
    for n in range(8):
        data["service"].append(
            {
                "id": uid(f"svc-more-{n}"),
                "organization_id": uid("org-a"),
                "name": f"Extra service {n}",
                "description": "More help (fictional).",
                "status": "active",
            }
        )
        data["service_at_location"].append(
            {
                "id": uid(f"sal-more-{n}"),
                "service_id": uid(f"svc-more-{n}"),
                "location_id": uid("loc-a"),
            }
        )
    run_import(json_source(as_tabular_json(data)))
    html = panel(client_for("specialist"), a_contact())
    shown, folded = html.split('<details class="more">', 1)
    assert len(re.findall(r'<li class="hit">', shown)) == 3  # the nearest three at once
    assert "Show 8 more" in folded  # 11 local hits: the rest behind "show more"
    # The panel starts with links to its two parts; the page with a skip link to the panel.
    assert 'href="#panel-library-heading"' in html and 'href="#side-panel"' in html


def test_panel_queries_do_not_grow_with_hits(
    directory, client_for, django_assert_max_num_queries
) -> None:
    item = a_contact()
    client = client_for("specialist")
    panel(client, item)  # warm the caches of the vocabulary
    with django_assert_max_num_queries(40) as few:
        panel(client, item, categories="legal")
    with django_assert_max_num_queries(len(few.captured_queries)):
        panel(client, item)
