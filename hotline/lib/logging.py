import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class MaskEverythingFilter(SafeExceptionReporterFilter):
    """Error reports show which fields were posted, never their values."""

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, str]:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}


class RefusedRequestsFilter(logging.Filter):
    """django.request logs a warning for every 4xx response, so any client could flood the log
    (a minute of unauthenticated API requests wrote 80,000 lines). Each status code gets
    PER_MINUTE lines a minute; the rest are counted, and the count is logged (status codes and
    numbers only) once the minute is over. 5xx responses are always logged."""

    PER_MINUTE = 10

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self.lock = threading.Lock()
        self.minute = -1
        self.seen: Counter[int] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        with self.lock:
            minute = int(self.clock() // 60)
            if minute != self.minute:
                dropped = {code: n - self.PER_MINUTE for code, n in self.seen.items()}
                dropped = {code: n for code, n in sorted(dropped.items()) if n > 0}
                self.minute, self.seen = minute, Counter()
            else:
                dropped = {}
            self.seen[status] += 1
            let_through = self.seen[status] <= self.PER_MINUTE
        if dropped:
            summary.warning(
                "%s more refused requests were not logged in the last minute (%s)",
                sum(dropped.values()),
                ", ".join(f"{code}: {n}" for code, n in dropped.items()),
            )
        return let_through


summary = logging.getLogger("hotline.refused_requests")
