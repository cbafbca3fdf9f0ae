"""Search reads the circle in rings until the page is full and has the database count the rest:
the page, the total and the hints are what measuring every entry gives."""

import itertools
from pathlib import Path

import pytest

from hotline.directory import demo, geo
from hotline.directory import search as search_module
from hotline.directory.importer import directory_source, run_import
from hotline.directory.models import SearchEntry
from hotline.directory.search import Query, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def dense(tmp_path: Path) -> None:
    # 600 services at 800 locations, clustered in cities: dense enough that a page of 5 is
    # full long before the circle is read.
    demo.write_csv_package(tmp_path, demo.generate(120, 600, 800, seed=5))
    run_import(directory_source(tmp_path))


def measured(query: Query) -> list[tuple[float, int]]:
    """(distance, id) of every entry within the radius that passes the query's filters,
    measured one by one."""
    assert query.place is not None
    out = []
    entries = SearchEntry.objects.filter(national=False)
    for code in [f"category:{value}" for value in query.categories]:
        entries = entries.with_code(code)
    for entry_id, lat, lon in entries.values_list("id", "latitude", "longitude"):
        assert lat is not None and lon is not None
        miles = geo.miles_between(query.place.latitude, query.place.longitude, lat, lon)
        if miles <= query.radius:
            out.append((miles, entry_id))
    return sorted(out)


# Rings from 9 matches in the circle; or never (each circle read whole).
@pytest.mark.parametrize(("probe", "ringed"), [(8, True), (100000, False)])
def test_the_nearest_page_and_the_total_are_those_of_every_entry_measured(
    dense, probe: int, ringed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "PROBE", probe)
    busiest = (
        SearchEntry.objects.filter(national=False)
        .values_list("postal_code", flat=True)
        .order_by("postal_code")
    )
    postal_codes = sorted(set(busiest), key=list(busiest).count, reverse=True)[:3]
    checked = 0
    for postal_code, radius, categories in itertools.product(
        postal_codes, [5, 25, 250], [(), ("shelter",)]
    ):
        place = geo.zip_place(postal_code)
        if place is None:
            continue
        query = Query(place=place, radius=radius, categories=categories)
        expected = measured(query)
        results = search(query, limit=5)
        assert results.local_total == len(expected)
        assert [(hit.distance, hit.id) for hit in results.local] == expected[:5]
        checked += len(expected) > probe  # read in rings
    assert checked >= 3 if ringed else checked == 0


def test_an_entry_at_the_edge_of_the_circle_is_counted_by_its_exact_distance(
    dense, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "PROBE", 0)  # in rings whenever there is a match
    entry = SearchEntry.objects.filter(national=False).order_by("id").first()
    assert entry is not None and entry.latitude is not None and entry.longitude is not None
    # A place due north of the entry: its distance is then exactly the radius of the search
    # (or within a rounding of it); either way search and measuring must agree.
    place = geo.Place(entry.latitude + 0.2, entry.longitude, "", "")
    miles = geo.miles_between(place.latitude, place.longitude, entry.latitude, entry.longitude)
    for radius in [miles, miles - 1e-9, miles + 1e-9]:
        query = Query(place=place, radius=radius)
        expected = measured(query)
        results = search(query, limit=1)
        assert results.local_total == len(expected)
        assert [(hit.distance, hit.id) for hit in results.local] == expected[:1]


def test_counts_stop_past_the_cap_and_say_so(dense, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "PROBE", 8)
    monkeypatch.setattr(search_module, "COUNT_CAP", 10)
    entry = SearchEntry.objects.filter(national=False).order_by("id").first()
    assert entry is not None and entry.postal_code
    query = Query(place=geo.zip_place(entry.postal_code), radius=250)
    expected = measured(query)
    assert len(expected) > 10
    results = search(query, limit=5)
    assert results.local_more and results.local_total == 10
    assert [(hit.distance, hit.id) for hit in results.local] == expected[:5]
    # Nothing has this word: removing the keyword gives every entry, a count that stops too.
    results = search(Query(place=query.place, radius=250, keyword="zzyzx"), limit=5)
    assert results.local == [] and results.local_total == 0 and not results.local_more
    [suggestion] = results.suggestions
    assert suggestion.filter == "keyword" and suggestion.more and suggestion.count == 10
