"""Import HSDS 3.0: JSON (single objects, lists, API pages, the compiled "full" forms, the tabular
JSON form) and the tabular CSV datapackage.

All or nothing: everything happens in one transaction, and any problem rolls all of it back.
Every problem is reported with its file, row and field. Rows are matched by id, so importing
the same data again changes nothing, and importing changed data updates the rows and writes one
HSDS metadata entry per changed field.

Each row is read and parsed once, then written in large batches (on PostgreSQL with COPY) while
the rest is still being read, so that a 100,000 service datapackage imports in minutes and in
bounded memory. Only what must be is kept between rows: the ids of the table being read, to
find ids given twice. Whether every referenced row exists is asked of the database once
everything is written (one query per foreign key); only when something is missing are the
files read again, to name the rows that refer to it.
"""

import contextlib
import csv
import io
import json
import operator
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, repeat
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.directory import hsds
from hotline.directory.hsds import TABLE, TABLES, Invalid, Table

CHUNK = 5000
MAX_PROBLEMS = 1000


class _Absent:
    """A field the input does not give (not the same as an empty one: an update leaves it)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass
class Batch:
    """Rows of one table, column by column: one sequence of raw values per field of the table
    (ABSENT where a row does not give it), or None when no row of the file has the field."""

    file: str
    labels: Sequence[Any]  # the rows' line numbers or JSON paths
    columns: list[Sequence[Any] | None]


# Reads a table's rows again each time it is called; adds field names it does not know to the set.
Reader = Callable[[set[str]], Iterator[Batch]]
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

    readers: dict[str, Reader]
    from_text: bool
    counts: dict[str, int]  # rows per table, for progress (an estimate for CSV files)
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

    def reader(table: Table) -> Reader:
        names, known = table.field_names, set(table.field_names)

        def batches(unknown: set[str]) -> Iterator[Batch]:
            rows = list(flattener.rows[table.name].values())
            for start in range(0, len(rows), CHUNK):
                part = [row for _, row in rows[start : start + CHUNK]]
                for row in part:
                    unknown |= row.keys() - known
                columns: list[Sequence[Any] | None] = [
                    [row.get(name, ABSENT) for row in part] for name in names
                ]
                yield Batch(file, [path for path, _ in rows[start : start + CHUNK]], columns)

        return batches

    return Source(
        readers={table.name: reader(table) for table in TABLES},
        from_text=False,
        counts={table: len(rows) for table, rows in flattener.rows.items()},
        problems=flattener.problems,
    )


# --- CSV datapackage ----------------------------------------------------------------------------


def _csv_batches(
    table: Table, name: str, open_binary: Callable[[], IO[bytes]], unknown: set[str]
) -> Iterator[Batch]:
    with io.TextIOWrapper(open_binary(), encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        position = {key: index for index, key in enumerate(header)}  # the last of a repeated name
        unknown |= position.keys() - set(table.field_names)
        present = [
            (index, position[key]) for index, key in enumerate(table.field_names) if key in position
        ]
        pick = _picker([cell for _, cell in present])
        first = 2  # the line of the first row, as csv.DictReader counts them
        while chunk := list(islice(reader, CHUNK)):
            rows: list[list[Any]] = [
                row for row in chunk if row
            ]  # as csv.DictReader, a blank line is no row
            if not rows:
                continue
            if set(map(len, rows)) != {width}:
                # A short row's missing cells are empty (None), a long row's extra cells ignored.
                rows = [row[:width] + [None] * (width - len(row)) for row in rows]
            columns: list[Sequence[Any] | None] = [None] * len(table.fields)
            if present:
                picked = zip(*map(pick, rows), strict=True)
                for (index, _), column in zip(present, picked, strict=True):
                    columns[index] = column
            yield Batch(name, range(first, first + len(rows)), columns)
            first += len(rows)


def _picker(indexes: list[int]) -> Callable[[list[Any]], Sequence[Any]]:
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return operator.itemgetter(*indexes)


def _count_rows(open_binary: Callable[[], IO[bytes]]) -> int:
    """Lines after the header: the number of rows unless a quoted cell holds a line break."""
    lines, last = 0, b"\n"
    with open_binary() as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(0, lines - (last == b"\n"))


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

    def opener(member: str) -> Callable[[], IO[bytes]]:
        return lambda: open(directory / member, "rb")

    return _csv_source(files, opener, warnings)


def zip_source(archive: zipfile.ZipFile) -> Source:
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    files, warnings = _package_files(names, archive.read)

    def opener(member: str) -> Callable[[], IO[bytes]]:
        return lambda: archive.open(member)

    return _csv_source(files, opener, warnings)


def _csv_source(
    files: dict[str, str], opener: Callable[[str], Callable[[], IO[bytes]]], warnings: list[str]
) -> Source:
    readers: dict[str, Reader] = {}
    counts = {}
    for name, member in files.items():
        open_binary = opener(member)
        readers[name] = _csv_reader(TABLE[name], Path(member).name, open_binary)
        counts[name] = _count_rows(open_binary)
    problems = [] if files else [Problem("", "", "", "no HSDS CSV files or datapackage.json found")]
    return Source(readers, True, counts, problems, warnings)


def _csv_reader(table: Table, name: str, open_binary: Callable[[], IO[bytes]]) -> Reader:
    return lambda unknown: _csv_batches(table, name, open_binary, unknown)


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


# --- Importing ----------------------------------------------------------------------------------


@dataclass
class Result:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[str] = field(default_factory=list)
    touched: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    touched_count: int = 0
    rebuild_index: bool = False
    rows: dict[str, int] = field(default_factory=dict)  # rows read per table

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
    """Check and write everything in one transaction. Raises ImportFailed, having changed
    nothing, when anything is wrong."""
    who = updated_by or (actor.get_username() if actor is not None else "import")
    with transaction.atomic(), bulk_cache():
        loader = _Loader(source, who, progress)
        loader.load()
        if loader.problems:
            raise ImportFailed(loader.problems[:MAX_PROBLEMS])
        result = loader.result
        if refresh_index:
            from hotline.directory.index import rebuild_all, refresh_for_import

            if result.rebuild_index:
                rebuild_all(progress)
            else:
                refresh_for_import(result.touched)
        record(
            "directory.import",
            actor=actor,
            detail={
                **{key: value for key, value in result.summary().items()},
                "services": result.rows.get("service", 0),
                "organizations": result.rows.get("organization", 0),
            },
        )
    return result


class _TooMany(Exception):
    """More problems than are worth listing: stop reading."""


class _Loader:
    def __init__(self, source: Source, who: str, progress: Progress | None) -> None:
        self.source, self.who, self.progress = source, who, progress
        self.problems: list[Problem] = list(source.problems)
        self.result = Result(warnings=list(source.warnings))
        # Ids of rows not written because of a problem: a row naming one has no second problem.
        self.unwritten: dict[str, set[str]] = defaultdict(set)

    def load(self) -> None:
        """Read, check and write every table, then check references; stop early once more
        problems than are worth listing were found (the caller rolls everything back)."""
        with contextlib.suppress(_TooMany):
            for table in TABLES:
                if table.name in self.source.readers:
                    self._load_table(table)
            self._check_references()

    def _problem(self, problem: Problem) -> None:
        self.problems.append(problem)
        if len(self.problems) > MAX_PROBLEMS:
            raise _TooMany

    def _load_table(self, table: Table) -> None:
        parsers = _column_parsers(table, self.source.from_text)
        writer = _TableWriter(table, self.result, self.who)
        large = writer.empty and self.source.counts.get(table.name, 0) >= SET_ASIDE_ABOVE
        with indexes_set_aside(table.model, large):
            self._read_table(table, parsers, writer)

    def _read_table(
        self, table: Table, parsers: list["ColumnParser"], writer: "_TableWriter"
    ) -> None:
        check_twice = self.source.from_text  # the JSON forms merge rows that repeat
        seen: set[Any] = set()
        unknown: set[str] = set()
        total = self.source.counts.get(table.name, 0)
        count = 0
        for batch in self.source.readers[table.name](unknown):
            size = len(batch.labels)
            count += size
            bad: dict[int, list[tuple[str, str]]] = defaultdict(list)
            columns = [
                parse(raw, size, bad) for parse, raw in zip(parsers, batch.columns, strict=True)
            ]
            ids = columns[0]
            if check_twice:
                keys = [None if pk is None else int(pk.replace("-", ""), 16) for pk in ids]
                if not seen.isdisjoint(keys) or len(set(keys)) != size:
                    for row, key in enumerate(keys):
                        if key is not None and key in seen:
                            bad[row].append(("id", "appears twice in this table"))
                        seen.add(key)
                else:
                    seen.update(keys)
                seen.discard(None)
            if bad:
                for row in sorted(bad):
                    if ids[row] is not None:
                        self.unwritten[table.name].add(ids[row])
                    for name, message in bad[row]:
                        self._problem(Problem(batch.file, str(batch.labels[row]), name, message))
                keep = [row for row in range(size) if row not in bad]
                columns = [[column[row] for row in keep] for column in columns]
                given: list[Sequence[Any] | None] = [
                    None if raw is None else [raw[row] for row in keep] for raw in batch.columns
                ]
            else:
                given = batch.columns
            if columns[0]:
                writer.write(columns, given)
            if self.progress:
                self.progress(f"import {table.name}", count, max(total, count))
        self.result.rows[table.name] = count
        if self.progress:
            self.progress(f"import {table.name}", count, count)
        if unknown:
            self.result.warnings.append(
                f"{table.name}: ignored unknown fields {', '.join(sorted(unknown))}"
            )

    def _check_references(self) -> None:
        """Asks the database for references to rows that exist neither in this import nor
        before it; then reads the files that have any again, to name the rows."""
        missing: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)  # -> value: target
        tables = [table for table in TABLES if table.name in self.source.readers]
        if self.progress:
            self.progress("check references", 0, len(tables))
        keys_hold = _foreign_keys_hold()
        for done, table in enumerate(tables):
            if self.progress:
                self.progress("check references", done, len(tables))
            for index, spec in enumerate(table.fields):
                if spec.references and not keys_hold:
                    for value in _dangling(table, spec, spec.references):
                        if value not in self.unwritten[spec.references]:
                            missing[(table.name, index)][value] = spec.references
            if table.name == "attribute":
                index = table.field_names.index("link_id")
                for target, value in _dangling_links():
                    if value not in self.unwritten[target]:
                        missing[("attribute", index)][value] = target
        if self.progress:
            self.progress("check references", len(tables), len(tables))
        for (name, index), values in missing.items():
            self._name_rows(TABLE[name], index, values)

    def _name_rows(self, table: Table, index: int, values: dict[str, str]) -> None:
        spec = table.fields[index]
        parse = hsds.parser(spec, self.source.from_text)
        entity = table.field_names.index("link_entity") if spec.name == "link_id" else None
        for batch in self.source.readers[table.name](set()):
            column = batch.columns[index] or []
            entities = batch.columns[entity] if entity is not None else None
            for row, raw in enumerate(column):
                try:
                    value = None if raw is ABSENT else parse(raw)
                except Invalid:
                    continue
                target = values.get(value) if value is not None else None
                if target is None or (entities is not None and entities[row] != target):
                    continue
                message = f"names a {target} that does not exist"
                self._problem(Problem(batch.file, str(batch.labels[row]), spec.name, message))


ColumnParser = Callable[
    [Sequence[Any] | None, int, dict[int, list[tuple[str, str]]]], Sequence[Any]
]


def _column_parsers(table: Table, from_text: bool) -> list[ColumnParser]:
    return [_column_parser(spec, from_text) for spec in table.fields]


def _column_parser(spec: hsds.Field, from_text: bool) -> ColumnParser:
    """Parses a column of raw values into the model's (absent or empty text is ""), adding
    each problem to its row as (field, message); a value with a problem is None.

    The common case, a column with nothing wrong, is checked with a few passes that run in C;
    only a column that fails them is parsed value by value, to find which rows are wrong."""
    name, required, text = spec.name, spec.required, spec.kind == "string"
    parse = hsds.parser(spec, from_text)
    default = "" if text else None
    match = hsds.UUID_TEXT.fullmatch
    allowed = {*spec.enum, ""}

    def fast(raw: Sequence[Any]) -> Sequence[Any] | None:
        if spec.kind in {"string", "uuid"}:
            if set(map(type, raw)) != {str} or (required and "" in raw):
                return None
            if text:
                if spec.enum and not set(raw) <= allowed:
                    return None
                if spec.max_length and max(map(len, raw), default=0) > spec.max_length:
                    return None
                return raw
            if "" in raw:
                if not all(map(match, filter(None, raw))):
                    return None
                return [value.lower() if value else None for value in raw]
            return list(map(str.lower, raw)) if all(map(match, raw)) else None
        try:
            values = list(map(parse, raw))
        except Invalid:
            return None
        return None if required and None in values else values

    def slow(raw: Sequence[Any], bad: dict[int, list[tuple[str, str]]]) -> list[Any]:
        values: list[Any] = []
        for row, given in enumerate(raw):
            if given is ABSENT:
                if required:
                    bad[row].append((name, "is required"))
                values.append(default)
                continue
            try:
                value = parse(given)
            except Invalid as error:
                bad[row].append((name, str(error)))
                values.append(None)
                continue
            if value is None or value == "":
                if required:
                    bad[row].append((name, "is required"))
                if text:
                    value = ""
            values.append(value)
        return values

    def parse_column(
        raw: Sequence[Any] | None, size: int, bad: dict[int, list[tuple[str, str]]]
    ) -> Sequence[Any]:
        if raw is None:  # the file has no such column
            if required:
                for row in range(size):
                    bad[row].append((name, "is required"))
            return [default] * size
        if ABSENT not in raw:
            values = fast(raw)
            if values is not None:
                return values
        return slow(raw, bad)

    return parse_column


def _foreign_keys_hold() -> bool:
    """On PostgreSQL, whether every foreign key holds, checked by the database now rather than
    at commit (the same work, done once). False elsewhere: SQLite has no such statement."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return True
    except IntegrityError:
        return False
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _dangling(table: Table, spec: hsds.Field, target: str) -> list[str]:
    """Distinct values of a foreign key that name no row of the target table."""
    quote = connection.ops.quote_name
    column = quote(_column(table.model, spec.attname).column)
    # Names come from the models, never from the input.
    sql = (
        f"SELECT DISTINCT c.{column} FROM {quote(table.model._meta.db_table)} c "  # noqa: S608
        f"WHERE c.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{quote(TABLE[target].model._meta.db_table)} p WHERE p.id = c.{column})"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {MAX_PROBLEMS + 1}")
        return [_text_id(value) for (value,) in cursor.fetchall()]


def _dangling_links() -> list[tuple[str, str]]:
    """(table, id) of attributes whose link_id names no row of the table named by link_entity."""
    quote = connection.ops.quote_name
    attribute = quote(TABLE["attribute"].model._meta.db_table)
    # Names come from the models, never from the input.
    tests = " OR ".join(
        f"(a.link_entity = %s AND NOT EXISTS (SELECT 1 FROM {quote(table.model._meta.db_table)}"  # noqa: S608
        " p WHERE p.id = a.link_id))"
        for table in TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.link_entity, a.link_id FROM {attribute} a "  # noqa: S608
            f"WHERE {tests} LIMIT {MAX_PROBLEMS + 1}",
            [table.name for table in TABLES],
        )
        return [(entity, _text_id(value)) for entity, value in cursor.fetchall()]


def _text_id(value: Any) -> str:
    """A uuid as the database returns it (a UUID, or 32 hex digits on SQLite) as HSDS text."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def db_id(value: "str | uuid.UUID") -> Any:
    """A uuid as the database compares it in raw SQL."""
    if connection.features.has_native_uuid_field:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    return value.hex if isinstance(value, uuid.UUID) else value.replace("-", "")


# --- Writing ------------------------------------------------------------------------------------

SET_ASIDE_ABOVE = 50000
SQLITE_CACHE_KIB = 65536


@contextmanager
def bulk_cache() -> Iterator[None]:
    """On SQLite, a page cache of 64 MiB instead of 2 while importing: rows land all over the
    tables' id indexes, and with the small cache every other insert reads a page back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def indexes_set_aside(model: type[models.Model], large: bool) -> Iterator[None]:
    """On SQLite, filling a large empty table is faster without its secondary indexes, made
    again once it is filled (inside the transaction: readers keep their snapshot; on PostgreSQL
    dropping an index would make them wait). Not an index on a column naming the table's own
    rows: SQLite uses that one to check them."""
    if not large or connection.vendor != "sqlite":
        yield
        return
    table = model._meta.db_table
    own = {
        column.column
        for column in model._meta.concrete_fields
        if isinstance(column, models.ForeignKey) and column.related_model is model
    }
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        names = [
            name
            for name, constraint in constraints.items()
            if constraint["index"]
            and not constraint["unique"]
            and not constraint["primary_key"]
            and not own & set(constraint["columns"])
        ]
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [table],
        )
        statements = [sql for name, sql in cursor.fetchall() if name in names and sql]
        for name in names:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


