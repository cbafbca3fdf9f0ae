"""Counting failures per key in the shared cache, so that every web process sees the same count.

Keys are HMACs: the cache holds no user name or address in the clear.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind a reverse proxy that appends to X-Forwarded-For, set
    USE_X_FORWARDED_FOR=1 and the last (proxy-written) entry is used."""
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class Throttle:
    def __init__(self, scope: str, limit: int, seconds: int) -> None:
        self.scope, self.limit, self.seconds = scope, limit, seconds

    def _key(self, *parts: str) -> str:
        message = "\x1f".join([self.scope, *parts]).encode()
        digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
        return f"throttle:{digest}"

    def blocked(self, *parts: str) -> bool:
        return int(cache.get(self._key(*parts), 0)) >= self.limit

    def hit(self, *parts: str) -> None:
        key = self._key(*parts)
        # The window starts at the first failure and is not extended by later ones.
        if not cache.add(key, 1, self.seconds):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, self.seconds)

    def reset(self, *parts: str) -> None:
        cache.delete(self._key(*parts))
