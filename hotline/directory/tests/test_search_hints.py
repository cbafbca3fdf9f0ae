"""What a search that finds nothing says to relax, counted from one read of the circle per filter
mask, and the wider radius counted without a second look at squares known to hold no match."""

import datetime as dt
import itertools
import uuid
from zoneinfo import ZoneInfo

import pytest

from hotline.directory import geo
from hotline.directory.box import squares_inside
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import SearchEntry
from hotline.directory.search import Query, search
from hotline.directory.tests.hsds_data import as_tabular_json, package, uid

pytestmark = pytest.mark.django_db

SUNDAY = dt.datetime(2026, 3, 8, 10, 0, tzinfo=ZoneInfo("America/Chicago"))


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def near(postal_code: str = "60601", **filters) -> Query:
    return Query(place=geo.zip_place(postal_code), **filters)


def hints(query: Query, now: dt.datetime | None = None) -> dict[str, int]:
    results = search(query, now=now)
    assert results.local == [] and results.local_total == 0
    return {s.filter: s.count for s in results.suggestions}


def test_open_now_alone_hiding_a_match_is_a_filter_to_relax(directory) -> None:
    # On Sunday the legal clinic is closed: it fails "open now" only. The 24/7 shelter fails
    # "legal" only; the counseling drop-in, closed and not legal, fails two and counts for none.
    assert hints(near(categories=("legal",), open_now=True), now=SUNDAY) == {
        "open_now": 1,
        "categories": 1,
    }


def test_entries_failing_two_filters_count_for_neither(directory) -> None:
    # The clinic is neither Spanish-speaking nor for minors; the shelter and the drop-in fail
    # only "legal".
    query = near(categories=("legal",), languages=("es",), populations=("minors",))
    assert hints(query) == {"categories": 2}


def test_a_feature_among_three_filters(directory) -> None:
    query = near(populations=("minors",), warm_transfer=True, categories=("shelter", "legal"))
    assert search(query).local_total == 1  # the shelter: minors, warm transfers, a shelter
    # Without "shelter", it fails "legal" only; the clinic (adults, no warm transfers) and the
    # drop-in (no warm transfers, not legal) fail two each.
    query = near(populations=("minors",), warm_transfer=True, categories=("legal",))
    assert hints(query) == {"categories": 1}


def test_a_keyword_is_not_a_pattern(directory) -> None:
    # "_" and "%" are wildcards of SQL's LIKE; a keyword means the characters typed.
    assert [h.service_id for h in search(near(keyword="t-visa")).local] == [uuid.UUID(uid("svc-a"))]
    assert search(near(keyword="t_visa")).local == []
    assert search(near(keyword="t%visa")).local == []
    assert hints(near(keyword="t_visa", categories=("legal",))) == {"keyword": 1}


def test_wider_radius_counts_every_match_beyond_the_empty_circles(directory) -> None:
    # DeKalb: the Chicago listings lie 54 to 59 miles away. Nothing within 25 nor 50 miles,
    # so the 100-mile count leaves out the squares wholly inside 50 miles, and still finds all
    # three (the square of the Chicago listings is only partly inside).
    results = search(near("60115", radius=25))
    assert results.local_total == 0
    assert [(s.filter, s.count) for s in results.suggestions] == [("radius", 3)]
    assert "100 miles" in results.suggestions[0].label
    # Kenosha: the drop-in is 49 miles away, the others 51.
    results = search(near("53140", radius=25))
    assert [(s.filter, s.count) for s in results.suggestions] == [("radius", 1)]
    assert "50 miles" in results.suggestions[0].label


def test_wider_radius_count_honours_the_filters_and_open_now(directory) -> None:
    results = search(near("60115", radius=50, categories=("legal",)))
    assert {s.filter: s.count for s in results.suggestions} == {"radius": 1}
    results = search(near("60115", radius=50, categories=("legal",), open_now=True), now=SUNDAY)
    assert results.suggestions == []  # the clinic is closed on Sunday, wherever one looks


def test_a_square_counted_inside_the_circle_is_inside_at_every_point() -> None:
    steps = [i / 10 for i in range(11)]
    for (lat, lon), miles in itertools.product(
        [(41.93, -88.75), (61.2, -149.9), (25.77, -80.19), (47.6, -122.33), (0.1, 0.1)],
        [25, 50, 100, 250],
    ):
        lat_delta, lon_delta = geo.bounding_box(lat, lon, miles * 2.5)
        squares = geo.cells(lat, lon, lat_delta, lon_delta)
        inside = squares_inside(lat, lon, miles, squares)
        assert inside or miles < 50  # a test that finds no square inside would prove nothing
        for square in inside:
            row, column = divmod(square, 1000)
            south, west = row * geo.CELL_DEGREES - 90, column * geo.CELL_DEGREES - 180
            for a, b in itertools.product(steps, steps):
                point = (south + a * geo.CELL_DEGREES, west + b * geo.CELL_DEGREES)
                assert geo.miles_between(lat, lon, *point) <= miles


def test_hints_match_a_count_over_every_entry(directory) -> None:
    """The hints against a plain count: each filter left out in turn, over every entry."""
    place = geo.zip_place("60601")
    assert place is not None
    query = near(categories=("legal",), languages=("es",), radius=5)
    entries = [
        (codes, lat, lon)
        for codes, lat, lon in SearchEntry.objects.filter(national=False).values_list(
            "codes", "latitude", "longitude"
        )
        if lat is not None and lon is not None
    ]

    def count(categories: bool, languages: bool) -> int:
        return len(
            [
                codes
                for codes, lat, lon in entries
                if geo.miles_between(place.latitude, place.longitude, lat, lon) <= 5
                and (not categories or " category:legal " in codes)
                and (not languages or " language:es " in codes)
            ]
        )

    assert count(True, True) == 0
    assert hints(query) == {
        name: n
        for name, n in {"categories": count(False, True), "languages": count(True, False)}.items()
        if n
    }
