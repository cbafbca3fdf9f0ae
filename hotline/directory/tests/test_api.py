import json

import pytest
from django.test import Client

from hotline.directory.importer import json_source, run_import
from hotline.directory.tests.hsds_data import as_tabular_json, assert_valid, package, uid

pytestmark = pytest.mark.django_db
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
}


@pytest.fixture
def api() -> Client:
    run_import(json_source(as_tabular_json(package())))
    return Client()


def get(api: Client, path: str, **params) -> dict:
    response = api.get(f"/api/hsds{path}", params)
    assert response.status_code == 200, (path, response.status_code)
    return response.json()


def test_root_names_the_hsds_version(api) -> None:
    body = get(api, "/")
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/api/openapi.json")


def test_every_list_and_item_validates_against_the_hsds_schemas(api) -> None:
    lists = {
        "/services": "compiled/service_list",
        "/organizations": "compiled/organization_list",
        "/service_at_locations": "compiled/service_at_location_list",
        "/taxonomies": "taxonomy",
        "/taxonomy_terms": "taxonomy_term",
    }
    for path, schema in lists.items():
        body = get(api, path, per_page=500)
        assert body.keys() >= PAGE_KEYS
        assert body["contents"], path
        for item in body["contents"]:
            assert_valid(schema, item)
    for full_path, schema in [
        ("/services", "compiled/service"),
        ("/organizations", "compiled/organization"),
        ("/service_at_locations", "compiled/service_at_location"),
    ]:
        for item in get(api, full_path, full="true")["contents"]:
            assert_valid(schema, item)
    for service in get(api, "/services", per_page=500)["contents"]:
        assert_valid("compiled/service", get(api, f"/services/{service['id']}"))
    for org in get(api, "/organizations")["contents"]:
        assert_valid("compiled/organization", get(api, f"/organizations/{org['id']}"))
    for sal in get(api, "/service_at_locations")["contents"]:
        assert_valid("compiled/service_at_location", get(api, f"/service_at_locations/{sal['id']}"))
    for term in get(api, "/taxonomy_terms", per_page=5)["contents"]:
        assert_valid("taxonomy_term", get(api, f"/taxonomy_terms/{term['id']}"))
    for taxonomy in get(api, "/taxonomies")["contents"]:
        assert_valid("taxonomy", get(api, f"/taxonomies/{taxonomy['id']}"))


def test_paging_follows_hsds(api) -> None:
    first = get(api, "/services", per_page=3)
    assert (first["total_items"], first["total_pages"], first["size"]) == (4, 2, 3)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    second = get(api, "/services", per_page=3, page=2)
    assert second["size"] == 1 and second["last_page"]
    ids = {s["id"] for s in first["contents"]} | {s["id"] for s in second["contents"]}
    assert len(ids) == 4


def test_service_at_locations_near_a_postcode(api) -> None:
    body = get(api, "/service_at_locations", postcode="60601", proximity="8000")
    ids = [item["id"] for item in body["contents"]]
    # Both public locations lie within 8 km of 60601, the nearer first; the shelter is hidden.
    assert ids == [uid("sal-a"), uid("sal-b2")]
    close = get(api, "/service_at_locations", postcode="60601", proximity="100")
    assert [item["id"] for item in close["contents"]] == [uid("sal-a")]
    exact = get(api, "/service_at_locations", postcode="60647")
    assert [item["id"] for item in exact["contents"]] == [uid("sal-b2")]


def test_filters_by_taxonomy_term_and_organization(api) -> None:
    from hotline.directory import profile

    minors = profile.TERM_BY_CODE["population:minors"].id
    body = get(api, "/services", taxonomy_term_id=str(minors))
    assert {s["id"] for s in body["contents"]} == {uid("svc-b"), uid("svc-b2"), uid("svc-n")}
    body = get(api, "/services", organization_id=uid("org-a"))
    assert [s["id"] for s in body["contents"]] == [uid("svc-a")]


def test_withdrawn_listings_are_not_served(api) -> None:
    from hotline.directory.models import Organization

    Organization.objects.filter(pk=uid("org-a")).update(listing_status="withdrawn")
    assert api.get(f"/api/hsds/organizations/{uid('org-a')}").status_code == 404
    assert api.get(f"/api/hsds/services/{uid('svc-a')}").status_code == 404
    assert uid("org-a") not in str(get(api, "/organizations")["contents"])


def test_the_api_is_in_the_openapi_document_and_there_is_no_docs_page(api) -> None:
    document = api.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for path in [
        "/api/hsds/services",
        "/api/hsds/services/{service_id}",
        "/api/hsds/organizations",
        "/api/hsds/service_at_locations",
        "/api/hsds/taxonomies",
        "/api/hsds/taxonomy_terms",
    ]:
        assert path in document["paths"], path
    assert api.get("/api/docs").status_code == 404


