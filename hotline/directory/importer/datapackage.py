"""Reading the tabular CSV datapackage, from a directory or a zip archive."""

import csv
import io
import json
import operator
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any

from hotline.directory.hsds import TABLE, TABLES, Table
from hotline.directory.importer import source
from hotline.directory.importer.source import Batch, Problem, Reader, Source


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
        while chunk := list(islice(reader, source.CHUNK)):
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
