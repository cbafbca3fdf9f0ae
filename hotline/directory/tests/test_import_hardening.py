"""Imports of files a data manager really has: archives too large to expand, values too long,
text that is not UTF-8, broken descriptors and rows, objects of other kinds and versions, the
official HSDS 3.0 examples. Every refusal is a listed problem and changes nothing."""

import copy
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.directory import exporter, hsds
from hotline.directory.exporter import Scope
from hotline.directory.importer import (
    ImportFailed,
    json_source,
    run_import,
    source,
    upload_source,
)
from hotline.directory.models import (
    Attribute,
    Metadata,
    Organization,
    Program,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from hotline.directory.tests.hsds_data import as_tabular_json, package, uid

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(include_confidential=True, listed_only=False)
EXAMPLES = Path("/work/shared/hsds-3.0/examples")
OFFICIAL_PACKAGE = Path("/work/shared/hsds-3.0/datapackage.json")


def load() -> None:
    run_import(json_source(as_tabular_json(package())))


def checksum() -> str:
    """Every row of every directory table, and the audit log's length, as one digest."""
    digest = hashlib.sha256()
    for table in hsds.TABLES:
        for row in table.model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    digest.update(str(AuditEvent.objects.count()).encode())
    return digest.hexdigest()


@pytest.fixture
def before() -> str:
    """Something already in the directory, which a refused import must leave as it was."""
    load()
    return checksum()


def package_zip(edit: Callable[[dict[str, bytes]], Any] | None = None) -> bytes:
    """The test package as an exported CSV datapackage, its members changed by `edit`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        exporter.write_datapackage(EVERYTHING, archive)
    members = {
        name: zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read(name)
        for name in zipfile.ZipFile(io.BytesIO(buffer.getvalue())).namelist()
    }
    if edit:
        edit(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def refused(source_name: str, content: bytes, kind: str = "auto") -> ImportFailed:
    with pytest.raises(ImportFailed) as failure:
        run_import(upload_source(source_name, content, kind))
    return failure.value


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def csv_bytes(lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode()


def set_cell(members: dict[str, bytes], file: str, row: int, field: str, value: str) -> None:
    lines = rows_of(members[file])
    lines[row][lines[0].index(field)] = value
    members[file] = csv_bytes(lines)


# --- 1. Archives and sizes ------------------------------------------------------------------


def bomb() -> bytes:
    """A small zip whose services.csv expands to 8 MB of one repeated line."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("services.csv", "w") as member,
    ):
        member.write(b"id,name\n")
        for _ in range(8):
            member.write(b"x" * (1 << 20))
    return out.getvalue()


def test_a_highly_compressed_member_is_refused_before_it_is_read(before: str) -> None:
    content = bomb()
    assert len(content) < 100_000
    [problem] = refused("bomb.zip", content).problems
    assert problem.file == "services.csv"
    assert "compressed" in problem.message and "HSDS_IMPORT_MAX_RATIO" in problem.message
    assert checksum() == before


@override_settings(HSDS_IMPORT_MAX_BYTES=20_000)
def test_an_archive_expanding_past_the_limit_is_refused(before: str) -> None:
    content = package_zip()
    expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert expanded > 20_000
    [problem] = refused("big.zip", content).problems
    assert problem.file == "big.zip"
    assert problem.message == (
        f"expands to {expanded} bytes; at most 20000 are taken (HSDS_IMPORT_MAX_BYTES)"
    )
    assert checksum() == before


@override_settings(HSDS_IMPORT_MAX_MEMBERS=5)
def test_an_archive_with_too_many_members_is_refused(before: str) -> None:
    [problem] = refused("many.zip", package_zip()).problems
    assert "at most 5 are taken (HSDS_IMPORT_MAX_MEMBERS)" in problem.message
    assert checksum() == before


@override_settings(HSDS_IMPORT_MAX_BYTES=1000)
def test_a_json_file_larger_than_the_limit_is_refused_unread(before: str, tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(as_tabular_json(package())))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("hsds_import", str(path), "--no-progress", stderr=err)
    assert "big.json: is " in err.getvalue() and "at most 1000 are taken" in err.getvalue()
    assert checksum() == before


