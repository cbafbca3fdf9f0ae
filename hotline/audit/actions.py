import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from hotline.audit import checkpoints
from hotline.audit.models import GENESIS_HASH, AuditEvent, ChainHead
from hotline.lib import context

Detail = dict[str, int | str | bool | None]


class Actor(Protocol):
    """Who did it: a staff user, or an anonymous visitor (recorded as nobody). The audit room
    sits below accounts, so it names only what it reads."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...


def record(
    action: str,
    *,
    actor: Actor | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: int | str = "",
    detail: Detail | None = None,
) -> AuditEvent:
    """Append one event to the audit chain, inside the caller's transaction.

    `actor` is a user (anonymous users count as none); `obj` names the object by its model label
    and primary key. `detail` holds ids and codes only, never what a person wrote or said.
    """
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    # No savepoint of its own inside the caller's transaction: a failure here fails that too.
    with transaction.atomic(savepoint=False):
        seq, prev_hash = ChainHead.objects.advance()
        event = AuditEvent(
            seq=seq,
            at=timezone.now(),
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=context.request_id.get(),
            detail=detail or {},
            prev_hash=prev_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(hash=event.hash)
    return event


@dataclass(frozen=True)
class Verdict:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0  # how many checkpoints the chain was checked against
    last_checkpoint: dt.datetime | None = None


def _other_chain(mark: checkpoints.Checkpoint, count: int) -> Verdict:
    return Verdict(
        False,
        count,
        None,
        f"the checkpoint of {mark.at:%Y-%m-%d %H:%M} is of another chain (its first event "
        "differs): this database is not the one it was written for, or was rebuilt",
    )


def verify() -> Verdict:
    """Walk the whole chain, name the first broken link, and check it against every signed
    checkpoint kept outside the database (a chain cut short or rewritten since)."""
    marks = checkpoints.read()
    checked, last_at = 0, None
    try:
        mark = next(marks, None)
        expected_seq, running_hash, count, first = 1, GENESIS_HASH, 0, ""
        for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
            if event.seq != expected_seq:
                return Verdict(False, count, expected_seq, f"event #{expected_seq} is missing")
            if event.prev_hash != running_hash:
                return Verdict(
                    False, count, event.seq, "it does not follow the event before it (reordered?)"
                )
            if event.compute_hash() != event.hash:
                return Verdict(
                    False, count, event.seq, "its content was changed after it was written"
                )
            if event.seq == 1:
                first = event.hash
            while mark is not None and mark.count <= event.seq:
                if mark.first and mark.first != first:
                    return _other_chain(mark, count)
                if mark.count == event.seq and mark.head != event.hash:
                    return Verdict(
                        False,
                        count,
                        event.seq,
                        f"it is not the event the checkpoint of {mark.at:%Y-%m-%d %H:%M} "
                        "recorded (the chain was rewritten from here)",
                    )
                checked, last_at, mark = checked + 1, mark.at, next(marks, None)
            running_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
        if mark is not None and mark.first and mark.first != first:
            return _other_chain(mark, count)
        if mark is not None:
            return Verdict(
                False,
                count,
                count + 1,
                f"the checkpoint of {mark.at:%Y-%m-%d %H:%M} recorded {mark.count} events and "
                f"the chain holds {count}: events after #{count} were cut",
            )
    except checkpoints.BadCheckpoint as bad:
        return Verdict(False, 0, None, str(bad))
    head = ChainHead.objects.filter(pk=1).first() or ChainHead()
    if head.seq != count or head.hash != running_hash:
        return Verdict(False, count, count + 1, "events after it were deleted")
    return Verdict(True, count, checkpoints=checked, last_checkpoint=last_at)
