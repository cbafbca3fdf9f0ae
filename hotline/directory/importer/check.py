"""Parsing and checking rows: each column of a batch parsed into the model's values, with
every problem kept with its row and field; ids given twice; references to rows that exist
neither in the import nor before it."""

import contextlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

from hotline.directory import bulk, hsds
from hotline.directory.hsds import TABLE, TABLES, Invalid, Table
from hotline.directory.importer import source
from hotline.directory.importer.source import ABSENT, Problem, Progress, Source, Unreadable

# Per row of a batch (by position), the problems found in it as (field, message).
Bad = dict[int, list[tuple[str, str]]]
ColumnParser = Callable[[Sequence[Any] | None, int, Bad], Sequence[Any]]


class TooMany(Exception):
    """More problems than are worth listing: stop reading."""


class Problems:
    """The problems found so far; past `source.MAX_PROBLEMS`, adding one raises TooMany (the
    caller rolls everything back)."""

    def __init__(self, initial: list[Problem]) -> None:
        self.items = list(initial)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)
        if len(self.items) > source.MAX_PROBLEMS:
            raise TooMany


def column_parsers(table: Table, from_text: bool) -> list[ColumnParser]:
    return [column_parser(spec, from_text) for spec in table.fields]


def column_parser(spec: hsds.Field, from_text: bool) -> ColumnParser:
    """Parses a column of raw values into the model's (absent or empty text is ""), adding
    each problem to its row as (field, message); a value with a problem is None.

    The common case, a column with nothing wrong, is checked with a few passes that run in C;
    only a column that fails them is parsed value by value, to find which rows are wrong."""
    name, required, text = spec.name, spec.required, spec.kind == "string"
    parse = hsds.parser(spec, from_text)
    default = "" if text else None
    match = hsds.UUID_TEXT.fullmatch
    allowed = {*spec.enum, ""}
    limit = settings.HSDS_IMPORT_MAX_FIELD_CHARS
    longest = min(spec.max_length or limit, limit)
    too_long = f"is longer than the limit of {limit} characters (HSDS_IMPORT_MAX_FIELD_CHARS)"
    pattern = hsds.FORMAT_PATTERNS.get(spec.format)

    def fast(raw: Sequence[Any]) -> Sequence[Any] | None:
        if spec.kind in {"string", "uuid"}:
            if set(map(type, raw)) != {str} or (required and "" in raw):
                return None
            if text:
                if spec.enum and not set(raw) <= allowed:
                    return None
                if max(map(len, raw), default=0) > longest:
                    return None
                if pattern and not all(map(pattern.fullmatch, filter(None, raw))):
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

    def slow(raw: Sequence[Any], bad: Bad) -> list[Any]:
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
            elif text and len(value) > limit:
                bad[row].append((name, too_long))
                value = None
            values.append(value)
        return values

    def parse_column(raw: Sequence[Any] | None, size: int, bad: Bad) -> Sequence[Any]:
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


class Twice:
    """Finds ids given twice in one table, across its batches. Only the ids of the table being
    read are kept (as integers: smaller than text)."""

    def __init__(self) -> None:
        self.seen: set[int | None] = set()

    def check(self, ids: Sequence[Any], bad: Bad) -> None:
        seen = self.seen
        keys = [None if pk is None else int(pk.replace("-", ""), 16) for pk in ids]
        if not seen.isdisjoint(keys) or len(set(keys)) != len(keys):
            for row, key in enumerate(keys):
                if key is not None and key in seen:
                    bad[row].append(("id", "appears twice in this table"))
                seen.add(key)
        else:
            seen.update(keys)
        seen.discard(None)


def check_references(
    source_: Source,
    unwritten: dict[str, set[str]],
    problems: Problems,
    progress: Progress | None,
    warnings: list[str],
) -> None:
    """Asks the database for references to rows that exist neither in this import nor
    before it (a row naming one of the `unwritten` ones already has its problem); then reads
    the files that have any again, to name the rows. A soft reference naming nothing is
    emptied, with a warning."""
    missing: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)  # -> value: target
    tables = [table for table in TABLES if table.name in source_.readers]
    if progress:
        progress("check references", 0, len(tables))
    for table in tables:
        for spec in table.fields:
            if spec.soft:
                _empty_soft_reference(table, spec, warnings)
    keys_hold = bulk.foreign_keys_hold()
    limit = source.MAX_PROBLEMS + 1
    for done, table in enumerate(tables):
        if progress:
            progress("check references", done, len(tables))
        for index, spec in enumerate(table.fields):
            if spec.references and not spec.soft and not keys_hold:
                target = TABLE[spec.references].model
                for value in bulk.dangling(table.model, spec.attname, target, limit):
                    if value not in unwritten[spec.references]:
                        missing[(table.name, index)][value] = spec.references
        if table.name == "attribute":
            index = table.field_names.index("link_id")
            targets = {other.name: other.model for other in TABLES}
            for target_name, value in bulk.dangling_links(table.model, targets, limit):
                if value not in unwritten[target_name]:
                    missing[("attribute", index)][value] = target_name
    if progress:
        progress("check references", len(tables), len(tables))
    for (name, index), values in missing.items():
        # An unreadable file's problem is already listed: the rows after it were not read.
        with contextlib.suppress(Unreadable):
            _name_rows(source_, TABLE[name], index, values, problems)


def _empty_soft_reference(table: Table, spec: hsds.Field, warnings: list[str]) -> None:
    """Empties a reference the standard does not declare a foreign key where it names no row
    (the official examples name parents they do not include)."""
    target = TABLE[spec.references].model
    values = bulk.dangling(table.model, spec.attname, target, 1 << 30)
    if not values:
        return
    manager = table.model._default_manager
    for start in range(0, len(values), 500):
        part = values[start : start + 500]
        manager.filter(**{f"{spec.attname}__in": part}).update(**{spec.attname: None})
    shown = ", ".join(values[:3]) + (", ..." if len(values) > 3 else "")
    warnings.append(
        f"{table.name}: {spec.name} named {len(values)} {spec.references} row(s) that are "
        f"not in the directory ({shown}); left empty"
    )


def _name_rows(
    source_: Source, table: Table, index: int, values: dict[str, str], problems: Problems
) -> None:
    spec = table.fields[index]
    parse = hsds.parser(spec, source_.from_text)
    entity = table.field_names.index("link_entity") if spec.name == "link_id" else None
    for batch in source_.readers[table.name](set()):
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
            problems.add(Problem(batch.file, str(batch.labels[row]), spec.name, message))