def test_a_value_longer_than_the_limit_is_a_row_error_naming_it(before: str) -> None:
    tables = package()
    tables["organization"][1]["description"] = "x" * 100_001
    failure = refused("long.json", json.dumps(as_tabular_json(tables)).encode())
    assert [(p.file, p.row, p.field, p.message) for p in failure.problems] == [
        (
            "long.json",
            "organizations.csv/1",
            "description",
            "is longer than the limit of 100000 characters (HSDS_IMPORT_MAX_FIELD_CHARS)",
        )
    ]
    assert checksum() == before
    assert not Metadata.objects.filter(field_name="description").exists()


@override_settings(HSDS_IMPORT_MAX_FIELD_CHARS=1000)
def test_a_csv_value_longer_than_the_limit_is_a_row_error_naming_it(before: str) -> None:
    content = package_zip(lambda m: set_cell(m, "services.csv", 2, "description", "y" * 5000))
    [problem] = refused("long.zip", content).problems
    assert (problem.file, problem.row, problem.field) == ("services.csv", "3", "description")
    assert "limit of 1000 characters" in problem.message
    assert checksum() == before


def test_a_huge_csv_value_is_refused_without_reading_it_whole(before: str) -> None:
    content = package_zip(lambda m: set_cell(m, "services.csv", 1, "description", "z" * 300_000))
    [problem] = refused("huge.zip", content).problems
    assert (problem.file, problem.row) == ("services.csv", "2")
    assert "longer than the limit of 100000 characters" in problem.message
    assert checksum() == before


# --- 2. Every problem a row error ------------------------------------------------------------


def latin1_services(members: dict[str, bytes]) -> None:
    """Line 3 of services.csv (its second row) starts with a Latin-1 "é"."""
    lines = members["services.csv"].split(b"\n")
    lines[2] = "é".encode("latin-1") + lines[2]
    members["services.csv"] = b"\n".join(lines)


def test_a_csv_file_that_is_not_utf8_names_the_file_and_line(before: str) -> None:
    content = package_zip(latin1_services)
    problems = refused("latin1.zip", content).problems
    assert [(p.file, p.row) for p in problems] == [("services.csv", "3")]
    assert "is not UTF-8 text" in problems[0].message and "line 3" in problems[0].message
    assert checksum() == before


def test_rows_read_before_a_bad_byte_still_have_their_problems_named(before: str) -> None:
    # A whole batch of rows, and more (the decoder reads ahead), comes before the bad byte.
    def edit(members: dict[str, bytes]) -> None:
        lines = rows_of(members["services.csv"])
        header, first = lines[0], lines[1]
        rows = []
        for number in range(source.CHUNK + 200):
            row = list(first)
            row[header.index("id")] = uid(f"svc-copy-{number}")
            rows.append(row)
        rows[0][header.index("organization_id")] = uid("no-such-organization")
        members["services.csv"] = csv_bytes([header, *rows]) + "é\r\n".encode("latin-1")

    problems = refused("late.zip", package_zip(edit)).problems
    assert {(p.file, p.row, p.field) for p in problems} == {
        ("services.csv", "2", "organization_id"),
        ("services.csv", str(source.CHUNK + 202), ""),
    }
    assert checksum() == before


def test_a_json_file_that_is_not_utf8_says_so(before: str) -> None:
    text = json.dumps({"id": uid("o"), "name": "Café", "description": "d"}, ensure_ascii=False)
    [problem] = refused("latin1.json", ("\n" + text).encode("latin-1")).problems
    assert (problem.file, problem.row) == ("latin1.json", "line 2")
    assert "is not UTF-8 text" in problem.message
    assert checksum() == before


@pytest.mark.parametrize(
    "descriptor",
    [b'{"name": "x", "resources": [{"name": "organ', b"[1, 2]", b'{"resources": "all"}'],
)
def test_a_malformed_or_truncated_datapackage_json_is_one_problem(
    before: str, descriptor: bytes
) -> None:
    content = package_zip(lambda m: m.update({"datapackage.json": descriptor}))
    [problem] = refused("broken.zip", content).problems
    assert problem.file == "datapackage.json"
    assert (
        "is not valid JSON" in problem.message
        or "must be a JSON object" in problem.message
        or '"resources" must be a list' in problem.message
    )
    assert checksum() == before


