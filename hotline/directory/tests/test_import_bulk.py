"""The bulk import path: CSV read in batches and parsed a column at a time, references checked by
the database after writing, the search index rebuilt over ranges of service ids."""

import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from hotline.directory import demo, hsds, importer, index
from hotline.directory.importer import ImportFailed, directory_source, json_source, run_import
from hotline.directory.models import Language, Organization, SearchEntry, Service
from hotline.directory.tests.hsds_data import package, uid

pytestmark = pytest.mark.django_db


def write_package(path: Path, tables: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    rows = tables or package()
    demo.write_csv_package(path, ((name, row) for name, items in rows.items() for row in items))
    return path


def edit_csv(path: Path, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    """Rewrites a CSV file's lines (the header first) through `edit`."""
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(edit(lines))


def counts() -> dict[str, int]:
    return {table.name: table.model._default_manager.count() for table in hsds.TABLES}


def problems_of(path: Path) -> set[tuple[str, str, str, str]]:
    with pytest.raises(ImportFailed) as failure:
        run_import(directory_source(path))
    return {(p.file, p.row, p.field, p.message) for p in failure.value.problems}


def test_csv_import_stores_every_row(tmp_path: Path) -> None:
    tables = package()
    run_import(directory_source(write_package(tmp_path, tables)))
    assert counts() == {name: len(tables.get(name, [])) for name in counts()}
    service = Service.objects.get(pk=uid("svc-a"))
    assert service.minimum_age == 18 and str(service.assured_date) == "2025-01-15"
    assert service.program_id is not None and str(service.program_id) == uid("prog-a")


def test_an_id_given_twice_in_different_batches_is_refused_at_the_later_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer.source, "CHUNK", 2)
    path = write_package(tmp_path)
    edit_csv(path / "services.csv", lambda lines: [*lines, lines[1]])
    last = str(len(package()["service"]) + 2)
    assert problems_of(path) == {("services.csv", last, "id", "appears twice in this table")}
    assert sum(counts().values()) == 0


def test_rows_naming_a_row_that_has_a_problem_get_no_problem_of_their_own(tmp_path: Path) -> None:
    path = write_package(tmp_path)

    def blank_name(lines: list[list[str]]) -> list[list[str]]:
        lines[1][lines[0].index("name")] = ""
        return lines

    edit_csv(path / "services.csv", blank_name)
    # Phones, languages, schedules and service_at_location name that service: nothing more.
    assert problems_of(path) == {("services.csv", "2", "name", "is required")}


def test_an_attribute_naming_a_missing_row_of_its_entity_is_reported(tmp_path: Path) -> None:
    path = write_package(tmp_path)

    def dangle(lines: list[list[str]]) -> list[list[str]]:
        header = lines[0]
        row = next(line for line in lines[1:] if line[header.index("link_entity")] == "service")
        row[header.index("link_id")] = uid("no-such-service")
        return lines

    edit_csv(path / "attributes.csv", dangle)
    with pytest.raises(ImportFailed) as failure:
        run_import(directory_source(path))
    [problem] = failure.value.problems
    assert (problem.file, problem.field) == ("attributes.csv", "link_id")
    assert problem.message == "names a service that does not exist"
    assert Organization.objects.count() == 0


def test_problems_of_the_json_structure_and_of_values_are_listed_together() -> None:
    source = json_source(
        [
            {"name": "No id", "description": "An organization without an id."},
            {"id": uid("org-x"), "name": "X", "description": "X", "year_incorporated": "1990"},
        ]
    )
    with pytest.raises(ImportFailed) as failure:
        run_import(source)
    assert {(p.row, p.field, p.message) for p in failure.value.problems} == {
        ("/0", "id", "is required"),
        ("/1", "year_incorporated", "must be a number"),
    }
    assert Organization.objects.count() == 0


def test_a_parent_given_later_in_its_own_table_is_accepted(tmp_path: Path) -> None:
    tables = package()
    tables["organization"][0]["parent_organization_id"] = tables["organization"][-1]["id"]
    run_import(directory_source(write_package(tmp_path, tables)))
    child = Organization.objects.get(pk=tables["organization"][0]["id"])
    assert str(child.parent_organization_id) == tables["organization"][-1]["id"]


def test_blank_lines_are_skipped_and_rows_counted_as_csv_readers_count_them(
    tmp_path: Path,
) -> None:
    path = write_package(tmp_path)

    def blank_lines_and_a_bad_status(lines: list[list[str]]) -> list[list[str]]:
        lines[2][lines[0].index("status")] = "open"
        return [lines[0], [], lines[1], [], lines[2], *lines[3:]]

    edit_csv(path / "services.csv", blank_lines_and_a_bad_status)
    [(file, row, name, _)] = problems_of(path)
    assert (file, row, name) == ("services.csv", "3", "status")


def test_a_short_row_is_refused_with_its_line_and_changes_nothing(tmp_path: Path) -> None:
    path = write_package(tmp_path)
    edit_csv(path / "languages.csv", lambda lines: [lines[0], lines[1][:3], *lines[2:]])
    width = len(hsds.TABLE["language"].field_names)
    assert problems_of(path) == {
        (
            "languages.csv",
            "2",
            "",
            f"has 3 cells but the header has {width} (a value holding a comma must be in "
            "double quotes)",
        )
    }
    assert not Language.objects.exists()


def test_a_file_without_an_optional_column_leaves_that_field_alone_on_reimport(
    tmp_path: Path,
) -> None:
    run_import(directory_source(write_package(tmp_path / "first")))
    tables = package()
    tables["service"][0]["name"] = "Survivor legal clinic (renamed)"
    again = write_package(tmp_path / "again", {"service": tables["service"]})
    for other in again.glob("*"):
        if other.name != "services.csv":  # datapackage.json too: it lists the other files
            other.unlink()

    def without_description(lines: list[list[str]]) -> list[list[str]]:
        drop = lines[0].index("description")
        return [line[:drop] + line[drop + 1 :] for line in lines]

    edit_csv(again / "services.csv", without_description)
    result = run_import(directory_source(again))
    assert result.updated["service"] == 1
    service = Service.objects.get(pk=uid("svc-a"))
    assert service.name == "Survivor legal clinic (renamed)"
    assert service.description == package()["service"][0]["description"]


def test_a_file_without_a_required_column_reports_every_row(tmp_path: Path) -> None:
    path = write_package(tmp_path)

    def without_number(lines: list[list[str]]) -> list[list[str]]:
        drop = lines[0].index("number")
        return [line[:drop] + line[drop + 1 :] for line in lines]

    edit_csv(path / "phones.csv", without_number)
    rows = {str(line) for line in range(2, len(package()["phone"]) + 2)}
    assert problems_of(path) == {("phones.csv", row, "number", "is required") for row in rows}


def test_problems_past_the_limit_stop_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer.source, "MAX_PROBLEMS", 2)
    path = write_package(tmp_path)

    def bad_statuses(lines: list[list[str]]) -> list[list[str]]:
        for line in lines[1:]:
            line[lines[0].index("status")] = "open"
        return lines

    edit_csv(path / "services.csv", bad_statuses)
    assert len(problems_of(path)) == 2
    assert sum(counts().values()) == 0


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        return {
            name
            for table in hsds.TABLES
            for name, constraint in connection.introspection.get_constraints(
                cursor, table.model._meta.db_table
            ).items()
            if constraint["index"]
        }


