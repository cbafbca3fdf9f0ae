from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.library.actions import SEED_FILE, load_seed


class Command(BaseCommand):
    help = (
        "Load the hand-curated seed library (hotline/library/seed/library.toml). Resources "
        "already present are kept as curators left them, unless --update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(SEED_FILE))
        parser.add_argument("--update", action="store_true", help="overwrite seed resources")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_seed(Path(options["file"]), update=options["update"])
        self.stdout.write(
            f"Library seed: {result.created} resources created, {result.updated} updated, "
            f"{result.collections} collections."
        )