@pytest.mark.parametrize("change", ["an unquoted comma", "a missing cell"])
def test_a_row_with_more_or_fewer_cells_than_its_header_is_refused(
    before: str, change: str
) -> None:
    def edit(members: dict[str, bytes]) -> None:
        lines = members["organizations.csv"].decode().split("\r\n")
        header = lines[0].split(",")
        cells = next(csv.reader([lines[1]]))
        if change == "an unquoted comma":
            cells[header.index("name")] = "Lakeshore, Survivor Services"
        else:
            cells = cells[:-1]
        lines[1] = ",".join(cells)  # written by hand, as a spreadsheet export gone wrong
        members["organizations.csv"] = "\r\n".join(lines).encode()

    failure = refused("shifted.zip", package_zip(edit))
    width = len(hsds.TABLE["organization"].fields)
    cells = width + 1 if change == "an unquoted comma" else width - 1
    assert [(p.file, p.row, p.field, p.message) for p in failure.problems] == [
        (
            "organizations.csv",
            "2",
            "",
            f"has {cells} cells but the header has {width} (a value holding a comma must be "
            "in double quotes)",
        )
    ]
    assert checksum() == before


def test_a_file_listed_in_datapackage_json_but_missing_is_a_problem(before: str) -> None:
    content = package_zip(lambda m: m.pop("phones.csv"))
    [problem] = refused("missing.zip", content).problems
    assert (problem.file, problem.field) == ("datapackage.json", "path")
    assert "'phones.csv'" in problem.message and "no such file" in problem.message
    assert checksum() == before


def test_warnings_are_kept_and_shown_when_an_import_fails(client_for) -> None:
    curator = client_for("curator")
    load()
    before = checksum()
    tables = as_tabular_json(package())
    tables["organizations.csv"][0]["colour"] = "green"  # unknown: a warning
    tables["services.csv"][0]["status"] = "open"  # a problem
    content = json.dumps(tables).encode()
    failure = refused("warned.json", content)
    assert failure.warnings == ["organization: ignored unknown fields colour"]
    response = curator.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("warned.json", content), "kind": "auto"},
    )
    assert response.status_code == 400
    assert "ignored unknown fields colour" in response.content.decode()
    assert checksum() == before


# --- 3. Knowing what a file is ----------------------------------------------------------------


def test_a_lone_location_is_refused_not_imported_as_an_organization(before: str) -> None:
    content = (EXAMPLES / "location.json").read_bytes()
    [problem] = refused("location.json", content).problems
    assert problem.message.startswith("is an HSDS location, which is imported inside")
    assert checksum() == before


def test_an_object_of_several_possible_kinds_needs_a_chosen_kind(tmp_path: Path) -> None:
    obj = {"id": uid("t-new"), "name": "Our taxonomy", "description": "Terms we use."}
    load()
    before = checksum()
    [problem] = refused("unsure.json", json.dumps(obj).encode()).problems
    assert problem.message.startswith("could be any of: organization, program, taxonomy")
    assert "choose the kind" in problem.message
    assert checksum() == before
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(obj))
    call_command("hsds_import", str(path), "--kind", "taxonomy", "--no-progress")
    assert Taxonomy.objects.filter(pk=obj["id"], name="Our taxonomy").exists()
    assert not Organization.objects.filter(pk=obj["id"]).exists()


def test_the_upload_page_takes_a_chosen_kind(client_for) -> None:
    obj = {"id": uid("t-page"), "name": "Page taxonomy", "description": "Chosen on the page."}
    curator = client_for("curator")
    url = reverse("directory:import")
    content = json.dumps(obj).encode()
    response = curator.post(url, {"file": SimpleUploadedFile("t.json", content), "kind": "auto"})
    assert response.status_code == 400 and "choose the kind" in response.content.decode()
    assert not Taxonomy.objects.filter(pk=obj["id"]).exists()
    response = curator.post(
        url, {"file": SimpleUploadedFile("t.json", content), "kind": "taxonomy"}
    )
    assert response.status_code == 200
    assert Taxonomy.objects.get(pk=obj["id"]).name == "Page taxonomy"


