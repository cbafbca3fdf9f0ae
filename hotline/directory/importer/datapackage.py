"""Reading the tabular CSV datapackage, from a directory or a zip archive.

An archive is measured before anything in it is read: how many members, how large they expand,
how much each is compressed (settings `HSDS_IMPORT_MAX_*`). Members are read as streams, a
batch of rows at a time, never whole."""

import csv
import io
import json
import operator
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from hotline.directory.hsds import TABLE, TABLES, Table
from hotline.directory.importer import source
from hotline.directory.importer.source import Batch, Problem, Reader, Source, Unreadable

DESCRIPTOR = "datapackage.json"
MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024
RATIO_FROM_BYTES = 1024 * 1024  # small members may compress well and still be harmless
# Errors of a damaged or unsupported archive member, raised while it is read.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
# Tables and files of HSDS 1.x and 2.x that 3.0 no longer has.
OLDER_TABLES = {
    "regular_schedule",
    "holiday_schedule",
    "physical_address",
    "postal_address",
    "service_taxonomy",
    "eligibility",
    "payment_accepted",
    "accessibility_for_disabilities",
    "service_attribute",
    "other_attribute",
}
OLDER_FILES = {
    *(f"{name}.csv" for name in OLDER_TABLES),
    *(f"{name}s.csv" for name in OLDER_TABLES),
    "physical_addresses.csv",
    "postal_addresses.csv",
    "eligibilities.csv",
}
NOT_UTF8 = "is not UTF-8 text: save the file as UTF-8 (Unicode) and import it again"


def _csv_batches(
    table: Table, name: str, open_binary: Callable[[], IO[bytes]], unknown: set[str]
) -> Iterator[Batch]:
    limit = settings.HSDS_IMPORT_MAX_FIELD_CHARS
    # The csv module's own limit bounds memory; values between the two limits are refused by
    # the checks with their field named.
    csv.field_size_limit(max(limit + 1, 131072))
    try:
        with (
            open_binary() as binary,
            io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle,
        ):
            reader = csv.reader(handle)
            try:
                yield from _read_rows(table, name, reader, unknown)
            except csv.Error as error:
                if "field limit" in str(error):
                    message = (
                        f"has a value longer than the limit of {limit} characters "
                        "(HSDS_IMPORT_MAX_FIELD_CHARS)"
                    )
                else:
                    message = f"is not valid CSV: {error}"
                raise Unreadable(Problem(name, str(reader.line_num), "", message)) from None
    except UnicodeDecodeError:
        line = _first_bad_line(open_binary)
        message = (
            f"is not UTF-8 text (line {line} is the first that is not): save the file as "
            "UTF-8 (Unicode) and import it again"
        )
        raise Unreadable(Problem(name, str(line), "", message)) from None
    except ARCHIVE_ERRORS as error:
        message = f"cannot be read from the archive: {error}"
        raise Unreadable(Problem(name, "", "", message)) from None


def _read_rows(table: Table, name: str, reader: Any, unknown: set[str]) -> Iterator[Batch]:
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
    first = 2  # the number of the first row, as csv.DictReader counts them (blank lines not)
    while chunk := list(islice(reader, source.CHUNK)):
        rows: list[list[Any]] = [row for row in chunk if row]  # a blank line is no row
        if not rows:
            continue
        bad: dict[int, list[tuple[str, str]]] = {}
        if set(map(len, rows)) != {width}:
            # An unquoted comma would shift every later column: refuse the row.
            for index, row in enumerate(rows):
                if len(row) != width:
                    message = (
                        f"has {len(row)} cells but the header has {width} (a value holding "
                        "a comma must be in double quotes)"
                    )
                    bad[index] = [("", message)]
            rows = [row[:width] + [""] * (width - len(row)) for row in rows]
        columns: list[Sequence[Any] | None] = [None] * len(table.fields)
        if present:
            picked = zip(*map(pick, rows), strict=True)
            for (index, _), column in zip(present, picked, strict=True):
                columns[index] = column
        yield Batch(name, range(first, first + len(rows)), columns, bad)
        first += len(rows)


def _first_bad_line(open_binary: Callable[[], IO[bytes]]) -> int:
    """The line of the first byte that is not UTF-8."""
    with open_binary() as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


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
    try:
        with open_binary() as handle:
            while block := handle.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
    except ARCHIVE_ERRORS:
        return 0  # reading the rows reports it
    return max(0, lines - (last == b"\n"))


def _older(version: str) -> str:
    return version if version[:2] in {"1.", "2."} else ""


