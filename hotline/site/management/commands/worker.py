"""The worker: background tasks (django-tasks-db's `db_worker`) and, beside them in a thread of
the same process, the periodic sweep for time-driven work (hotline.lib.sweep)."""

import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from hotline.lib import sweep


class Command(db_worker.Command):
    help = "Run background tasks and, every SWEEP_SECONDS, the sweep for time-driven work."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Reloading runs the command again in a child process: the sweep would run twice.
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--sweep-seconds",
            type=float,
            default=settings.SWEEP_SECONDS,
            help="Seconds between sweeps (default: settings.SWEEP_SECONDS).",
        )
        parser.add_argument("--no-sweep", action="store_true", help="Run background tasks only.")

    def handle(self, *args: Any, **options: Any) -> None:
        seconds, no_sweep = options.pop("sweep_seconds"), options.pop("no_sweep")
        stop = threading.Event()
        if not no_sweep and not options["batch"]:
            threading.Thread(
                target=sweep.loop, args=(stop, seconds), name="sweep", daemon=True
            ).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
