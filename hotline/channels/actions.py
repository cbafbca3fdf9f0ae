"""Writes to channels that are not a message's: a channel added (from the command line or the
demo), an interpreter's part in a call; each with its audit event in the same transaction."""

from typing import Any

from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.channels.models import Call, Channel
from hotline.contacts import actions as contact_actions


def add_channel(*, actor: User | None = None, **fields: Any) -> Channel:
    """Create a channel after the model's own checks (one secret source, a valid number); a
    ValidationError leaves nothing behind."""
    channel = Channel(**fields)
    channel.full_clean()
    with transaction.atomic():
        channel.save()
        record(
            "channels.channel_create",
            actor=actor,
            obj=channel,
            detail={"kind": channel.kind, "provider": channel.provider},
        )
    return channel


def record_interpreter(call: Call, language: str, minutes: int, *, actor: User) -> Call:
    """An interpreter took part in the call: the language and the minutes on the call, and on
    its contact that an interpreter was used, in the caller's language. The caller checked that
    `actor` may change the contact (`call.contact`)."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.interpreter_language, locked.interpreter_minutes = language, minutes
        locked.save(update_fields=["interpreter_language", "interpreter_minutes", "updated_at"])
        contact = call.contact
        changed = []
        if not contact.interpreter_used:
            contact.interpreter_used = True
            changed.append("interpreter_used")
        if contact.language != language:
            contact.language = language
            changed.append("language")
        if changed:
            contact_actions.update(contact, changed, actor=actor)
        record(
            "channels.call_interpreter",
            actor=actor,
            obj=locked,
            detail={"contact": contact.pk, "language": language, "minutes": minutes},
        )
    locked.contact = contact
    return locked