def older_package(members: dict[str, bytes]) -> None:
    descriptor = json.loads(members["datapackage.json"])
    descriptor["version"] = "2.0.1"
    descriptor["resources"].append({"name": "regular_schedule", "path": "regular_schedule.csv"})
    members["datapackage.json"] = json.dumps(descriptor).encode()
    members["regular_schedule.csv"] = b"id,service_id,weekday,opens_at\n"


def test_an_hsds_2_datapackage_is_named_as_such(before: str) -> None:
    [problem] = refused("v2.zip", package_zip(older_package)).problems
    assert problem.message == "this is HSDS 2.0.1; HSDS 3.0 is required"


def test_hsds_2_tables_without_a_descriptor_are_named_as_such(before: str) -> None:
    def edit(members: dict[str, bytes]) -> None:
        members.pop("datapackage.json")
        members["physical_addresses.csv"] = b"id,location_id,address_1\n"

    [problem] = refused("v2.zip", package_zip(edit)).problems
    assert "HSDS 2.x or older" in problem.message and "HSDS 3.0 is required" in problem.message
    assert checksum() == before


# --- 4. The standard's own constraints -------------------------------------------------------


def test_the_official_examples_import_with_warnings_for_parents_they_leave_out() -> None:
    result = run_import(json_source(json.loads((EXAMPLES / "organization_list.json").read_text())))
    organization = Organization.objects.get()
    assert organization.parent_organization_id is None
    assert [w for w in result.warnings if "parent_organization_id" in w] == [
        "organization: parent_organization_id named 1 organization row(s) that are not in the "
        "directory (cd09a387-91f4-4555-94ec-e799c35344cd); left empty"
    ]
    result = run_import(json_source(json.loads((EXAMPLES / "taxonomy_term.json").read_text())))
    assert any(w.startswith("taxonomy_term: parent_id named 1") for w in result.warnings)
    assert TaxonomyTerm.objects.get().parent_id is None


def test_the_official_examples_latitude_of_100_is_a_row_error() -> None:
    # The standard's own example location says latitude 100: outside -90...90.
    content = (EXAMPLES / "organization_full.json").read_bytes()
    [problem] = refused("organization_full.json", content).problems
    assert (problem.row, problem.field) == ("/locations/0", "latitude")
    assert not Organization.objects.exists()


def test_a_program_nested_in_a_service_need_not_repeat_its_organization() -> None:
    run_import(json_source(json.loads((EXAMPLES / "service_list.json").read_text())))
    service = Service.objects.get()
    program = Program.objects.get()
    assert service.program_id == program.pk
    assert program.organization_id == service.organization_id


@pytest.mark.parametrize(
    ("file", "field", "value", "message"),
    [
        ("organizations.csv", "email", "not-an-address", "must be an email address"),
        ("organizations.csv", "website", "lakeshore.example", "must be an absolute URI"),
        ("locations.csv", "latitude", 95, "must be a latitude between -90 and 90"),
        ("locations.csv", "longitude", -181.5, "must be a longitude between -180 and 180"),
    ],
)
def test_formats_the_schemas_declare_are_row_errors(
    before: str, file: str, field: str, value: Any, message: str
) -> None:
    tables = as_tabular_json(package())
    tables[file][0][field] = value
    [problem] = refused("formats.json", json.dumps(tables).encode()).problems
    assert (problem.row, problem.field) == (f"{file}/0", field)
    assert problem.message.startswith(message)
    assert checksum() == before


# --- 5. Exports that round-trip ---------------------------------------------------------------


