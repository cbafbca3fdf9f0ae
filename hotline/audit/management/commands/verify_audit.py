from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.audit.actions import verify


class Command(BaseCommand):
    help = "Walk the audit chain and name the first broken link (exit status 1 if any)."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify()
        if not verdict.ok:
            where = f" at event #{verdict.broken_seq}" if verdict.broken_seq else ""
            raise CommandError(
                f"Audit chain broken{where}: {verdict.reason}. "
                f"{verdict.count} events before it are intact.",
                returncode=1,
            )
        if verdict.last_checkpoint is None:
            self.stdout.write(
                f"Audit chain intact: {verdict.count} events. No checkpoint to check it against "
                "(manage.py audit_checkpoint; the worker writes one every hour)."
            )
            return
        self.stdout.write(
            f"Audit chain intact: {verdict.count} events, consistent with {verdict.checkpoints} "
            f"checkpoint{'' if verdict.checkpoints == 1 else 's'} (the latest of "
            f"{verdict.last_checkpoint:%Y-%m-%d %H:%M %Z})."
        )
