"""What a source of HSDS rows is, whatever it is read from: rows per table, read a batch at a
time, and the problems found in them."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

CHUNK = 5000  # rows per batch
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
    # Rows (by position) that the reader already found wrong, with (field, message): they are
    # reported and not written.
    bad: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


# Reads a table's rows again each time it is called; adds field names it does not know to the set.
Reader = Callable[[set[str]], Iterator[Batch]]
Progress = Callable[[str, int, int], None]


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
    def __init__(self, problems: list[Problem], warnings: list[str] | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.warnings = warnings or []


class Unreadable(Exception):
    """A reader cannot go on with a file (not UTF-8, not CSV, a damaged archive member): the
    problem is reported and the rest of that file is not read."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Source:
    """Rows per table; each table's rows can be read more than once."""

    readers: dict[str, Reader]
    from_text: bool
    counts: dict[str, int]  # rows per table, for progress (an estimate for CSV files)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
