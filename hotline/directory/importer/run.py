"""Running an import: every table read, checked and written in one transaction, then the
references checked and the search index brought up to date. Any problem rolls all of it back.
"""

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.directory import bulk, index
from hotline.directory.hsds import TABLES, Table
from hotline.directory.importer import source
from hotline.directory.importer.check import (
    Bad,
    ColumnParser,
    Problems,
    TooMany,
    Twice,
    check_references,
    column_parsers,
)
from hotline.directory.importer.source import (
    Batch,
    ImportFailed,
    Problem,
    Progress,
    Source,
    Unreadable,
)
from hotline.directory.importer.write import Result, TableWriter

SET_ASIDE_ABOVE = 50000  # rows: SQLite fills an empty table without its secondary indexes


def run_import(
    source_: Source,
    *,
    actor: User | None = None,
    updated_by: str = "",
    progress: Progress | None = None,
    refresh_index: bool = True,
) -> Result:
    """Check and write everything in one transaction. Raises ImportFailed, having changed
    nothing, when anything is wrong."""
    who = updated_by or (actor.get_username() if actor is not None else "import")
    with transaction.atomic(), bulk.bulk_cache():
        loader = _Loader(source_, who, progress)
        loader.load()
        if loader.problems.items:
            raise ImportFailed(loader.problems.items[: source.MAX_PROBLEMS], loader.result.warnings)
        result = loader.result
        if refresh_index:
            if result.rebuild_index:
                index.rebuild_all(progress)
            else:
                index.refresh_for_import(result.touched)
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


class _Loader:
    def __init__(self, source_: Source, who: str, progress: Progress | None) -> None:
        self.source, self.who, self.progress = source_, who, progress
        self.problems = Problems(source_.problems)
        self.result = Result(warnings=list(source_.warnings))
        # Ids of rows not written because of a problem: a row naming one has no second problem.
        self.unwritten: dict[str, set[str]] = defaultdict(set)

    def load(self) -> None:
        """Read, check and write every table, then check references; stop early once more
        problems than are worth listing were found (the caller rolls everything back)."""
        with contextlib.suppress(TooMany):
            for table in TABLES:
                if table.name in self.source.readers:
                    self._load_table(table)
            check_references(
                self.source, self.unwritten, self.problems, self.progress, self.result.warnings
            )

    def _load_table(self, table: Table) -> None:
        parsers = column_parsers(table, self.source.from_text)
        writer = TableWriter(table, self.result, self.who)
        large = writer.empty and self.source.counts.get(table.name, 0) >= SET_ASIDE_ABOVE
        with bulk.indexes_set_aside(table.model, large):
            self._read_table(table, parsers, writer)

    def _read_table(self, table: Table, parsers: list[ColumnParser], writer: TableWriter) -> None:
        # The JSON forms merge rows that repeat, and so find ids given twice themselves.
        twice = Twice() if self.source.from_text else None
        unknown: set[str] = set()
        total = self.source.counts.get(table.name, 0)
        count = 0
        try:
            for batch in self.source.readers[table.name](unknown):
                count += self._read_batch(table, parsers, writer, twice, batch)
                if self.progress:
                    self.progress(f"import {table.name}", count, max(total, count))
        except Unreadable as unreadable:
            self.problems.add(unreadable.problem)
        self.result.rows[table.name] = count
        if self.progress:
            self.progress(f"import {table.name}", count, count)
        if unknown:
            self.result.warnings.append(
                f"{table.name}: ignored unknown fields {', '.join(sorted(unknown))}"
            )

    def _read_batch(
        self,
        table: Table,
        parsers: list[ColumnParser],
        writer: TableWriter,
        twice: Twice | None,
        batch: Batch,
    ) -> int:
        """Checks and writes one batch; returns its size."""
        size = len(batch.labels)
        bad: Bad = defaultdict(list)
        columns = [parse(raw, size, bad) for parse, raw in zip(parsers, batch.columns, strict=True)]
        # A row the reader refused (cells shifted) has only the reader's problem.
        for row, found in batch.bad.items():
            bad[row] = list(found)
        ids = columns[0]
        if twice is not None:
            twice.check(ids, bad)
        given: list[Sequence[Any] | None] = batch.columns
        if bad:
            for row in sorted(bad):
                if ids[row] is not None:
                    self.unwritten[table.name].add(ids[row])
                for name, message in bad[row]:
                    self.problems.add(Problem(batch.file, str(batch.labels[row]), name, message))
            keep = [row for row in range(size) if row not in bad]
            columns = [[column[row] for row in keep] for column in columns]
            given = [None if raw is None else [raw[row] for row in keep] for raw in batch.columns]
        if columns[0]:
            writer.write(columns, given)
        return size
