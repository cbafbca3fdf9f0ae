"""Choosing the SLA policy of a contact and computing its deadlines."""

import datetime as dt
from dataclasses import dataclass

from hotline.hours import business
from hotline.hours.models import Calendar, Holiday, OpeningHours, SlaPolicy
from hotline.lib.cache import Shared


@dataclass(frozen=True)
class Deadlines:
    policy: SlaPolicy | None
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None


def _read_policies() -> list[SlaPolicy]:
    policies = list(SlaPolicy.objects.active().select_related("calendar"))
    schedules: dict[int, business.Schedule] = {}
    for policy in policies:
        if policy.calendar_id not in schedules:
            schedules[policy.calendar_id] = policy.calendar.schedule()
        policy.calendar._schedule = schedules[policy.calendar_id]  # type: ignore[attr-defined]
    return policies


# Every contact received needs the active policies and their calendars' schedules (three
# queries), which change a few times a year: each process keeps them until one of these rows
# changes, in whichever process (lib/cache.py).
POLICIES = Shared(
    "hours.policies", _read_policies, depends_on=[SlaPolicy, Calendar, OpeningHours, Holiday]
)


def active_policies() -> list[SlaPolicy]:
    """The active policies in order, each with its calendar and the calendar's schedule."""
    return POLICIES.get()


def choose(
    urgency: str, request_types: list[str], received_at: dt.datetime, channel: str = ""
) -> SlaPolicy | None:
    """The first active policy that matches, or None when no policy does. `channel` is the
    contact's channel code; a policy that names channels matches only those."""
    for policy in active_policies():
        received_open = not policy.received or business.is_open(
            schedule_of(policy.calendar), received_at
        )
        if policy.matches(urgency, request_types, received_open, channel):
            return policy
    return None


def schedule_of(calendar: Calendar) -> business.Schedule:
    cached = getattr(calendar, "_schedule", None)
    if cached is None:
        cached = calendar.schedule()
        calendar._schedule = cached  # type: ignore[attr-defined]
    return cached


def deadlines(policy: SlaPolicy | None, start: dt.datetime, paused_minutes: int = 0) -> Deadlines:
    """Due dates of a contact whose clock started at `start` and was paused for
    `paused_minutes` of open time."""
    if policy is None:
        return Deadlines(None, None, None)
    schedule = schedule_of(policy.calendar)
    first = None
    if policy.first_response_minutes is not None:
        first = business.add_business_minutes(
            schedule, start, policy.first_response_minutes + paused_minutes
        )
    resolution = business.add_business_minutes(
        schedule, start, policy.resolution_minutes + paused_minutes
    )
    return Deadlines(policy, first, resolution)


def paused_minutes(policy: SlaPolicy, since: dt.datetime, until: dt.datetime) -> int:
    return business.business_minutes_between(schedule_of(policy.calendar), since, until)
