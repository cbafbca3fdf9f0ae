"""A confidential location's address and coordinates appear in no public response: public pages
(every matrix row whose anonymous outcome is 200, plus the directory's own pages with data),
the HSDS API, and exports made without the flag."""

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from hotline.directory import exporter
from hotline.directory.exporter import Scope
from hotline.directory.importer import json_source, run_import
from hotline.directory.tests.hsds_data import (
    SECRET_ADDRESS,
    SECRET_LATITUDE,
    SECRET_LONGITUDE,
    as_tabular_json,
    package,
    uid,
)
from hotline.tests.test_authorization_matrix import ROWS

pytestmark = pytest.mark.django_db
SECRETS = [
    SECRET_ADDRESS,
    str(SECRET_LATITUDE),
    str(SECRET_LONGITUDE),
    "Hidden Refuge",
    uid("loc-secret"),
    uid("addr-secret"),
    "312-555-0199",
]


def assert_clean(label: str, body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, (label, secret)


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def test_no_public_page_shows_a_confidential_address(directory, personas) -> None:
    client = Client()
    checked = 0
    for row in ROWS:
        if row.expect["anonymous"] != 200:
            continue
        url = reverse(row.name, kwargs=row.kwargs(personas))
        response = getattr(client, row.method)(url, row.data(personas))
        assert_clean(url, response.content.decode(errors="replace"))
        checked += 1
    assert checked > 10
    pages = [
        reverse("directory:public_listing", args=[uid("org-b")]),
        reverse("directory:public_listing", args=[uid("org-a")]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert_clean(url, response.content.decode())
    body = client.get(pages[0]).content.decode()
    assert "Youth emergency shelter" in body and "Location withheld for safety" in body
    for data in [
        {"postal_code": "60608", "radius": "250"},
        {"city": "Chicago", "state": "IL", "radius": "5"},
    ]:
        response = client.post(reverse("directory:public_search"), data)
        assert_clean("public search", response.content.decode())
        assert "Drop-in counseling" in response.content.decode()


def test_no_api_response_shows_a_confidential_address(directory) -> None:
    client = Client()
    paths = [
        "/api/hsds/services?full=true&per_page=500",
        "/api/hsds/organizations?full=true",
        "/api/hsds/service_at_locations?full=true",
        "/api/hsds/service_at_locations?postcode=60608&proximity=50000",
        "/api/hsds/service_at_locations?postcode=60608",
        f"/api/hsds/services/{uid('svc-b')}",
        f"/api/hsds/organizations/{uid('org-b')}",
        "/api/hsds/taxonomy_terms?per_page=500",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_clean(path, response.content.decode())
    assert client.get(f"/api/hsds/service_at_locations/{uid('sal-b')}").status_code == 404
    # The service itself is public; only where it is stays hidden.
    assert (
        client.get(f"/api/hsds/services/{uid('svc-b')}").json()["name"] == "Youth emergency shelter"
    )


def test_exports_without_the_flag_leave_confidential_locations_out(directory, client_for) -> None:
    for body in [json.dumps(exporter.tabular(Scope())), json.dumps(exporter.full_json(Scope()))]:
        assert_clean("export", body)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        exporter.write_datapackage(Scope(), archive)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        for name in archive.namelist():
            assert_clean(name, archive.read(name).decode())
    curator = client_for("curator")
    for fmt in ["csv", "tabular-json", "json"]:
        response = curator.post(reverse("directory:export"), {"format": fmt})
        content = response.content
        if fmt == "csv":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = b"".join(archive.read(name) for name in archive.namelist())
        assert_clean(fmt, content.decode())
    flagged = curator.post(
        reverse("directory:export"), {"format": "tabular-json", "include_confidential": "on"}
    )
    assert SECRET_ADDRESS in flagged.content.decode()
