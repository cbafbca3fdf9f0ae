from typing import Any

from django.core.management.base import BaseCommand

from hotline.library import search


class Command(BaseCommand):
    help = "Rebuild the library's full-text index (after bulk imports or a restore)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = search.rebuild()
        self.stdout.write(f"Indexed {count} resources.")