def _package_files(
    names: Iterable[str], read: Callable[[str], bytes]
) -> tuple[dict[str, str], list[str], list[Problem]]:
    """table -> member name, from datapackage.json when there is one, else by file name; and
    the warnings and problems found on the way."""
    names = list(names)
    by_base = {Path(name).name: name for name in names}
    warnings: list[str] = []
    files: dict[str, str] = {}
    if DESCRIPTOR not in by_base:
        older = sorted(OLDER_FILES & by_base.keys())
        if older:
            message = f"this is HSDS 2.x or older ({', '.join(older)}); HSDS 3.0 is required"
            return {}, [], [Problem(older[0], "", "", message)]
        for table in TABLES:
            if table.file in by_base:
                files[table.name] = by_base[table.file]
        return files, warnings, []
    package, problem = _descriptor(read(by_base[DESCRIPTOR]))
    if problem:
        return {}, [], [Problem(DESCRIPTOR, "", "", problem)]
    resources = [resource for resource in package["resources"]]
    older_names = sorted(OLDER_TABLES & {str(resource.get("name")) for resource in resources})
    version = _older(str(package.get("version", "")))
    if version or older_names:
        found = f"HSDS {version}" if version else f"HSDS 2.x or older ({', '.join(older_names)})"
        return {}, [], [Problem(DESCRIPTOR, "", "", f"this is {found}; HSDS 3.0 is required")]
    base = str(Path(by_base[DESCRIPTOR]).parent)
    problems = []
    for index, resource in enumerate(resources):
        listed = TABLE.get(resource.get("name", ""))
        path = resource.get("path", "")
        if listed is None:
            warnings.append(f"resource {resource.get('name')!r} is not imported")
            continue
        member = path if base == "." else f"{base}/{path}"
        if member in names:
            files[listed.name] = member
        elif Path(path).name in by_base:
            files[listed.name] = by_base[Path(path).name]
        else:
            message = (
                f"lists {path!r} for the table {listed.name}, but the package has no such file"
            )
            problems.append(Problem(DESCRIPTOR, f"resources/{index}", "path", message))
    return files, warnings, problems


def _descriptor(raw: bytes) -> tuple[dict[str, Any], str]:
    """The parsed datapackage.json, or why it cannot be used."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, NOT_UTF8
    try:
        package = json.loads(text)
    except ValueError as error:
        where = getattr(error, "lineno", None)
        at = f" (line {where}, column {getattr(error, 'colno', '?')})" if where else ""
        return {}, f"is not valid JSON{at}: {getattr(error, 'msg', error)}"
    if not isinstance(package, dict):
        return {}, "must be a JSON object"
    resources = package.get("resources", [])
    if not isinstance(resources, list) or not all(
        isinstance(resource, dict)
        and isinstance(resource.get("name", ""), str)
        and isinstance(resource.get("path", ""), str)
        for resource in resources
    ):
        return {}, 'its "resources" must be a list of objects with a "name" and a "path"'
    return package, ""


def directory_source(directory: Path) -> Source:
    names = [str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()]
    files, warnings, problems = _package_files(names, lambda name: (directory / name).read_bytes())

    def opener(member: str) -> Callable[[], IO[bytes]]:
        return lambda: open(directory / member, "rb")

    return _csv_source(files, opener, warnings, problems)


def archive_problems(archive: zipfile.ZipFile, name: str) -> list[Problem]:
    """What makes an archive too large to read, from what it declares (reading a member
    never gives more than its declared size: zipfile stops there and checks the CRC)."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    most, total_limit = settings.HSDS_IMPORT_MAX_MEMBERS, settings.HSDS_IMPORT_MAX_BYTES
    ratio_limit = settings.HSDS_IMPORT_MAX_RATIO
    if len(members) > most:
        message = f"holds {len(members)} files; at most {most} are taken (HSDS_IMPORT_MAX_MEMBERS)"
        return [Problem(name, "", "", message)]
    problems = []
    total = sum(info.file_size for info in members)
    if total > total_limit:
        message = (
            f"expands to {total} bytes; at most {total_limit} are taken (HSDS_IMPORT_MAX_BYTES)"
        )
        problems.append(Problem(name, "", "", message))
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_FROM_BYTES and ratio > ratio_limit:
            message = (
                f"is compressed {ratio:.0f} to 1; at most {ratio_limit} to 1 is taken "
                "(HSDS_IMPORT_MAX_RATIO)"
            )
            problems.append(Problem(info.filename, "", "", message))
        if Path(info.filename).name == DESCRIPTOR and info.file_size > MAX_DESCRIPTOR_BYTES:
            message = f"is larger than {MAX_DESCRIPTOR_BYTES} bytes"
            problems.append(Problem(info.filename, "", "", message))
    return problems


def zip_source(archive: zipfile.ZipFile, name: str = "") -> Source:
    name = name or Path(str(archive.filename or "archive.zip")).name
    problems = archive_problems(archive, name)
    if problems:
        return Source({}, True, {}, problems)
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    try:
        files, warnings, problems = _package_files(names, archive.read)
    except ARCHIVE_ERRORS as error:
        message = f"cannot be read from the archive: {error}"
        return Source({}, True, {}, [Problem(DESCRIPTOR, "", "", message)])

    def opener(member: str) -> Callable[[], IO[bytes]]:
        return lambda: archive.open(member)

    return _csv_source(files, opener, warnings, problems)


def _csv_source(
    files: dict[str, str],
    opener: Callable[[str], Callable[[], IO[bytes]]],
    warnings: list[str],
    problems: list[Problem],
) -> Source:
    readers: dict[str, Reader] = {}
    counts = {}
    if problems:
        return Source({}, True, {}, problems, warnings)
    for name, member in files.items():
        open_binary = opener(member)
        readers[name] = _csv_reader(TABLE[name], Path(member).name, open_binary)
        counts[name] = _count_rows(open_binary)
    if not files:
        problems = [Problem("", "", "", "no HSDS CSV files or datapackage.json found")]
    return Source(readers, True, counts, problems, warnings)


def _csv_reader(table: Table, name: str, open_binary: Callable[[], IO[bytes]]) -> Reader:
    return lambda unknown: _csv_batches(table, name, open_binary, unknown)
