"""The Idempotency-Key protocol, for any request that must take effect once however often it is
sent (the intake API; provider webhooks that retry).

A request names itself with a key. The first request with a key stores the key, does its work
and stores its response, all in one transaction: the key's unique constraint, not a memory,
decides who goes first. Then:
- a retry with the same key and the same body gets the stored response again (a replay);
- the same key with another body is refused (422): a client bug, never a silent overwrite;
- a retry sent while the first is still under way waits for it (SQLite lets one writer at a
  time; PostgreSQL holds the second insert of a key until the first transaction ends) and then
  gets its response; if the first failed or its process died, its transaction rolled back with
  the key, and the retry does the work itself. No lease, nothing to expire.

Each user of the protocol has a concrete model of its own (`class IdempotencyKey(
IdempotencyRecord)` with the owner's foreign key and a unique constraint on owner and key), and
calls `once()`:

    with idempotency.once(IdempotencyKey, key, body, token=token) as attempt:
        if not attempt.replayed:
            contact = actions.receive(...)
            attempt.done(201, {...}, contact=contact)
    status, body = attempt.response
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

MAX_KEY_LENGTH = 200


class IdempotencyRecord(models.Model):
    """The first response to a request with a key (abstract: each user adds its owner)."""

    key = models.CharField(max_length=MAX_KEY_LENGTH)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


R = TypeVar("R", bound=IdempotencyRecord)


class Refused(Exception):
    """The request cannot go ahead: `status` and `detail` say why, in words for the client."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass
class Attempt:
    record: IdempotencyRecord
    replayed: bool
    response: tuple[int, Any] = (0, None)
    fields: dict[str, Any] = field(default_factory=dict)

    def done(self, status: int, body: Any, **fields: Any) -> None:
        """The response to store (and return), with more fields of the record to set."""
        self.response, self.fields = (status, body), fields


def request_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@contextmanager
def once(model: type[R], key: str, body: Any, **owner: Any) -> Iterator[Attempt]:
    """Run the block once per key and owner, in one durable transaction that also stores the
    key and the response, or not at all when the key was used before (`attempt.replayed`).
    Raises Refused for a missing key (400) or the key used with another body (422)."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Refused(400, "An Idempotency-Key header (1 to 200 characters) is required.")
    digest = request_hash(body)
    with transaction.atomic(durable=True):
        record = model(key=key, request_hash=digest, **owner)
        try:
            with transaction.atomic():
                record.save(force_insert=True)
        except IntegrityError:
            first = model._default_manager.get(key=key, **owner)
            if first.request_hash != digest:
                raise Refused(
                    422, "This Idempotency-Key was already used with a different body."
                ) from None
            stored = (first.response_status or 200, first.response_body)
            yield Attempt(first, replayed=True, response=stored)
            return
        attempt = Attempt(record, replayed=False)
        yield attempt
        if not attempt.response[0]:
            raise RuntimeError("idempotency.once: the block ended without done().")
        record.response_status, record.response_body = attempt.response
        for name, value in attempt.fields.items():
            setattr(record, name, value)
        record.save(update_fields=["response_status", "response_body", *attempt.fields])
