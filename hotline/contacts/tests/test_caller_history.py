"""Caller history on a contact's page: the other contacts (earlier and later) and the cases
reached at the same phone or email, through the keyed hashes, for the roles that may see them,
bounded, and audited by the ids listed."""

import re

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case
from hotline.cases.models import Victim
from hotline.contacts.actions import receive
from hotline.contacts.history import HISTORY_LIMIT
from hotline.contacts.models import Contact
from hotline.contacts.tests.conftest import eastern

pytestmark = pytest.mark.django_db


def contact(**fields) -> Contact:
    fields.setdefault("channel", "phone")
    return receive(Contact(**fields))


def page_of(client, item: Contact) -> str:
    return client.get(reverse("contacts:detail", args=[item.pk])).content.decode()


def history_of(page: str) -> str:
    found = re.search(r'<section class="caller-history".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_earlier_and_later_contacts_from_the_same_phone_or_email(client_for) -> None:
    earlier = contact(caller_phone="(202) 555-0123", received_at=eastern(2026, 3, 1, 10))
    this = contact(caller_phone="+1 202 555 0123", received_at=eastern(2026, 3, 2, 10))
    later = contact(caller_email="Ana@Example.org", received_at=eastern(2026, 3, 3, 10))
    this.caller_email = "ana@example.org"
    this.save(update_fields=["caller_email"])
    stranger = contact(caller_phone="202-555-0199")
    history = history_of(page_of(client_for("program_staff"), this))
    assert earlier.reference in history and later.reference in history
    assert this.reference not in history and stranger.reference not in history
    assert history.index(later.reference) < history.index(earlier.reference)
    assert "(later)" in history.split(later.reference)[1].split("</li>")[0]


def test_a_contact_without_phone_or_email_has_no_history(client_for) -> None:
    contact()
    this = contact()
    assert history_of(page_of(client_for("specialist"), this)) == ""
    assert not AuditEvent.objects.filter(action="contact.list").exists()


def test_cases_are_listed_for_case_workers_only(client_for, personas) -> None:
    this = contact(caller_phone="202-555-0123")
    case = open_case(actor=personas["specialist"])
    Victim.objects.create(case=case, phone="2025550123")
    via_contact = open_case(
        actor=personas["specialist"], contact=contact(caller_phone="2025550123")
    )
    own = open_case(actor=personas["specialist"], contact=this)
    history = history_of(page_of(client_for("specialist"), this))
    assert str(case) in history and str(via_contact) in history
    # Its own case is on the page already, not in the history.
    assert str(own) not in history
    program = history_of(page_of(client_for("program_staff"), this))
    assert "Contacts" in program and "CS-" not in program


@pytest.mark.parametrize("persona", ["curator", "liaison_a"])
def test_roles_that_see_no_contact_get_no_page(client_for, persona) -> None:
    this = contact(caller_phone="202-555-0123")
    contact(caller_phone="202-555-0123")
    response = client_for(persona).get(reverse("contacts:detail", args=[this.pk]))
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="contact.list").exists()


def test_history_is_audited_by_the_ids_it_lists(client_for, personas) -> None:
    this = contact(caller_phone="202-555-0123")
    other = contact(caller_phone="202-555-0123")
    case = open_case(actor=personas["specialist"])
    Victim.objects.create(case=case, phone="202-555-0123")
    page_of(client_for("specialist"), this)
    listed = AuditEvent.objects.get(action="contact.list", detail__page="caller_history")
    assert listed.object_id == str(this.pk) and listed.detail["contacts"] == str(other.pk)
    cases = AuditEvent.objects.get(action="case.list", detail__page="caller_history")
    assert cases.detail["cases"] == str(case.pk)
    assert "555" not in repr(listed.detail) + repr(cases.detail)


def test_history_is_bounded_with_a_count(client_for) -> None:
    this = contact(caller_phone="202-555-0123")
    for _ in range(HISTORY_LIMIT + 2):
        contact(caller_phone="202-555-0123")
    history = history_of(page_of(client_for("specialist"), this))
    assert history.count("<li>") == HISTORY_LIMIT
    assert f"{HISTORY_LIMIT + 2} found" in history
    assert f"newest {HISTORY_LIMIT} shown" in history
