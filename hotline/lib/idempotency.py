"""The Idempotency-Key protocol, for any request that must take effect once however often it is
sent (the intake API; provider webhooks that retry).

A request names itself with a key. The first request with a key takes a lease on it (a row,
committed at once, so that a concurrent retry sees it), does its work, and stores its response
in the same transaction as the work. Then:
- a retry with the same key and the same body gets the stored response again (a replay);
- the same key with another body is refused (422): a client bug, never a silent overwrite;
- a retry while the first is still under way is refused (409), until the first one's lease runs
  out (IDEMPOTENCY_LEASE_SECONDS): a request whose process died lets go of its key.

Each user of the protocol has a concrete model of its own (`class IdempotencyKey(
IdempotencyRecord)` with the owner's foreign key and a unique constraint on owner and key), and
calls `once()`:

    with idempotency.once(IdempotencyKey, key, body, token=token) as attempt:
        if attempt.replayed is False:
            contact = actions.receive(...)
            attempt.done(201, {...}, contact=contact)
    status, body = attempt.response
"""

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_KEY_LENGTH = 200


class State(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    DONE = "done", _("Done")


class IdempotencyRecord(models.Model):
    """The first response to a request with a key (abstract: each user adds its owner)."""

    key = models.CharField(max_length=MAX_KEY_LENGTH)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices)
    # Who holds an in-flight key, and until when.
    lease = models.CharField(max_length=32)
    locked_until = models.DateTimeField()
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
    """Run the block once per key and owner: inside one durable transaction that also stores
    the response, or not at all when the key was used before (`attempt.replayed`). Raises
    Refused for a missing key, another body (422) or a request still in progress (409)."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Refused(400, "An Idempotency-Key header (1 to 200 characters) is required.")
    attempt = _claim(model, key, request_hash(body), owner)
    if attempt.replayed:
        yield attempt
        return
    record = attempt.record
    try:
        with transaction.atomic(durable=True):
            yield attempt
            if not attempt.response[0]:
                raise RuntimeError("idempotency.once: the block ended without done().")
            status, response = attempt.response
            still_ours = model._default_manager.filter(
                pk=record.pk, lease=record.lease, state=State.IN_FLIGHT
            )
            if not still_ours.update(
                state=State.DONE,
                response_status=status,
                response_body=response,
                **attempt.fields,
            ):
                # Our lease ran out and a retry took the key over: its work counts, not ours.
                raise Refused(409, "A request with this Idempotency-Key is still in progress.")
    except Refused:
        raise
    except BaseException:
        model._default_manager.filter(pk=record.pk, lease=record.lease).delete()
        raise


def _claim(model: type[R], key: str, digest: str, owner: dict[str, Any]) -> Attempt:
    now = timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)
    record = model(
        key=key,
        request_hash=digest,
        state=State.IN_FLIGHT,
        lease=secrets.token_hex(16),
        locked_until=lease_until,
        **owner,
    )
    try:
        with transaction.atomic(durable=True):
            record.save(force_insert=True)
        return Attempt(record, replayed=False)
    except IntegrityError:
        pass
    first = model._default_manager.get(key=key, **owner)
    if first.request_hash != digest:
        raise Refused(422, "This Idempotency-Key was already used with a different body.")
    if first.state == State.DONE:
        return Attempt(
            first, replayed=True, response=(first.response_status or 200, first.response_body)
        )
    if first.locked_until <= now:
        # The request holding the key died (its process was killed): take it over.
        taken = model._default_manager.filter(pk=first.pk, state=State.IN_FLIGHT, lease=first.lease)
        if taken.update(lease=record.lease, locked_until=lease_until):
            first.lease, first.locked_until = record.lease, lease_until
            return Attempt(first, replayed=False)
    raise Refused(409, "A request with this Idempotency-Key is still in progress.")