def add_unreferenced_rows() -> None:
    """A taxonomy with no terms, an attribute of a taxonomy term, the change log of a
    taxonomy: nothing in the nested organizations holds them."""
    term = TaxonomyTerm.objects.order_by("pk").first()
    assert term is not None
    extra = {
        "taxonomies.csv": [
            {"id": uid("tax-empty"), "name": "Unused", "description": "No terms yet."}
        ],
        "attributes.csv": [
            {
                "id": uid("attr-term"),
                "link_id": str(term.pk),
                "link_entity": "taxonomy_term",
                "taxonomy_term_id": str(term.pk),
                "value": "self",
            }
        ],
        "metadata.csv": [
            {
                "id": uid("meta-tax"),
                "resource_id": uid("tax-empty"),
                "resource_type": "taxonomy",
                "last_action_date": "2026-01-02",
                "last_action_type": "create",
                "field_name": "name",
                "previous_value": "(none)",
                "replacement_value": "Unused",
                "updated_by": "curator",
            }
        ],
    }
    run_import(json_source(extra))


def test_the_nested_export_round_trips_through_an_empty_database(tmp_path: Path) -> None:
    load()
    add_unreferenced_rows()
    tabular = exporter.tabular(EVERYTHING)
    first = exporter.full_json(EVERYTHING)
    assert first["hsds_version"] == "3.0"
    assert {"organizations", "taxonomies", "taxonomy_terms"} <= first.keys()
    assert uid("tax-empty") in {row["id"] for row in first["taxonomies"]}
    assert uid("attr-term") in {row["id"] for row in first["attributes"]}
    assert uid("meta-tax") in {row["id"] for row in first["metadata"]}
    path = tmp_path / "full.json"
    path.write_text(json.dumps(first))
    for table in reversed(hsds.TABLES):
        table.model._default_manager.all().delete()
    call_command("hsds_import", str(path), "--no-progress")
    assert exporter.full_json(EVERYTHING) == first
    assert exporter.tabular(EVERYTHING) == tabular
    assert Attribute.objects.filter(pk=uid("attr-term")).exists()


def test_the_csv_datapackage_declares_the_standards_foreign_keys() -> None:
    official = {
        resource["name"]: {
            (key["fields"], key["reference"]["resource"])
            for key in resource["schema"].get("foreignKeys", [])
        }
        for resource in json.loads(OFFICIAL_PACKAGE.read_text())["resources"]
    }
    ours = {
        resource["name"]: {
            (key["fields"], key["reference"]["resource"])
            for key in resource["schema"]["foreignKeys"]
        }
        for resource in exporter.datapackage()["resources"]
    }
    assert ours == {name: official[name] for name in ours}
    assert ours["service_at_location"] == {("service_id", "service"), ("location_id", "location")}


# --- The upload page never answers 500 --------------------------------------------------------


def bad_files() -> dict[str, bytes]:
    long_value = copy.deepcopy(as_tabular_json(package()))
    long_value["organizations.csv"][0]["description"] = "x" * 100_001
    return {
        "bomb.zip": bomb(),
        "latin1.zip": package_zip(latin1_services),
        "broken.zip": package_zip(lambda m: m.update({"datapackage.json": b'{"resou'})),
        "missing.zip": package_zip(lambda m: m.pop("phones.csv")),
        "v2.zip": package_zip(older_package),
        "notazip.zip": b"PK\x03\x04 this is not a zip",
        "long.json": json.dumps(long_value).encode(),
        "latin1.json": '{"name": "Café"}'.encode("latin-1"),
        "truncated.json": b'{"id": "',
        "location.json": (EXAMPLES / "location.json").read_bytes(),
    }


def test_the_upload_page_lists_each_bad_files_problem_and_changes_nothing(client_for) -> None:
    curator = client_for("curator")
    load()
    before = checksum()
    for name, content in bad_files().items():
        response = curator.post(
            reverse("directory:import"),
            {"file": SimpleUploadedFile(name, content), "kind": "auto"},
        )
        assert response.status_code == 400, name
        assert "nothing was imported" in response.content.decode(), name
        assert checksum() == before, name


def test_the_import_command_reports_an_unreadable_file_without_a_traceback(
    tmp_path: Path,
) -> None:
    load()
    path = tmp_path / "latin1.zip"
    path.write_bytes(package_zip(latin1_services))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("hsds_import", str(path), "--no-progress", stderr=err)
    assert "services.csv, row 3: is not UTF-8 text" in err.getvalue()