REBUILD_INDEX_ABOVE = 20000
INDEXED = {"organization", "service", "location", "service_at_location"}
TOUCH = {"service_id", "location_id", "organization_id", "service_at_location_id"}


class _TableWriter:
    """Writes batches of parsed rows: new rows in one statement, changed rows with a metadata
    entry per changed field."""

    def __init__(self, table: Table, result: Result, who: str) -> None:
        self.table, self.result, self.who = table, result, who
        self.attnames = [spec.attname for spec in table.fields]
        self.insert = inserter(table.model, self.attnames)
        # Rows of a table that was empty when the import began can only be new: the ids given
        # twice in the import were refused before writing.
        self.empty = not _exists(table.model)
        self.touch = [
            (index, spec.name[:-3])
            for index, spec in enumerate(table.fields)
            if spec.name in TOUCH and spec.name[:-3] in INDEXED
        ]
        self.link = (
            (table.field_names.index("link_entity"), table.field_names.index("link_id"))
            if table.name == "attribute"
            else None
        )

    def write(self, columns: list[Sequence[Any]], given: list[Sequence[Any] | None]) -> None:
        """Writes parsed rows, given column by column with the raw columns (for which fields
        the input gives)."""
        ids = columns[0]
        existing = set() if self.empty else _existing(self.table.model, list(ids))
        if existing:
            old = [row for row, pk in enumerate(ids) if pk in existing]
            self._update(
                [[column[row] for column in columns] for row in old],
                [[raw is not None and raw[row] is not ABSENT for raw in given] for row in old],
            )
            new = [row for row, pk in enumerate(ids) if pk not in existing]
            columns = [[column[row] for row in new] for column in columns]
        if columns[0]:
            self.insert(columns)
            self.result.created[self.table.name] += len(columns[0])
            self._touch(columns)

    def _touch(self, columns: list[Sequence[Any]]) -> None:
        result = self.result
        if result.rebuild_index:
            return
        result.touched_count += len(columns[0])
        if result.touched_count > REBUILD_INDEX_ABOVE:
            # Past this many, the whole index is rebuilt: stop remembering ids.
            result.rebuild_index, result.touched = True, defaultdict(set)
            return
        touched, name = result.touched, self.table.name
        if name in INDEXED:
            touched[name].update(columns[0])
        for index, target in self.touch:
            touched[target].update(pk for pk in columns[index] if pk is not None)
        if self.link:
            entities, links = columns[self.link[0]], columns[self.link[1]]
            for entity, link in zip(entities, links, strict=True):
                if entity in INDEXED:
                    touched[entity].add(link)

    def _update(self, rows: list[list[Any]], given: list[list[bool]]) -> None:
        from hotline.directory.models import Metadata

        table, model, attnames = self.table, self.table.model, self.attnames
        old_rows = {
            str(values["id"]): values
            for values in model._default_manager.filter(pk__in=[row[0] for row in rows]).values(
                *attnames
            )
        }
        changed, log, written = [], [], []
        changed_fields: set[str] = set()
        today = timezone.localdate()
        for values, present in zip(rows, given, strict=True):
            old = old_rows[values[0]]
            diff = [
                (spec, value)
                for spec, value, has in zip(table.fields, values, present, strict=True)
                if has and not _same_value(value, old[spec.attname])
            ]
            if not diff:
                self.result.unchanged[table.name] += 1
                continue
            written.append(values)
            merged = {**old, **{spec.attname: value for spec, value in diff}}
            changed.append(model(**merged))
            changed_fields |= {spec.attname for spec, _ in diff}
            if table.name != "metadata":
                for spec, value in diff:
                    log.append(
                        Metadata(
                            resource_id=values[0],
                            resource_type=table.name,
                            last_action_date=today,
                            last_action_type="update",
                            field_name=spec.name,
                            previous_value=hsds.to_text(spec, old[spec.attname]),
                            replacement_value=hsds.to_text(spec, value),
                            updated_by=self.who,
                        )
                    )
        if changed:
            model._default_manager.bulk_update(changed, sorted(changed_fields), batch_size=500)
            self.result.updated[table.name] += len(changed)
            self._touch([list(column) for column in zip(*written, strict=True)])
        if log:
            Metadata.objects.bulk_create(log, batch_size=500)


