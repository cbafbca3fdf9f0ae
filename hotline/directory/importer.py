"""Import HSDS 3.0: JSON (single objects, lists, API pages, the compiled "full" forms, the tabular
JSON form) and the tabular CSV datapackage.

Validation comes first and reads everything; the import then writes all of it in one
transaction, or nothing. Every problem is reported with its file, row and field. Rows are
matched by id, so importing the same data again changes nothing, and importing changed data
updates the rows and writes one HSDS metadata entry per changed field.

CSV files are read twice (validate, then write) rather than held in memory, so that a 100,000
service datapackage imports in bounded memory.
"""

import csv
import io
import json
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.directory import hsds
from hotline.directory.hsds import TABLE, TABLES, Invalid, Table

CHUNK = 1000
MAX_PROBLEMS = 1000
RawRow = tuple[str, str, dict[str, Any]]  # file, row label, values
Progress = Callable[[str, int, int], None]

# Nested keys of the compiled forms: key -> (child table, the child's field that names the
# parent) or, with a leading "^", the parent's field that names the child (a to-one object).
NESTED: dict[str, dict[str, tuple[str, str]]] = {
    "organization": {
        "funding": ("funding", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "phones": ("phone", "organization_id"),
        "locations": ("location", "organization_id"),
        "programs": ("program", "organization_id"),
        "organization_identifiers": ("organization_identifier", "organization_id"),
        "services": ("service", "organization_id"),
    },
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("language", "service_id"),
        "funding": ("funding", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "contacts": ("contact", "service_id"),
        "organization": ("organization", "^organization_id"),
        "program": ("program", "^program_id"),
    },
    "service_at_location": {
        "contacts": ("contact", "service_at_location_id"),
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "location": ("location", "^location_id"),
        "service": ("service", "^service_id"),
    },
    "location": {
        "languages": ("language", "location_id"),
        "addresses": ("address", "location_id"),
        "contacts": ("contact", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
    "phone": {"languages": ("language", "phone_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "^taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "^taxonomy_id")},
}
KINDS = ["auto", "organization", "service", "service_at_location", "taxonomy", "taxonomy_term"]


@dataclass(frozen=True)
class Problem:
    file: str
    row: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in [self.file, self.row and f"row {self.row}"] if part)
        return f"{where}: {self.field + ' ' if self.field else ''}{self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Source:
    """Rows per table; each table's rows can be read more than once."""

    readers: dict[str, Callable[[], Iterator[RawRow]]]
    from_text: bool
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- JSON ---------------------------------------------------------------------------------------


def detect_kind(obj: dict[str, Any]) -> str:
    if "status" in obj or "service_at_locations" in obj:
        return "service"
    if "location" in obj or ("service_id" in obj and "location_id" in obj):
        return "service_at_location"
    if {"taxonomy_id", "parent_id", "code", "taxonomy_detail", "term_uri"} & obj.keys():
        return "taxonomy_term"
    if "version" in obj and "description" in obj and len(obj.keys() - {"uri", "metadata"}) <= 4:
        return "taxonomy"
    return "organization"


class _Flattener:
    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: dict[str, dict[str, tuple[str, dict[str, Any]]]] = defaultdict(dict)
        self.problems: list[Problem] = []

    def add(self, table: str, obj: Any, path: str, inject: dict[str, Any]) -> str | None:
        if not isinstance(obj, dict):
            self.problems.append(Problem(self.file, path, "", "must be an object"))
            return None
        flat: dict[str, Any] = {}
        children: list[tuple[str, Any, str, str]] = []
        nested = NESTED.get(table, {})
        for key, value in obj.items():
            if key in nested:
                children.append((key, value, *nested[key]))
            elif key in {"attributes", "metadata"}:
                children.append((key, value, key[:-1] if key == "attributes" else key, ""))
            else:
                flat[key] = value
        for key, value in inject.items():
            if flat.get(key) in (None, ""):
                flat[key] = value
        # A to-one child names itself in the parent row before the parent is stored.
        for _key, value, _child_table, link in children:
            if link.startswith("^") and isinstance(value, dict) and value.get("id"):
                flat.setdefault(link[1:], value["id"])
        row_id = flat.get("id")
        self._store(table, flat, path)
        for key, value, child_table, link in children:
            child_path = f"{path}/{key}"
            if link.startswith("^"):
                if value is not None:
                    self.add(child_table, value, child_path, {})
                continue
            if not isinstance(value, list):
                self.problems.append(Problem(self.file, child_path, key, "must be a list"))
                continue
            if key == "attributes":
                inject_child = {"link_id": row_id, "link_entity": table}
            elif key == "metadata":
                inject_child = {"resource_id": row_id, "resource_type": table}
            else:
                inject_child = {link: row_id}
            for index, item in enumerate(value):
                self.add(child_table, item, f"{child_path}/{index}", inject_child)
        return row_id if isinstance(row_id, str) else None

    def _store(self, table: str, flat: dict[str, Any], path: str) -> None:
        row_id = flat.get("id")
        if not isinstance(row_id, str) or not row_id:
            self.problems.append(Problem(self.file, path, "id", "is required"))
            return
        seen = self.rows[table].get(row_id)
        if seen is None:
            self.rows[table][row_id] = (path, flat)
            return
        # The compiled forms repeat rows (a location under each of its services): merge them,
        # and refuse two different values for one field.
        first_path, first = seen
        for key, value in flat.items():
            if first.get(key) in (None, ""):
                first[key] = value
            elif value not in (None, "") and first[key] != value:
                self.problems.append(
                    Problem(self.file, path, key, f"differs from the same {table} at {first_path}")
                )


def json_source(data: Any, file: str = "import.json", kind: str = "auto") -> Source:
    flattener = _Flattener(file)
    if isinstance(data, dict) and any(str(key).endswith(".csv") for key in data):
        # The tabular JSON form: {"organizations.csv": [rows], ...}.
        for key, rows in data.items():
            table = hsds.TABLE_BY_FILE.get(key)
            if table is None:
                continue
            if not isinstance(rows, list):
                flattener.problems.append(Problem(file, key, "", "must be a list"))
                continue
            for index, row in enumerate(rows):
                flattener.add(table.name, row, f"{key}/{index}", {})
    else:
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            data = data["contents"]  # an HSDS API page
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            path = f"/{index}" if isinstance(data, list) else ""
            if not isinstance(item, dict):
                flattener.problems.append(Problem(file, path or "/", "", "must be an object"))
                continue
            flattener.add(detect_kind(item) if kind == "auto" else kind, item, path, {})

    def reader(table: str) -> Callable[[], Iterator[RawRow]]:
        return lambda: ((file, path, row) for path, row in flattener.rows[table].values())

    return Source(
        readers={table.name: reader(table.name) for table in TABLES},
        from_text=False,
        counts={table: len(rows) for table, rows in flattener.rows.items()},
        problems=flattener.problems,
    )


# --- CSV datapackage ----------------------------------------------------------------------------


def _csv_rows(name: str, open_text: Callable[[], io.TextIOBase]) -> Iterator[RawRow]:
    with open_text() as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            yield name, str(line), {key: value for key, value in row.items() if key is not None}


def _count_lines(open_text: Callable[[], io.TextIOBase]) -> int:
    with open_text() as handle:
        return max(0, sum(1 for _ in csv.reader(handle)) - 1)


def _package_files(
    names: Iterable[str], read: Callable[[str], bytes]
) -> tuple[dict[str, str], list[str]]:
    """table -> member name, from datapackage.json when there is one, else by file name."""
    by_base = {Path(name).name: name for name in names}
    warnings = []
    files: dict[str, str] = {}
    if "datapackage.json" in by_base:
        package = json.loads(read(by_base["datapackage.json"]))
        base = str(Path(by_base["datapackage.json"]).parent)
        for resource in package.get("resources", []):
            table = TABLE.get(resource.get("name", ""))
            path = resource.get("path", "")
            member = path if base == "." else f"{base}/{path}"
            if table is None:
                warnings.append(f"resource {resource.get('name')!r} is not imported")
            elif member in names:
                files[table.name] = member
            elif Path(path).name in by_base:
                files[table.name] = by_base[Path(path).name]
    else:
        for table in TABLES:
            if table.file in by_base:
                files[table.name] = by_base[table.file]
    return files, warnings


def directory_source(directory: Path) -> Source:
    names = [str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()]
    files, warnings = _package_files(names, lambda name: (directory / name).read_bytes())

    def opener(member: str) -> Callable[[], io.TextIOBase]:
        return lambda: open(directory / member, encoding="utf-8-sig", newline="")

    return _csv_source(files, opener, warnings)


def zip_source(archive: zipfile.ZipFile) -> Source:
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    files, warnings = _package_files(names, archive.read)

    def opener(member: str) -> Callable[[], io.TextIOBase]:
        return lambda: io.TextIOWrapper(archive.open(member), encoding="utf-8-sig", newline="")

    return _csv_source(files, opener, warnings)


def _csv_source(
    files: dict[str, str], opener: Callable[[str], Callable[[], io.TextIOBase]], warnings: list[str]
) -> Source:
    readers: dict[str, Callable[[], Iterator[RawRow]]] = {}
    counts = {}
    for table, member in files.items():
        open_text = opener(member)
        readers[table] = partial(_csv_rows, Path(member).name, open_text)
        counts[table] = _count_lines(open_text)
    problems = [] if files else [Problem("", "", "", "no HSDS CSV files or datapackage.json found")]
    return Source(readers, True, counts, problems, warnings)


def open_source(path: Path, kind: str = "auto") -> Source:
    """A directory (datapackage), a .zip of one, or a .json file."""
    if path.is_dir():
        return directory_source(path)
    if path.suffix.lower() == ".zip":
        return zip_source(zipfile.ZipFile(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        return Source({}, False, {}, [Problem(path.name, "", "", f"is not JSON: {error}")])
    return json_source(data, path.name, kind)


def upload_source(name: str, content: bytes, kind: str = "auto") -> Source:
    if name.lower().endswith(".zip"):
        try:
            return zip_source(zipfile.ZipFile(io.BytesIO(content)))
        except zipfile.BadZipFile:
            return Source({}, True, {}, [Problem(name, "", "", "is not a zip archive")])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        return Source({}, False, {}, [Problem(name, "", "", f"is not JSON: {error}")])
    return json_source(data, name, kind)


# --- Validation ---------------------------------------------------------------------------------


def _parse_row(
    table: Table, raw: dict[str, Any], from_text: bool, file: str, label: str
) -> tuple[dict[str, Any], list[Problem]]:
    row: dict[str, Any] = {}
    problems = []
    for spec in table.fields:
        if spec.name not in raw:
            if spec.required:
                problems.append(Problem(file, label, spec.name, "is required"))
            continue
        try:
            value = hsds.parse(spec, raw[spec.name], from_text)
        except Invalid as error:
            problems.append(Problem(file, label, spec.name, str(error)))
            continue
        if spec.required and value in (None, ""):
            problems.append(Problem(file, label, spec.name, "is required"))
        row[spec.name] = value
    return row, problems


@dataclass
class Report:
    problems: list[Problem]
    counts: dict[str, int]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(source: Source, progress: Progress | None = None) -> Report:
    problems = list(source.problems)
    warnings = list(source.warnings)
    ids: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, int] = {}
    for table in TABLES:
        if table.name not in source.readers:
            continue
        unknown: set[str] = set()
        missing: dict[tuple[str, int], list[tuple[str, str, str]]] = defaultdict(list)
        seen = ids[table.name]
        count = 0
        known = set(table.field_names)
        for file, label, raw in source.readers[table.name]():
            count += 1
            unknown |= raw.keys() - known
            row, row_problems = _parse_row(table, raw, source.from_text, file, label)
            problems.extend(row_problems)
            row_id = row.get("id")
            if row_id is not None:
                if hsds.uuid_key(row_id) in seen and source.from_text:
                    problems.append(Problem(file, label, "id", "appears twice in this table"))
                seen.add(hsds.uuid_key(row_id))
            for spec in table.fields:
                target = spec.references
                if table.name == "attribute" and spec.name == "link_id":
                    entity = row.get("link_entity") or ""
                    target = entity if entity in TABLE else ""
                value = row.get(spec.name)
                if target and value is not None and hsds.uuid_key(value) not in ids[target]:
                    missing[(target, hsds.uuid_key(value))].append((file, label, spec.name))
            if progress and count % CHUNK == 0:
                progress(f"check {table.name}", count, source.counts.get(table.name, count))
        counts[table.name] = count
        if progress:
            progress(f"check {table.name}", count, count)
        if unknown:
            warnings.append(f"{table.name}: ignored unknown fields {', '.join(sorted(unknown))}")
        # References to rows that are not in this import must already be in the database.
        by_target: dict[str, list[int]] = defaultdict(list)
        for target, value in missing:
            # A row may name a parent that comes later in its own table.
            if not (target == table.name and value in seen):
                by_target[target].append(value)
        for target, values in by_target.items():
            model = TABLE[target].model
            found: set[int] = set()
            for start in range(0, len(values), CHUNK):
                chunk = [_uuid(value) for value in values[start : start + CHUNK]]
                found |= {
                    pk.int
                    for pk in model._default_manager.filter(pk__in=chunk).values_list(
                        "pk", flat=True
                    )
                }
            for value in values:
                if value not in found:
                    for file, label, name in missing[(target, value)]:
                        problems.append(
                            Problem(file, label, name, f"names a {target} that does not exist")
                        )
        if len(problems) > MAX_PROBLEMS:
            break
    return Report(problems[:MAX_PROBLEMS], counts, warnings)


def _uuid(value: int) -> Any:
    return uuid.UUID(int=value)


# --- Writing ------------------------------------------------------------------------------------


@dataclass
class Result:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[str] = field(default_factory=list)
    touched: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    touched_count: int = 0
    rebuild_index: bool = False

    def summary(self) -> dict[str, int]:
        return {
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "unchanged": sum(self.unchanged.values()),
        }


def run_import(
    source: Source,
    *,
    actor: Any = None,
    updated_by: str = "",
    progress: Progress | None = None,
    refresh_index: bool = True,
) -> Result:
    """Validate, then write everything in one transaction. Raises ImportFailed, having changed
    nothing, when anything is wrong."""
    report = validate(source, progress)
    if not report.ok:
        raise ImportFailed(report.problems)
    result = Result(warnings=report.warnings)
    who = updated_by or (actor.get_username() if actor is not None else "import")
    with transaction.atomic():
        for table in TABLES:
            if table.name in source.readers:
                _write_table(table, source, result, who, progress, report.counts)
        if refresh_index:
            from hotline.directory.index import rebuild_all, refresh_for_import

            if result.rebuild_index:
                rebuild_all()
            else:
                refresh_for_import(result.touched)
        record(
            "directory.import",
            actor=actor,
            detail={
                **{key: value for key, value in result.summary().items()},
                "services": report.counts.get("service", 0),
                "organizations": report.counts.get("organization", 0),
            },
        )
    return result


def _write_table(
    table: Table,
    source: Source,
    result: Result,
    who: str,
    progress: Progress | None,
    counts: dict[str, int],
) -> None:
    done = 0
    batch: list[dict[str, Any]] = []
    for _file, _label, raw in source.readers[table.name]():
        row, _ = _parse_row(table, raw, source.from_text, "", "")
        batch.append(row)
        if len(batch) >= CHUNK:
            _write_batch(table, batch, result, who)
            done += len(batch)
            batch = []
            if progress:
                progress(f"import {table.name}", done, counts.get(table.name, done))
    if batch:
        _write_batch(table, batch, result, who)
        done += len(batch)
    if progress:
        progress(f"import {table.name}", done, done)


REBUILD_INDEX_ABOVE = 20000
INDEXED = {"organization", "service", "location", "service_at_location"}
TOUCH = {"service_id", "location_id", "organization_id", "service_at_location_id"}


def _converters(model: type[models.Model]) -> list[tuple[str, str, Any, Callable[[Any], Any]]]:
    """(column, default, to-database) for every concrete field: what `bulk_create` would do per
    value, decided once per field, for an insert path several times faster."""
    ops, features = connection.ops, connection.features
    out: list[tuple[str, str, Any, Callable[[Any], Any]]] = []
    for column in model._meta.concrete_fields:
        if isinstance(column, models.AutoField | models.BigAutoField):
            continue  # the database numbers the row
        convert: Callable[[Any], Any] = _same
        target = column.target_field if isinstance(column, models.ForeignKey) else column
        if isinstance(target, models.UUIDField) and not features.has_native_uuid_field:
            convert = _hex
        elif isinstance(column, models.DateTimeField):
            convert = ops.adapt_datetimefield_value
        elif isinstance(column, models.DateField):
            convert = ops.adapt_datefield_value
        elif isinstance(column, models.TimeField):
            convert = ops.adapt_timefield_value
        elif isinstance(column, models.JSONField):
            convert = partial(column.get_db_prep_save, connection=connection)
        out.append((column.attname, column.column, column.get_default(), convert))
    return out


def _same_value(new: Any, old: Any) -> bool:
    if isinstance(old, uuid.UUID) and isinstance(new, str):
        return str(old) == new
    return bool(new == old)


def _same(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    if value is None:
        return None
    return value.replace("-", "") if isinstance(value, str) else value.hex


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert new rows (model attribute -> value) in one `executemany`."""
    fields = _converters(model)
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from the input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(column) for _, column, _, _ in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        tuple(
            convert(row[attname]) if attname in row else convert(default)
            for attname, _, default, convert in fields
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _write_batch(table: Table, rows: list[dict[str, Any]], result: Result, who: str) -> None:
    from hotline.directory.models import Metadata

    model = table.model
    attnames = [spec.attname for spec in table.fields]
    existing = {
        str(values["id"]): values
        for values in model._default_manager.filter(pk__in=[row["id"] for row in rows]).values(
            *attnames
        )
    }
    new, changed, log = [], [], []
    changed_fields: set[str] = set()
    today = timezone.localdate()
    for row in rows:
        kwargs = hsds.model_kwargs(table, row)
        old = existing.get(row["id"])
        if old is None:
            new.append(kwargs)
        else:
            diff = [
                spec
                for spec in table.fields
                if spec.name in row and not _same_value(kwargs[spec.attname], old[spec.attname])
            ]
            if not diff:
                result.unchanged[table.name] += 1
                continue
            merged = {**old, **{spec.attname: kwargs[spec.attname] for spec in diff}}
            changed.append(model(**merged))
            changed_fields |= {spec.attname for spec in diff}
            if table.name != "metadata":
                for spec in diff:
                    log.append(
                        Metadata(
                            resource_id=row["id"],
                            resource_type=table.name,
                            last_action_date=today,
                            last_action_type="update",
                            field_name=spec.name,
                            previous_value=hsds.to_text(spec, old[spec.attname]),
                            replacement_value=hsds.to_text(spec, kwargs[spec.attname]),
                            updated_by=who,
                        )
                    )
        touched = result.touched
        if result.rebuild_index:
            continue
        if result.touched_count > REBUILD_INDEX_ABOVE:
            # Past this many, the whole index is rebuilt: stop remembering ids.
            result.rebuild_index, result.touched = True, defaultdict(set)
            continue
        result.touched_count += 1
        if table.name in INDEXED:
            touched[table.name].add(row["id"])
        for name in TOUCH & row.keys():
            if row[name] is not None:
                touched[name[:-3]].add(row[name])
        if table.name == "attribute" and row.get("link_entity") in INDEXED:
            touched[str(row["link_entity"])].add(row.get("link_id"))
    if new:
        insert_rows(model, new)
        result.created[table.name] += len(new)
    if changed:
        model._default_manager.bulk_update(changed, sorted(changed_fields), batch_size=500)
        result.updated[table.name] += len(changed)
    if log:
        Metadata.objects.bulk_create(log, batch_size=500)
