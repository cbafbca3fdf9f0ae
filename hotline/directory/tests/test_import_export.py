import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.audit.models import AuditEvent
from hotline.directory import exporter, hsds
from hotline.directory.exporter import Scope
from hotline.directory.importer import ImportFailed, json_source, run_import, upload_source
from hotline.directory.models import Metadata, Organization, SearchEntry, Service
from hotline.directory.tests.hsds_data import (
    SECRET_ADDRESS,
    as_tabular_json,
    assert_valid,
    package,
    uid,
)

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(include_confidential=True, listed_only=False)


def load(tables=None):
    return run_import(json_source(as_tabular_json(tables or package())))


def counts() -> dict[str, int]:
    return {table.name: table.model._default_manager.count() for table in hsds.TABLES}


def export_zip(scope: Scope = EVERYTHING) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        exporter.write_datapackage(scope, archive)
    return buffer.getvalue()


def wipe() -> None:
    for table in reversed(hsds.TABLES):
        table.model._default_manager.all().delete()


def normalized(tabular: dict) -> dict:
    return {key: sorted(rows, key=lambda row: row["id"]) for key, rows in tabular.items()}


def test_import_stores_every_row_and_export_gives_the_same_data() -> None:
    load()
    source = as_tabular_json(package())
    exported = exporter.tabular(EVERYTHING)
    for file, rows in source.items():
        expected = sorted(
            ({k: v for k, v in row.items() if v not in ("", None)} for row in rows),
            key=lambda r: r["id"],
        )
        assert normalized(exported)[file] == expected, file


def test_csv_round_trip_import_export_import_gives_the_same_data() -> None:
    load()
    first = normalized(exporter.tabular(EVERYTHING))
    archive = export_zip()
    wipe()
    assert Organization.objects.count() == 0
    run_import(upload_source("export.zip", archive))
    assert normalized(exporter.tabular(EVERYTHING)) == first


def test_full_json_round_trip_gives_the_same_data(tmp_path: Path) -> None:
    load()
    first = normalized(exporter.tabular(EVERYTHING))
    path = tmp_path / "full.json"
    call_command("hsds_export", str(path), "--format", "json", "--include-confidential")
    wipe()
    call_command("hsds_import", str(path), "--no-progress")
    assert normalized(exporter.tabular(EVERYTHING)) == first


def test_reimport_updates_by_id_without_duplicates() -> None:
    load()
    before = counts()
    result = load()
    assert result.summary() == {"created": 0, "updated": 0, "unchanged": sum(before.values())}
    assert counts() == before


def test_reimport_of_a_change_updates_the_row_and_logs_each_changed_field() -> None:
    load()
    tables = package()
    tables["service"][0]["name"] = "Survivor legal clinic (renamed)"
    tables["service"][0]["minimum_age"] = 16
    result = load(tables)
    assert result.updated["service"] == 1
    assert Service.objects.get(pk=uid("svc-a")).name == "Survivor legal clinic (renamed)"
    log = Metadata.objects.filter(resource_id=uid("svc-a"), last_action_type="update")
    changes = {(m.field_name, m.previous_value, m.replacement_value) for m in log}
    assert ("name", "Survivor legal clinic", "Survivor legal clinic (renamed)") in changes
    assert ("minimum_age", "18", "16") in changes
    assert AuditEvent.objects.filter(action="directory.import").count() == 2


def bad_package_zip() -> bytes:
    """A datapackage with one problem of each kind, in different files."""
    load()
    archive = export_zip()
    wipe()
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name).decode()
            if name in {"services.csv", "addresses.csv", "phones.csv"}:
                rows = list(csv.DictReader(io.StringIO(data)))
                fields = list(rows[0].keys())
                if name == "services.csv":
                    rows[0]["status"] = "open"  # not in the enum
                    rows[1]["name"] = ""  # required
                    rows[2]["minimum_age"] = "ten"  # not a number
                if name == "addresses.csv":
                    rows[0]["id"] = "not-a-uuid"
                if name == "phones.csv":
                    rows[0]["service_id"] = uid("no-such-service")
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)
                data = buffer.getvalue()
            target.writestr(name, data)
    return out.getvalue()


