"""Phone calls reaching Hotline: each piece of news of a call (it rings, it is answered, it ends
and how) taken into its Call row, and the call's contact.

`take` stores one event, in one transaction. The first news of a call, whichever it is (the
provider does not promise its callbacks' order), creates the Call and its contact (channel
`phone`, triaged by the SLA policies like any other, through `contacts.actions.receive`); later
news updates the call. The status moves forward only (CALL_RANK): "ringing" after "completed"
changes nothing. Facts fill in whatever the order: the earliest time seen is when it rang, an
answer's time is kept when it comes after the ending, the ring time is the answer's (or the
ending's, unanswered) distance from the ring, the talk time is the provider's.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.channels.models import CALL_RANK, Call, CallStatus, Channel
from hotline.channels.providers import CallEvent
from hotline.contacts import actions as contact_actions
from hotline.contacts.models import Channel as ContactChannel
from hotline.contacts.models import Contact, validate_received_at
from hotline.lib import lookup

RANK: dict[str, int] = {str(status): rank for status, rank in CALL_RANK.items()}
ENDED = {str(s) for s, rank in CALL_RANK.items() if rank == 3}


@dataclass(frozen=True)
class CallResult:
    call: Call
    new_contact: bool
    moved: bool


def caller_number(value: str) -> str:
    """The caller's number as E.164, or "" for a withheld one (Twilio's "Anonymous",
    "Restricted", "+266696687")."""
    if not lookup.looks_like_phone(value):
        return ""
    number = lookup.normalize_phone(value)
    return number if number.startswith("+") and number != "+266696687" else ""


def _when(at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The provider's time when it is one a contact can have; now otherwise."""
    if at is None:
        return now
    try:
        validate_received_at(at)
    except ValidationError:  # a clock far off
        return now
    return at


def _seconds(later: dt.datetime, earlier: dt.datetime) -> int:
    return max(0, round((later - earlier).total_seconds()))


def _new_call(channel: Channel, event: CallEvent, at: dt.datetime, actor: User | None) -> Call:
    number = caller_number(event.caller)
    contact = Contact(
        channel=ContactChannel.PHONE,
        caller_phone=number,
        urgency=channel.urgency,
        received_at=at,
    )
    contact_actions.receive(contact, actor=actor)
    return Call.objects.create(
        channel=channel,
        contact=contact,
        provider_id=event.provider_id,
        caller=number,
        status=CallStatus.RINGING,
        started_at=at,
    )


def _apply(call: Call, event: CallEvent, at: dt.datetime, actor: User | None) -> bool:
    """The event's facts on the call; whether its status moved."""
    call.started_at = min(call.started_at, at)
    if event.status == CallStatus.IN_PROGRESS:
        call.answered_at = min(call.answered_at or at, at)
    if event.status in ENDED:
        call.ended_at = call.ended_at or at
    if event.status == CallStatus.COMPLETED and event.talk_seconds is not None:
        call.talk_seconds = event.talk_seconds
        if call.answered_at is None and call.ended_at is not None:
            call.answered_at = call.ended_at - dt.timedelta(seconds=event.talk_seconds)
    if call.answered_at is not None:
        call.started_at = min(call.started_at, call.answered_at)
    if event.recorded:
        call.recorded = True
    if not call.caller and caller_number(event.caller):
        call.caller = caller_number(event.caller)
        contact_actions.caller_phone_learned(call.contact, call.caller, actor=actor)
    moved = RANK.get(event.status, 0) > RANK.get(call.status, 0)
    if moved:
        call.status = event.status
    if call.answered_at is not None:
        call.ring_seconds = _seconds(call.answered_at, call.started_at)
    elif call.ended_at is not None:
        call.ring_seconds = _seconds(call.ended_at, call.started_at)
    return moved


def take(channel: Channel, event: CallEvent, *, actor: User | None = None) -> CallResult:
    """Store one piece of news of a call: the call (and its contact) created by the first, the
    call updated by the others. One transaction. `actor`: the account of the phone system that
    posted it through the API (None for a provider's webhook)."""
    now = timezone.now()
    at = _when(event.at, now)
    with transaction.atomic():
        new_contact = False
        call = (
            Call.objects.select_for_update()
            .filter(channel=channel, provider_id=event.provider_id)
            .first()
        )
        if call is None:
            try:
                with transaction.atomic():
                    call = _new_call(channel, event, at, actor)
                    new_contact = True
            except IntegrityError:
                # The same call's other news was taken at the same moment: it made the call.
                call = Call.objects.select_for_update().get(
                    channel=channel, provider_id=event.provider_id
                )
        moved = _apply(call, event, at, actor)
        call.save()
        record(
            "channels.call",
            actor=actor,
            obj=call,
            detail={
                "channel": channel.pk,
                "contact": call.contact_id,
                "status": event.status,
                "moved": moved,
                "new_contact": new_contact,
                "recorded": call.recorded,
            },
        )
    return CallResult(call, new_contact, moved)