def _same_value(new: Any, old: Any) -> bool:
    if isinstance(old, uuid.UUID) and isinstance(new, str):
        return str(old) == new
    return bool(new == old)


def _exists(model: type[models.Model]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(model._meta.db_table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def _existing(model: type[models.Model], ids: list[str]) -> set[str]:
    """Which of these ids the table already has."""
    found: set[str] = set()
    table = connection.ops.quote_name(model._meta.db_table)
    step = 900  # under SQLite's default limit of 999 parameters
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            cursor.execute(
                f"SELECT id FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                [db_id(pk) for pk in chunk],
            )
            found.update(_text_id(pk) for (pk,) in cursor.fetchall())
    return found


def inserter(
    model: type[models.Model], attnames: list[str], ready: Iterable[str] = ()
) -> Callable[[list[Sequence[Any]]], None]:
    """Inserts new rows given column by column, one column per model attribute named (the
    other columns get their defaults; `ready` ones are given in the database's form already):
    on PostgreSQL with COPY, elsewhere with one `executemany` of a prepared INSERT. What
    `bulk_create` would do per value is decided once per column and done a column at a time."""
    ops, features = connection.ops, connection.features
    copy = connection.vendor == "postgresql"
    given = [_column(model, name) for name in attnames]
    rest = [
        column
        for column in model._meta.concrete_fields
        if column.attname not in attnames
        and not isinstance(column, models.AutoField | models.BigAutoField)
    ]
    converters = [
        None if column.attname in ready else _converter(column, ops, features, copy)
        for column in given
    ]
    tail = []
    for column in rest:
        default, convert = column.get_default(), _converter(column, ops, features, copy)
        tail.append(default if convert is None or default is None else convert([default])[0])
    quote = ops.quote_name
    # Table and column names come from the model, never from the input.
    names = "{} ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(column.column) for column in [*given, *rest]),
    )
    sql = f"INSERT INTO {names} VALUES ({', '.join(['%s'] * (len(given) + len(rest)))})"  # noqa: S608

    def insert(columns: list[Sequence[Any]]) -> None:
        size = len(columns[0])
        rows = zip(
            *(
                column if convert is None else convert(column)
                for column, convert in zip(columns, converters, strict=True)
            ),
            *(repeat(default, size) for default in tail),
            strict=True,
        )
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if copy:
                with cursor.cursor.copy(f"COPY {names} FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)
            else:
                cursor.cursor.executemany(sql, rows)

    return insert


Converter = Callable[[Sequence[Any]], Sequence[Any]]


def _converter(column: Any, ops: Any, features: Any, copy: bool) -> Converter | None:
    """How a column of model values becomes the database's, or None when they need nothing."""
    target = column.target_field if isinstance(column, models.ForeignKey) else column
    if isinstance(column, models.JSONField):
        encoder = column.encoder
        return lambda values: [
            value if value is None else json.dumps(value, cls=encoder) for value in values
        ]
    if copy:
        return None  # COPY takes text, UUID, date and time values as they are
    if isinstance(target, models.UUIDField) and not features.has_native_uuid_field:
        return _hex
    for kind, adapt in [
        (models.DateTimeField, ops.adapt_datetimefield_value),
        (models.DateField, ops.adapt_datefield_value),
        (models.TimeField, ops.adapt_timefield_value),
    ]:
        if isinstance(column, kind):
            return partial(_adapt, adapt)
    return None


def _adapt(adapt: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    # A text value is already in the database's form (read back from it).
    return [value if value is None or isinstance(value, str) else adapt(value) for value in values]


def _column(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    return next(column for column in model._meta.concrete_fields if column.attname == attname)


def _hex(values: Sequence[Any]) -> list[Any]:
    """UUIDs as SQLite stores them: 32 hex digits."""
    return [
        value.replace("-", "") if type(value) is str else value if value is None else value.hex
        for value in values
    ]
