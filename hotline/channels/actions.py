"""Writes to channels that are not a message's: a channel added (from the command line or the
demo), with its audit event in the same transaction."""

from typing import Any

from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.channels.models import Channel


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
