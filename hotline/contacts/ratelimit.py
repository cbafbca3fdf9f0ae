"""A process-local rate limiter for the public forms.

Counts live in this process's memory only, never in the database or a shared cache, and under
an HMAC of the address rather than the address itself; they vanish when the window ends. With
several web processes each counts on its own: a visitor gets at most `limit` per process.
"""

import hashlib
import hmac
import threading
import time
from collections import deque

from django.conf import settings


class MemoryRateLimiter:
    def __init__(self, limit: int, seconds: float, max_keys: int = 100_000) -> None:
        self.limit, self.seconds, self.max_keys = limit, seconds, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _key(self, address: str) -> str:
        return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()

    def _prune(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if hits[-1] <= now - self.seconds]:
            del self._hits[key]

    def allow(self, address: str, now: float | None = None) -> bool:
        """Count one attempt; False when the address has used up its attempts."""
        now = time.monotonic() if now is None else now
        key = self._key(address)
        with self._lock:
            if len(self._hits) >= self.max_keys:
                self._prune(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
