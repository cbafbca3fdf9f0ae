from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.audit.actions import verify


class Command(BaseCommand):
    help = "Walk the audit chain and name the first broken link (exit status 1 if any)."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"Audit chain broken at event #{verdict.broken_seq}: {verdict.reason}. "
                f"{verdict.count} events before it are intact.",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {verdict.count} events.")
