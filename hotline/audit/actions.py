from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from hotline.audit.models import GENESIS_HASH, AuditEvent, ChainHead
from hotline.lib import context

Detail = dict[str, int | str | bool | None]


def record(
    action: str,
    *,
    actor: Any = None,
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
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # a fresh or flushed database
            ChainHead.objects.bulk_create([ChainHead(pk=1)], ignore_conflicts=True)
            head = ChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=context.request_id.get(),
            detail=detail or {},
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class Verdict:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""


def verify() -> Verdict:
    """Walk the whole chain and name the first broken link."""
    expected_seq, running_hash, count = 1, GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        if event.seq != expected_seq:
            return Verdict(False, count, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != running_hash:
            return Verdict(
                False, count, event.seq, "it does not follow the event before it (reordered?)"
            )
        if event.compute_hash() != event.hash:
            return Verdict(False, count, event.seq, "its content was changed after it was written")
        running_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    head = ChainHead.objects.filter(pk=1).first() or ChainHead()
    if head.seq != count or head.hash != running_hash:
        return Verdict(False, count, count + 1, "events after it were deleted")
    return Verdict(True, count)
