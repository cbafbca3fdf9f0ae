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
    """At most `limit` attempts per key in `seconds`, counted atomically across processes.

    Each attempt takes one of `limit` numbered slots with the cache's `add`, which only one
    writer can win for a slot (the database cache's unique key; memcached and Redis say the
    same), and each slot lapses `seconds` after it was taken. So attempts sent at once cannot
    all read "not blocked" and all go ahead: the limit-plus-first finds every slot taken. An
    attempt that turns out not to count (a correct password) gives its slot back.
    """

    def __init__(self, scope: str, limit: int, seconds: int) -> None:
        self.scope, self.limit, self.seconds = scope, limit, seconds

    def _slots(self, *parts: str) -> list[str]:
        message = "\x1f".join([self.scope, *parts]).encode()
        digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
        return [f"throttle:{digest}:{n}" for n in range(self.limit)]

    def take(self, *parts: str) -> str | None:
        """A slot for one attempt, or None when all are taken (the attempt must not go ahead)."""
        for slot in self._slots(*parts):
            if cache.add(slot, 1, self.seconds):
                return slot
        return None

    def give_back(self, slot: str) -> None:
        cache.delete(slot)

    def reset(self, *parts: str) -> None:
        cache.delete_many(self._slots(*parts))