LISTS = ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]
ITEMS = ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "params", [{"page": 2**63}, {"page": 0}, {"page": -1}, {"per_page": 0}, {"per_page": 501}]
)
def test_paging_out_of_range_is_a_422_on_every_list(api, path: str, params: dict) -> None:
    response = api.get(f"/api/hsds{path}", params)
    assert response.status_code == 422, (path, params, response.status_code)
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ITEMS)
def test_an_id_that_is_not_a_uuid_names_nothing(api, path: str) -> None:
    assert api.get(f"/api/hsds{path}/not-a-uuid").status_code == 404
    assert api.get(f"/api/hsds{path}/{uid('no-such-row')}").status_code == 404


def test_a_filter_id_that_is_not_a_uuid_is_a_422(api) -> None:
    for name in ["taxonomy_id", "taxonomy_term_id", "organization_id"]:
        assert api.get("/api/hsds/services", {name: "x"}).status_code == 422, name


def test_proximity_without_a_postcode_is_a_422(api) -> None:
    response = api.get("/api/hsds/service_at_locations", {"proximity": "8000"})
    assert response.status_code == 422
    assert response.json() == {"detail": "proximity needs a postcode"}


def test_services_at_location_filter_by_taxonomy_organization_and_modification(api) -> None:
    from hotline.directory import profile
    from hotline.directory.models import Service

    every = {s["id"] for s in get(api, "/service_at_locations", per_page=500)["contents"]}
    ours = get(api, "/service_at_locations", taxonomy_id=str(profile.TAXONOMY_ID))
    assert {s["id"] for s in ours["contents"]} <= every and ours["contents"]
    other = get(api, "/service_at_locations", taxonomy_id=uid("no-such-taxonomy"))
    assert other["contents"] == []
    org_b = get(api, "/service_at_locations", organization_id=uid("org-b"))
    assert {s["service"]["organization_id"] for s in org_b["contents"]} == {uid("org-b")}
    Service.objects.update(last_modified=None)
    Service.objects.filter(pk=uid("svc-b2")).update(last_modified="2026-06-01T12:00:00Z")
    recent = get(api, "/service_at_locations", modified_after="2026-06-01T00:00:00Z")
    assert [s["id"] for s in recent["contents"]] == [uid("sal-b2")]


def test_services_filter_by_modification_and_taxonomy(api) -> None:
    from hotline.directory import profile
    from hotline.directory.models import Service

    Service.objects.update(last_modified="2026-01-01T00:00:00Z")
    Service.objects.filter(pk=uid("svc-a")).update(last_modified="2026-06-01T12:00:00Z")
    recent = get(api, "/services", modified_after="2026-05-31")
    assert [s["id"] for s in recent["contents"]] == [uid("svc-a")]
    assert api.get("/api/hsds/services", {"modified_after": "last week"}).status_code == 422
    tagged = get(api, "/services", taxonomy_id=str(profile.TAXONOMY_ID))
    assert tagged["contents"]
    assert get(api, "/services", taxonomy_id=uid("no-such-taxonomy"))["contents"] == []


def test_minimal_services_are_only_ids_and_modification_times(api) -> None:
    from hotline.directory.models import Service

    Service.objects.filter(pk=uid("svc-a")).update(last_modified="2026-06-01T12:00:00Z")
    body = get(api, "/services", minimal="true", per_page=500)
    assert body["total_items"] == 4
    by_id = {item["id"]: item for item in body["contents"]}
    assert by_id[uid("svc-a")] == {"id": uid("svc-a"), "last_modified": "2026-06-01T12:00:00+00:00"}
    assert all(item.keys() <= {"id", "last_modified"} for item in body["contents"])


@pytest.mark.parametrize(
    ("path", "schema", "params"),
    [
        ("/services", "compiled/service", {"full": "true"}),
        ("/services", "compiled/service", {}),
        ("/organizations", "compiled/organization", {"full": "true"}),
        ("/service_at_locations", "compiled/service_at_location", {}),
        ("/taxonomy_terms", "taxonomy_term", {}),
        ("/taxonomies", "taxonomy", {}),
    ],
)
def test_ndjson_streams_every_item_without_paging(api, path: str, schema: str, params) -> None:
    paged = get(api, path, per_page=500, **params)
    response = api.get(f"/api/hsds{path}", {"format": "ndjson", "per_page": 1, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    items = [json.loads(line) for line in lines]
    assert items == paged["contents"] and len(items) == paged["total_items"]
    for item in items:
        assert_valid(schema, item)
    assert api.get(f"/api/hsds{path}", {"format": "xml"}).status_code == 422