def test_a_large_import_puts_back_every_index_it_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = index_names()
    monkeypatch.setattr(importer.run, "SET_ASIDE_ABOVE", 1)
    run_import(directory_source(write_package(tmp_path)))
    assert index_names() == before
    assert Service.objects.filter(organization_id=uid("org-a")).count() == 1


def entries() -> list[tuple[Any, ...]]:
    fields = [field.attname for field in SearchEntry._meta.concrete_fields if field.name != "id"]
    return sorted(
        SearchEntry.objects.values_list(*fields),
        key=lambda entry: (str(entry[0]), str(entry[2])),
    )


def test_rebuilding_the_index_over_ranges_gives_the_entries_a_refresh_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(directory_source(write_package(tmp_path)))  # small: refreshes touched services
    refreshed = entries()
    assert len(refreshed) == 4
    monkeypatch.setattr(index, "CHUNK", 2)  # several ranges, the last one open-ended
    index.rebuild_all()
    assert entries() == refreshed
    index.refresh(Service.objects.values_list("id", flat=True))
    assert entries() == refreshed


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("id", ["0B5E5A52-7A2E-4F0C-9D7E-4A8C3B1F0E21", "not-a-uuid", "", None]),
        ("program_id", ["", uid("p"), "{" + uid("p") + "}", None]),
        ("name", ["Clinic", "", "x" * 256, None]),
        ("status", ["active", "open", "", None]),
        ("minimum_age", ["18", " 7 ", "ten", "nan", "", None]),
        ("assured_date", ["2025-01-15", "15/01/2025", "", None]),
        ("last_modified", ["2025-01-15T10:00:00Z", "2025-01-15T10:00:00", "yesterday", ""]),
    ],
)
def test_a_column_parses_as_its_values_one_by_one(field: str, column: list[Any]) -> None:
    table = hsds.TABLE["service"]
    spec = next(spec for spec in table.fields if spec.name == field)
    parse_column = importer.check.column_parser(spec, from_text=True)
    expected_values: list[Any] = []
    expected_problems: dict[int, list[tuple[str, str]]] = {}
    for row, raw in enumerate(column):
        try:
            value = hsds.parse(spec, raw, True)
        except hsds.Invalid as error:
            expected_problems[row] = [(field, str(error))]
            expected_values.append(None)
            continue
        if spec.required and value in (None, ""):
            expected_problems[row] = [(field, "is required")]
        expected_values.append("" if value is None and spec.kind == "string" else value)
    # Each value alone (the fast path for most), then the whole column (the slow path when any
    # value is wrong).
    for rows in [[row] for row in range(len(column))] + [list(range(len(column)))]:
        bad: dict[int, list[tuple[str, str]]] = defaultdict(list)
        values = parse_column(tuple(column[row] for row in rows), len(rows), bad)
        assert list(values) == [expected_values[row] for row in rows]
        assert dict(bad) == {
            index: expected_problems[row]
            for index, row in enumerate(rows)
            if row in expected_problems
        }
