import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.directory import geo
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import FlagReason, ListingFlag, SearchEntry
from hotline.directory.search import Query, search
from hotline.directory.tests.hsds_data import SECRET_ADDRESS, as_tabular_json, package, uid

pytestmark = pytest.mark.django_db


def U(name: str) -> uuid.UUID:
    return uuid.UUID(uid(name))


CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def near(postal_code: str = "60601", **filters) -> Query:
    return Query(place=geo.zip_place(postal_code), **filters)


def test_minors_in_spanish_near_a_zip_nearest_first_saying_why(directory) -> None:
    results = search(near(populations=("minors",), languages=("es",)))
    services = [hit.service_id for hit in results.local]
    assert set(services) == {U("svc-b"), U("svc-b2")}  # not the adults-only legal clinic
    distances = [hit.distance or 0.0 for hit in results.local]
    assert distances == sorted(distances) and distances[0] < 10
    for hit in results.local:
        assert any("miles from Chicago, IL 60601" in reason for reason in hit.reasons)
        assert "Minors" in hit.reasons and "Spanish" in hit.reasons
    # The national hotline is in a section of its own, never among local results.
    assert [hit.service_id for hit in results.national] == [U("svc-n")]


def test_staff_search_includes_confidential_shelters_public_search_does_not(directory) -> None:
    staff = search(near(categories=("shelter",)))
    assert [hit.service_id for hit in staff.local] == [U("svc-b")]
    assert staff.local[0].confidential
    public = search(near(categories=("shelter",), public=True))
    assert public.local == []


def test_radius_is_exact_not_the_bounding_box(directory) -> None:
    place = geo.zip_place("60601")
    entry = SearchEntry.objects.get(service_id=U("svc-b2"))
    assert place is not None and entry.latitude is not None and entry.longitude is not None
    distance = geo.miles_between(place.latitude, place.longitude, entry.latitude, entry.longitude)
    assert [
        h.service_id
        for h in search(near(radius=distance + 0.1, categories=("mental_health",))).local
    ]
    # A box of the same half-width holds it, the circle does not.
    assert not search(near(radius=distance - 0.1, categories=("mental_health",))).local


def test_no_match_says_which_filter_to_relax_and_how_many_results_that_gives(directory) -> None:
    results = search(near(populations=("minors",), categories=("legal",)))
    assert results.local == []
    suggestions = {s.filter: s.count for s in results.suggestions}
    assert suggestions["categories"] == 2  # minors without "legal": shelter and counseling
    assert suggestions["populations"] == 1  # legal without "minors": the clinic
    labels = " ".join(s.label for s in results.suggestions)
    assert "population: Minors" in labels and "service: Legal services" in labels


def test_open_now_uses_the_listing_s_own_time_zone(directory) -> None:
    tuesday_morning = dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHICAGO)
    sunday = dt.datetime(2026, 3, 8, 10, 0, tzinfo=CHICAGO)
    query = near(categories=("legal",), open_now=True)
    assert [h.service_id for h in search(query, now=tuesday_morning).local] == [U("svc-a")]
    assert search(query, now=sunday).local == []
    # A 24/7 shelter is open on Sunday too.
    shelter = near(categories=("shelter",), open_now=True)
    assert search(shelter, now=sunday).local


def test_keyword_and_features_filter(directory) -> None:
    assert [h.service_id for h in search(near(keyword="T-visa")).local] == [U("svc-a")]
    assert [h.service_id for h in search(near(warm_transfer=True)).local] == [U("svc-b")]
    assert "Mentions “T-visa”" in search(near(keyword="T-visa")).local[0].reasons


def test_search_page_takes_the_location_in_the_post_body(directory, client_for) -> None:
    client = client_for("specialist")
    url = reverse("directory:search")
    response = client.post(
        url,
        {"postal_code": "60601", "radius": "25", "populations": ["minors"], "languages": ["es"]},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "60601" not in response.request["PATH_INFO"]
    assert response.request.get("QUERY_STRING", "") == ""
    assert "Why it matched" in body and "Prairie Youth Shelter" in body
    assert SECRET_ADDRESS in body  # staff see the confidential address, marked as such
    assert "Confidential location" in body
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )


def test_unknown_zip_or_city_gets_a_clear_message(directory, client_for) -> None:
    client = client_for("specialist")
    url = reverse("directory:search")
    body = client.post(url, {"postal_code": "00000", "radius": "25"}).content.decode()
    assert "We have no US ZIP code 00000" in body
    body = client.post(url, {"city": "Atlantis", "state": "IL", "radius": "25"}).content.decode()
    assert "We have no city called Atlantis in IL" in body
    body = client.post(url, {"city": "chicago", "state": "IL", "radius": "25"}).content.decode()
    assert "listings near Chicago, IL" in body


def test_specialist_flags_a_listing_into_the_curators_queue(
    directory, client_for, personas
) -> None:
    specialist = client_for("specialist")
    response = specialist.post(
        reverse("directory:flag", args=[uid("svc-b")]),
        {"reason": FlagReason.NO_MINORS, "note": "Said on the phone they stopped."},
    )
    assert response.status_code == 302
    flag = ListingFlag.objects.get()
    assert (flag.service_id, flag.reason, flag.created_by) == (
        U("svc-b"),
        "no_minors",
        personas["specialist"],
    )
    event = AuditEvent.objects.get(action="directory.flag")
    assert event.detail == {"service": uid("svc-b"), "reason": "no_minors"}  # no free text
    queue = client_for("curator").get(reverse("directory:queue")).content.decode()
    assert "No longer serves minors" in queue and "Said on the phone they stopped." in queue
    client_for("curator").post(
        reverse("directory:flag_resolve", args=[flag.pk]), {"note": "Checked: service ended."}
    )
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolution_note == "Checked: service ended."


def test_other_reason_needs_a_note(directory, client_for) -> None:
    response = client_for("specialist").post(
        reverse("directory:flag", args=[uid("svc-b")]), {"reason": "other", "note": ""}
    )
    assert response.status_code == 200 and not ListingFlag.objects.exists()


def test_search_page_queries_do_not_grow_with_results(
    directory, client_for, django_assert_max_num_queries
) -> None:
    client = client_for("specialist")
    data = {"postal_code": "60601", "radius": "250"}
    with django_assert_max_num_queries(20):
        response = client.post(reverse("directory:search"), data)
    assert response.content.decode().count('class="hit"') == 4


def test_grid_squares_cover_the_whole_circle() -> None:
    for lat, lon, miles in [
        (41.88, -87.62, 25),
        (64.8, -147.7, 250),
        (19.7, -155.1, 50),
        (40.0, -75.0, 5),
    ]:
        lat_d, lon_d = geo.bounding_box(lat, lon, miles)
        squares = set(geo.cells(lat, lon, lat_d, lon_d))
        for dlat in (-lat_d, 0, lat_d):
            for dlon in (-lon_d, 0, lon_d):
                assert geo.cell(lat + dlat, lon + dlon) in squares
