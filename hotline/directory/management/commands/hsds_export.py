import json
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.directory.exporter import Scope, full_json, tabular, write_datapackage


class Command(BaseCommand):
    help = (
        "Export the directory as HSDS 3.0: a CSV datapackage (.zip, or a directory), tabular "
        "JSON, or nested JSON (one envelope: fully nested organizations, then taxonomies, "
        "terms and any row they do not hold). Confidential locations are left out unless "
        "--include-confidential is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=["csv", "tabular-json", "json"], default="csv")
        parser.add_argument("--include-confidential", action="store_true")
        parser.add_argument(
            "--include-withdrawn", action="store_true", help="also listings not shown"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope(
            include_confidential=options["include_confidential"],
            listed_only=not options["include_withdrawn"],
        )
        path: Path = options["path"]
        if options["format"] == "csv":
            if path.suffix.lower() == ".zip":
                with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                    counts = write_datapackage(scope, archive)
            else:
                path.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(path / ".export.zip", "w") as archive:
                    counts = write_datapackage(scope, archive)
                with zipfile.ZipFile(path / ".export.zip") as archive:
                    archive.extractall(path)
                (path / ".export.zip").unlink()
            self.stdout.write(f"Exported {sum(counts.values())} rows to {path}.")
            return
        data: Any = tabular(scope) if options["format"] == "tabular-json" else full_json(scope)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        self.stdout.write(f"Exported to {path}.")
