"""The SLA policies each process keeps: a change is seen by the next contact, in every process,
not 30 s later."""

import datetime as dt

import pytest
from django.core.cache import cache

from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, Urgency
from hotline.hours.models import Holiday, SlaPolicy
from hotline.hours.policy import active_policies
from hotline.lib.cache import KEY_PREFIX, checked_once

pytestmark = pytest.mark.django_db


def urgent_policy() -> SlaPolicy:
    contact = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert contact.sla_policy is not None
    return contact.sla_policy


def test_the_policies_are_read_once_and_reused(django_assert_num_queries) -> None:
    active_policies()
    # Outside a request (the task worker), each read checks the generation: one small query.
    with django_assert_num_queries(1):
        active_policies()
    # In a request, the first read checks it and the others cost nothing.
    with checked_once():
        active_policies()
        with django_assert_num_queries(0):
            active_policies()


def test_a_changed_target_applies_to_the_next_contact_at_once() -> None:
    policy = urgent_policy()
    policy = SlaPolicy.objects.get(pk=policy.pk)
    policy.resolution_minutes += 60
    policy.save()
    contact = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert contact.sla_policy is not None
    assert contact.sla_policy.resolution_minutes == policy.resolution_minutes


def test_a_deactivated_policy_and_a_new_holiday_are_seen_at_once() -> None:
    policy = urgent_policy()
    calendar = policy.calendar
    before = len(active_policies())
    Holiday.objects.create(calendar=calendar, date=dt.date(2031, 1, 2), name="Closed")
    schedules = [p.calendar._schedule for p in active_policies()]  # type: ignore[attr-defined]
    assert any(dt.date(2031, 1, 2) in schedule.holidays for schedule in schedules)
    policy.active = False
    policy.save(update_fields=["active"])
    assert len(active_policies()) == before - 1


def test_a_target_changed_in_another_process_applies_to_the_next_contact() -> None:
    policy = urgent_policy()
    # As another process would: the row changes without a signal here, and that process's
    # signal writes a new generation to the shared cache, not to this process's policies.
    SlaPolicy.objects.filter(pk=policy.pk).update(resolution_minutes=policy.resolution_minutes + 7)
    assert urgent_policy().resolution_minutes == policy.resolution_minutes  # not told yet
    cache.set(KEY_PREFIX + "hours.policies", "written by another process", timeout=None)
    assert urgent_policy().resolution_minutes == policy.resolution_minutes + 7
