"""A contact as a timeline: every path that changes a status writes one status change, notes are
added by those who work contacts (and nobody else), and the timeline reads in time order, in
words, from a constant number of queries."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import User
from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case
from hotline.contacts.actions import add_note, claim, receive, refer, set_status, share, update
from hotline.contacts.models import (
    NOTE_MAX_LENGTH,
    Assignment,
    Contact,
    FollowUpChange,
    Note,
    Status,
    StatusChange,
)
from hotline.contacts.tests.test_api import api, token_for
from hotline.contacts.timeline import timeline
from hotline.directory.models import Organization, Service
from hotline.library.models import Resource

# New work, not messages taken after hours: the suite runs at any hour.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_hours_always_open")]

CALL = {
    "channel": "phone",
    "urgency": "non_urgent",
    "caller_type": "survivor",
    "substantive": "on",
    "language": "en",
    "heard_from": "unknown",
    "narrative": "Caller asks about a job offer (fictional).",
}


def changes(contact: Contact) -> list[tuple[str, str, int | None]]:
    return list(
        StatusChange.objects.filter(contact=contact)
        .order_by("at", "pk")
        .values_list("old", "new", "by_id")
    )


# --- Every path that changes a status writes one row ---------------------------------------------


def test_a_public_contact_is_received_with_one_status_change() -> None:
    item = receive(Contact(channel="webform"))
    assert changes(item) == [("", Status.NEW, None)]
    assert not Assignment.objects.exists()


def test_a_call_recorded_live_writes_its_status_and_who_took_it(client_for, personas) -> None:
    specialist = personas["specialist"]
    response = client_for("specialist").post(reverse("contacts:intake"), {**CALL, "status": "new"})
    assert response.status_code == 302
    item = Contact.objects.get()
    assert changes(item) == [("", Status.IN_PROGRESS, specialist.pk)]
    assert list(Assignment.objects.values_list("assignee_id", "by_id")) == [
        (specialist.pk, specialist.pk)
    ]


def test_claiming_a_new_contact_writes_one_status_change_and_one_assignment(personas) -> None:
    specialist = personas["specialist"]
    item = receive(Contact(channel="sms"))
    claim(item, actor=specialist)
    assert changes(item)[1:] == [(Status.NEW, Status.IN_PROGRESS, specialist.pk)]
    assert Assignment.objects.filter(contact=item, assignee=specialist).count() == 1


def test_claiming_a_contact_already_in_progress_changes_no_status(personas) -> None:
    item = receive(
        Contact(channel="phone", status=Status.IN_PROGRESS), actor=personas["specialist"]
    )
    claim(item, actor=personas["supervisor"])
    assert len(changes(item)) == 1
    assignees = Assignment.objects.filter(contact=item).order_by("pk")
    assert [a.assignee_id for a in assignees] == [
        personas["specialist"].pk,
        personas["supervisor"].pk,
    ]


def test_an_edit_that_changes_the_status_writes_one_row(client_for, personas) -> None:
    item = receive(
        Contact(channel="phone", status=Status.IN_PROGRESS), actor=personas["specialist"]
    )
    response = client_for("specialist").post(
        reverse("contacts:edit", args=[item.pk]), {**CALL, "status": "awaiting_follow_up"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert changes(item)[1:] == [
        (Status.IN_PROGRESS, Status.AWAITING_FOLLOW_UP, personas["specialist"].pk)
    ]


def test_an_edit_that_keeps_the_status_writes_none(personas) -> None:
    item = receive(Contact(channel="phone"))
    item.narrative = "More detail (fictional)."
    update(item, ["narrative"], actor=personas["specialist"])
    assert len(changes(item)) == 1


def test_closing_writes_one_row(personas) -> None:
    item = receive(Contact(channel="phone"))
    set_status(item, Status.CLOSED, actor=personas["supervisor"])
    assert changes(item)[1:] == [(Status.NEW, Status.CLOSED, personas["supervisor"].pk)]


def test_the_apis_status_update_writes_one_row(personas) -> None:
    item = receive(Contact(channel="api"))
    client = api(token_for(personas["specialist"]))
    response = client.patch(
        f"/api/contacts/{item.pk}", {"status": "closed"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert changes(item)[1:] == [(Status.NEW, Status.CLOSED, personas["specialist"].pk)]


def test_follow_ups_planned_and_done_are_rows(personas) -> None:
    specialist = personas["specialist"]
    item = receive(Contact(channel="phone"))
    day = timezone.localdate() + dt.timedelta(days=3)
    item.follow_up_needed, item.follow_up_on = True, day
    update(item, ["follow_up_needed", "follow_up_on"], actor=specialist)
    item.narrative = "Nothing about the follow-up (fictional)."
    update(item, ["narrative"], actor=specialist)
    item.follow_up_needed = False
    update(item, ["follow_up_needed"], actor=specialist)
    assert list(FollowUpChange.objects.order_by("pk").values_list("due", "by_id")) == [
        (day, specialist.pk),
        (None, specialist.pk),
    ]


# --- Notes ---------------------------------------------------------------------------------------


def test_program_staff_add_a_note_to_a_contact_someone_else_holds(client_for, personas) -> None:
    item = receive(Contact(channel="phone"))
    claim(item, actor=personas["specialist"])
    text = "Caller's sister will call back on Monday (fictional)."
    response = client_for("program_staff").post(
        reverse("contacts:add_note", args=[item.pk]), {"text": f"  {text}\n"}
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.contact, note.author, note.text) == (item, personas["program_staff"], text)
    event = AuditEvent.objects.get(action="contact.note")
    assert event.detail == {"note": note.pk}
    assert event.object_id == str(item.pk) and event.actor_id == personas["program_staff"].pk
    every_detail = json.dumps(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert "sister" not in every_detail


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Write the note before adding it."),
        ("   \n ", "Write the note before adding it."),
        ("x" * (NOTE_MAX_LENGTH + 1), f"A note can be at most {NOTE_MAX_LENGTH} characters"),
    ],
)
def test_an_empty_or_too_long_note_is_refused_in_words(client_for, text: str, error: str) -> None:
    item = receive(Contact(channel="phone"))
    response = client_for("specialist").post(
        reverse("contacts:add_note", args=[item.pk]), {"text": text}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Note.objects.exists()
    assert not AuditEvent.objects.filter(action="contact.note").exists()


def test_the_action_refuses_what_the_form_would(personas) -> None:
    from django.core.exceptions import ValidationError

    item = receive(Contact(channel="phone"))
    with pytest.raises(ValidationError):
        add_note(item, " ", actor=personas["specialist"])
    with pytest.raises(ValidationError):
        add_note(item, "x" * (NOTE_MAX_LENGTH + 1), actor=personas["specialist"])
    assert not Note.objects.exists()


@pytest.mark.parametrize("persona", ["curator", "administrator", "liaison_a"])
def test_who_does_not_work_contacts_cannot_add_a_note(client_for, persona: str) -> None:
    item = receive(Contact(channel="phone"))
    response = client_for(persona).post(
        reverse("contacts:add_note", args=[item.pk]), {"text": "Should not be stored"}
    )
    assert response.status_code in (403, 404)
    assert not Note.objects.exists()


def test_a_closed_contact_takes_notes_from_a_supervisor_only(client_for, personas) -> None:
    item = receive(Contact(channel="phone"))
    set_status(item, Status.CLOSED, actor=personas["supervisor"])
    url = reverse("contacts:add_note", args=[item.pk])
    assert client_for("specialist").post(url, {"text": "Late note"}).status_code == 403
    assert client_for("supervisor").post(url, {"text": "Late note"}).status_code == 302
    assert Note.objects.get().author == personas["supervisor"]


def test_notes_have_no_way_to_be_changed() -> None:
    # Immutable by design: no URL edits or deletes a note (corrections are new notes).
    from hotline.contacts import urls

    names = {p.name for p in urls.urlpatterns}
    assert names & {"edit_note", "delete_note", "change_note"} == set()


# --- The timeline --------------------------------------------------------------------------------


def _service() -> Service:
    org = Organization.objects.create(name="Timeline Org (fictional)", description="d")
    return Service.objects.create(organization=org, name="Shelter line", status="active")


def _resource(n: int = 0) -> Resource:
    return Resource.objects.create(
        slug=f"card-{n}",
        title=f"Know your rights card {n}",
        summary="s",
        resource_type="fact_sheet",
    )


def _at(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=5) + dt.timedelta(minutes=minutes)


def test_the_timeline_is_in_time_order_and_in_words(personas) -> None:
    specialist, staff = personas["specialist"], personas["program_staff"]
    item = receive(Contact(channel="phone", received_at=_at(0)))
    # New in service hours, a message taken outside them: the words follow either way.
    recorded_as = item.get_status_display()
    StatusChange.objects.filter(contact=item).update(at=_at(1))
    claim(item, actor=specialist)
    StatusChange.objects.filter(contact=item).exclude(old="").update(at=_at(10))
    Assignment.objects.filter(contact=item).update(at=_at(10))
    later_note = add_note(item, "Second note (fictional)", actor=staff)
    first_note = add_note(item, "First note (fictional)", actor=specialist)
    Note.objects.filter(pk=first_note.pk).update(written_at=_at(20))
    Note.objects.filter(pk=later_note.pk).update(written_at=_at(40))
    referral = refer(item, _service(), actor=specialist)
    type(referral).objects.filter(pk=referral.pk).update(referred_at=_at(30))
    shared = share(item, _resource(), actor=specialist)
    type(shared).objects.filter(pk=shared.pk).update(shared_at=_at(50))

    entries = timeline(item, staff)
    assert [e.kind for e in entries] == [
        "received",
        "status",
        "assignment",
        "note",
        "referral",
        "note",
        "share",
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    received, status = entries[0], entries[1]
    assert received.text == f"Phone, recorded as {recorded_as}"
    assert status.text == f"{recorded_as} → In progress" and status.actor == specialist.username
    assert entries[3].text == "First note (fictional)"
    assert entries[4].text == "Shelter line — Timeline Org (fictional)"


def test_the_linked_case_is_on_the_timeline_for_case_workers_only(personas) -> None:
    item = receive(Contact(channel="phone"))
    case = open_case(actor=personas["specialist"], contact=item)
    (entry,) = [e for e in timeline(item, personas["specialist"]) if e.kind == "case"]
    assert entry.text == case.reference
    assert entry.href == reverse("cases:detail", args=[case.pk])
    # Program staff work contacts but not cases: no sign of one.
    assert not [e for e in timeline(item, personas["program_staff"]) if e.kind == "case"]


def _fill(item: Contact, personas, rounds: int) -> None:
    specialist = personas["specialist"]
    for n in range(rounds):
        add_note(item, f"Note {n} (fictional)", actor=specialist)
        share(item, _resource(n), actor=specialist)
        set_status(
            item, Status.AWAITING_FOLLOW_UP if n % 2 else Status.IN_PROGRESS, actor=specialist
        )


@pytest.mark.parametrize("rounds", [1, 10])
def test_the_timeline_takes_the_same_queries_for_3_or_30_entries(
    personas, django_assert_num_queries, rounds: int
) -> None:
    item = receive(Contact(channel="phone"))
    _fill(item, personas, rounds)
    open_case(actor=personas["specialist"], contact=item)
    item = Contact.objects.get(pk=item.pk)
    # Status changes, assignments, follow-ups, notes, referrals, shares, and the hooks of
    # cases, of texts and of calls.
    with django_assert_num_queries(9):
        entries = timeline(item, personas["specialist"])
    # Received (with its first status) and the case, besides what _fill wrote.
    assert len(entries) == 3 * rounds + 2


def test_the_contact_page_shows_the_timeline_and_the_note_form(client_for, personas) -> None:
    item = receive(Contact(channel="phone"))
    add_note(item, "Seen on the page (fictional)", actor=personas["specialist"])
    set_status(item, Status.AWAITING_FOLLOW_UP, actor=personas["specialist"])
    page = client_for("program_staff").get(reverse("contacts:detail", args=[item.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Seen on the page (fictional)" in body
    assert "New → Awaiting follow-up" in body
    assert "awaiting_follow_up" not in body.split('class="timeline"')[1].split("</section>")[0]
    assert reverse("contacts:add_note", args=[item.pk]) in body


def test_who_may_not_add_a_note_sees_no_note_form(client_for, personas) -> None:
    item = receive(Contact(channel="phone"))
    set_status(item, Status.CLOSED, actor=personas["supervisor"])
    page = client_for("specialist").get(reverse("contacts:detail", args=[item.pk]))
    assert page.status_code == 200
    assert reverse("contacts:add_note", args=[item.pk]) not in page.content.decode()


@pytest.mark.parametrize("persona", ["curator", "administrator", "liaison_a"])
def test_who_may_not_see_the_contact_sees_no_timeline(client_for, personas, persona: str) -> None:
    item = receive(Contact(channel="phone"))
    add_note(item, "Private note (fictional)", actor=User.objects.get(username="specialist"))
    page = client_for(persona).get(reverse("contacts:detail", args=[item.pk]))
    assert page.status_code in (403, 404)
    assert "Private note" not in page.content.decode()


def test_a_follow_up_given_on_intake_is_on_the_timeline(personas) -> None:
    day = timezone.localdate() + dt.timedelta(days=2)
    item = receive(
        Contact(channel="phone", follow_up_needed=True, follow_up_on=day, status="in_progress"),
        actor=personas["specialist"],
    )
    (entry,) = [e for e in timeline(item, personas["specialist"]) if e.kind == "follow_up"]
    assert entry.label == "Follow-up planned" and entry.actor == "specialist"


def test_times_are_shown_in_the_hotlines_time_zone(client_for, settings) -> None:
    settings.TIME_ZONE = "America/Los_Angeles"
    received = dt.datetime(2026, 3, 2, 18, 30, tzinfo=dt.UTC)  # 10:30 in Los Angeles
    item = receive(Contact(channel="phone", received_at=received))
    body = client_for("specialist").get(reverse("contacts:detail", args=[item.pk])).content
    section = body.decode().split('class="timeline"')[1]
    assert "Mon 2 Mar 2026 10:30" in section and "18:30" not in section