def test_invalid_import_lists_every_problem_with_file_row_and_field_and_changes_nothing() -> None:
    archive = bad_package_zip()
    # Something already in the directory must survive untouched.
    tables = package()
    existing = {"organization": tables["organization"][:1]}
    load(existing)
    before = counts()
    events = AuditEvent.objects.count()
    with pytest.raises(ImportFailed) as failure:
        run_import(upload_source("bad.zip", archive))
    problems = {(p.file, p.row, p.field) for p in failure.value.problems}
    assert ("services.csv", "2", "status") in problems
    assert ("services.csv", "3", "name") in problems
    assert ("services.csv", "4", "minimum_age") in problems
    assert ("addresses.csv", "2", "id") in problems
    assert ("phones.csv", "2", "service_id") in problems
    assert len(failure.value.problems) == 5
    assert counts() == before
    assert AuditEvent.objects.count() == events


def test_import_command_reports_problems_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(bad_package_zip())
    err = io.StringIO()
    with pytest.raises(CommandError, match="5 problem"):
        call_command("hsds_import", str(path), stderr=err)
    assert "services.csv, row 2: status must be one of" in err.getvalue()
    assert Organization.objects.count() == 0


def test_import_command_shows_progress(tmp_path: Path) -> None:
    path = tmp_path / "pkg.zip"
    load()
    path.write_bytes(export_zip())
    wipe()
    out, err = io.StringIO(), io.StringIO()
    call_command("hsds_import", str(path), stdout=out, stderr=err)
    assert "import service" in err.getvalue() and "#" in err.getvalue()
    assert "created" in out.getvalue()
    assert Service.objects.count() == 4


def test_single_compiled_service_imports_with_its_nested_rows() -> None:
    load()
    graph = exporter.Graph.of(EVERYTHING)
    service = graph.service(graph.by_id["service"][uid("svc-a")])
    wipe()
    run_import(json_source(package_taxonomy_and(service)))
    assert Service.objects.get(pk=uid("svc-a")).organization.name.startswith("Lakeshore")


def package_taxonomy_and(obj: dict) -> list:
    tables = package()
    return [*tables["taxonomy_term"], obj]


def test_exported_json_validates_against_the_hsds_schemas() -> None:
    load()
    envelope = exporter.full_json(EVERYTHING)
    assert envelope["organizations"]
    for item in envelope["organizations"]:
        assert_valid("compiled/organization", item)
    for item in envelope["taxonomy_terms"]:
        assert_valid("taxonomy_term", item)
    for item in envelope["taxonomies"]:
        assert_valid("taxonomy", item)
    assert_valid("compiled/tabular", exporter.tabular(EVERYTHING))
    graph = exporter.Graph.of(EVERYTHING)
    for service in graph.by_id["service"].values():
        assert_valid("compiled/service", graph.service(service))


def test_export_without_the_flag_leaves_confidential_locations_out() -> None:
    load()
    public = json.dumps(exporter.full_json(Scope()))
    csv_text = zipfile.ZipFile(io.BytesIO(export_zip(Scope()))).read("addresses.csv").decode()
    assert SECRET_ADDRESS not in public and SECRET_ADDRESS not in csv_text
    assert uid("loc-secret") not in public
    assert "Youth emergency shelter" in public  # the service itself is still listed
    flagged = zipfile.ZipFile(io.BytesIO(export_zip(Scope(include_confidential=True))))
    assert SECRET_ADDRESS in flagged.read("addresses.csv").decode()


def test_import_builds_the_search_index() -> None:
    load()
    assert SearchEntry.objects.filter(national=True, service_id=uid("svc-n")).exists()
    secret = SearchEntry.objects.get(service_id=uid("svc-b"))
    assert secret.confidential and not secret.public
    assert " population:minors " in secret.codes and " language:es " in secret.codes


def test_curator_upload_page_imports_or_lists_every_problem(client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    bad = bad_package_zip()
    curator = client_for("curator")
    response = curator.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("bad.zip", bad), "kind": "auto"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "5 problems: nothing was imported" in body and "addresses.csv" in body
    assert Organization.objects.count() == 0
    good = json.dumps(as_tabular_json(package())).encode()
    response = curator.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("good.json", good), "kind": "auto"},
    )
    assert response.status_code == 200 and "created" in response.content.decode()
    assert Organization.objects.count() == 3
    event = AuditEvent.objects.filter(action="directory.import").last()
    assert event is not None and event.actor_id is not None
