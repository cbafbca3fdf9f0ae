from typing import Any

from django.core.management.base import BaseCommand

from hotline.audit import checkpoints


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the audit chain (count, head hash, time) to the "
        "checkpoint file in AUDIT_CHECKPOINT_DIR."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mark = checkpoints.write()
        self.stdout.write(
            f"Checkpoint written to {checkpoints.path()}: {mark.count} events, "
            f"head {mark.head[:12]}…, {mark.at:%Y-%m-%d %H:%M %Z}."
        )
