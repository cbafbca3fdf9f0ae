import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.directory.importer import KINDS, ImportFailed, open_source, run_import


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.last = stream, 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        line = f"\r{label:<32} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        self.stream.write(line, ending="\n" if done >= total else "")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 data: a .json file (objects, lists, compiled full forms, tabular JSON), "
        "a CSV datapackage directory, or a .zip of one. All or nothing: on any problem, every "
        "problem is listed and nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", choices=KINDS, default="auto", help="top-level JSON objects")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        source = open_source(path, options["kind"])
        progress = None if options["no_progress"] else ProgressBar(self.stderr)
        try:
            result = run_import(source, progress=progress, updated_by="hsds_import")
        except ImportFailed as failure:
            for warning in failure.warnings:
                self.stderr.write(f"warning: {warning}")
            for problem in failure.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(failure.problems)} problem(s); nothing was imported."
            ) from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        summary = result.summary()
        self.stdout.write(
            f"Imported: {summary['created']} created, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged."
        )
