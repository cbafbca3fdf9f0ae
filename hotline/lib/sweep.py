"""One periodic sweep for all time-driven work (deadlines, alerts, anything due at a time).

The jobs are listed in settings.SWEEP_JOBS as dotted paths of functions `job(now) -> int` (how
many rows it acted on). Each job finds what is due with a query and claims every row with a
conditional update (`filter(pk=..., <still due>).update(...)`, as healthchecks' `sendalerts`
does), so that two sweepers, or a sweep and a person, never act twice on one row. Nothing is
kept in memory between sweeps: after a restart or a database restore the next sweep finds what
is due from the rows alone.

`manage.py worker` runs the sweep every SWEEP_SECONDS beside the task worker.
"""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Job = Callable[[dt.datetime], int]


@cache
def jobs() -> dict[str, Job]:
    return {path: import_string(path) for path in settings.SWEEP_JOBS}


def run(now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of every job; a job that fails is logged and the others still run."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    for path, job in jobs().items():
        try:
            done[path] = job(now)
        except Exception:
            logger.exception("sweep job %s failed", path)
    acted = {path: n for path, n in done.items() if n}
    if acted:
        logger.info("sweep: %s", ", ".join(f"{path} {n}" for path, n in acted.items()))
    return done


def loop(stop: threading.Event, seconds: float | None = None) -> None:
    """Sweep every `seconds` (settings.SWEEP_SECONDS) until `stop` is set."""
    interval = seconds if seconds is not None else settings.SWEEP_SECONDS
    while not stop.is_set():
        started = time.monotonic()
        close_old_connections()
        run()
        close_old_connections()
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
