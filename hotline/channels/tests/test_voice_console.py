"""Phone calls in the console: the screen pop shows the calls coming in with the caller's number
and earlier contacts and cases by number, a contact's page its calls, the supervisor's view the
calls that ended unanswered, and an interpreter's part is recorded on a call."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case
from hotline.channels.models import Call, CallStatus, Channel
from hotline.channels.tests.signing import CALLER, new_sid, send_call, timestamp, voice_channel
from hotline.contacts.actions import claim, receive
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tmp_path) -> Channel:
    return voice_channel(tmp_path, forward_to="+13125550100")


NOW = timezone.now().replace(microsecond=0)  # Twilio's Timestamp counts whole seconds


def ring(channel: Channel, caller: str = CALLER, seconds_ago: int = 0) -> Call:
    sid = new_sid("CA")
    at = timestamp(NOW - dt.timedelta(seconds=seconds_ago))
    response = send_call(Client(), channel, "inbound", sid, "ringing", caller=caller, Timestamp=at)
    assert response.status_code == 200
    return Call.objects.get(provider_id=sid)


def end(channel: Channel, call: Call, status: str, **more: str) -> None:
    response = send_call(Client(), channel, "status", call.provider_id, status, **more)
    assert response.status_code == 200


@pytest.fixture
def earlier(personas) -> tuple[Contact, str | None]:
    """The caller's earlier contact (the number written as they said it) and a case from it."""
    contact = receive(Contact(channel="sms", caller_phone="(202) 555-0123"))
    case = open_case(actor=personas["specialist"], contact=contact)
    return contact, case.reference


def section(page: str, css_class: str) -> str:
    start = page.index(f'<section class="{css_class}"')
    return page[start : page.index("</section>", start)]


def test_the_screen_pop_shows_the_caller_history_by_number(channel, earlier, client_for) -> None:
    contact, case_reference = earlier
    call = ring(channel)
    page = client_for("specialist").get(reverse("calls:screen_pop")).content.decode()
    pop = section(page, "screen-pop")
    assert call.contact.reference in pop
    assert reverse("contacts:detail", args=[call.contact_id]) in pop
    assert CALLER in pop
    assert contact.reference in pop and case_reference and case_reference in pop
    listed = AuditEvent.objects.get(action="channels.call_list")
    assert listed.detail == {"page": "screen_pop", "calls": str(call.pk)}
    assert AuditEvent.objects.filter(
        action="contact.list", detail__page="caller_history", object_id=str(call.contact_id)
    ).exists()


def test_program_staff_see_the_history_under_their_own_rules(channel, earlier, client_for) -> None:
    contact, case_reference = earlier
    ring(channel)
    page = client_for("program_staff").get(reverse("calls:screen_pop")).content.decode()
    pop = section(page, "screen-pop")
    assert CALLER in pop  # they call back the messages taken after hours
    assert contact.reference in pop
    assert case_reference and case_reference not in pop  # program staff work no cases


def test_a_call_that_ended_leaves_the_screen_pop(channel, client_for) -> None:
    call = ring(channel)
    end(channel, call, "completed", CallDuration="40")
    page = client_for("specialist").get(reverse("calls:screen_pop")).content.decode()
    assert call.contact.reference not in page
    assert "No calls are coming in." in page


def test_a_withheld_number_pops_without_history(channel, earlier, client_for) -> None:
    contact, _case = earlier
    ring(channel, caller="Anonymous")
    page = client_for("specialist").get(reverse("calls:screen_pop")).content.decode()
    assert "number withheld" in page and contact.reference not in page


def test_a_contacts_page_shows_its_calls(channel, client_for) -> None:
    call = ring(channel, seconds_ago=60)
    end(
        channel,
        call,
        "completed",
        CallDuration="45",
        RecordingSid="RE" + "2" * 32,
        Timestamp=timestamp(NOW),
    )
    url = reverse("contacts:detail", args=[call.contact_id])
    calls = section(client_for("specialist").get(url).content.decode(), "calls")
    assert "Answered, ended" in calls and CALLER in calls
    assert "45 seconds" in calls and "15 seconds" in calls  # talk, ring (60 - 45)
    assert "A recording exists at the phone system." in calls
    assert CALLER in section(client_for("program_staff").get(url).content.decode(), "calls")
    assert AuditEvent.objects.filter(action="channels.call_view").count() == 2


def test_the_supervisor_sees_the_calls_that_ended_unanswered(channel, client_for) -> None:
    missed = ring(channel, seconds_ago=300)
    end(channel, missed, "no-answer")
    hung_up = ring(channel, caller="+12025550177", seconds_ago=200)
    end(channel, hung_up, "canceled")
    answered = ring(channel, caller="+12025550188", seconds_ago=100)
    end(channel, answered, "completed", CallDuration="20")
    # The first caller rang again and got through.
    again = ring(channel, seconds_ago=50)
    end(channel, again, "in-progress")
    yesterday = ring(channel, caller="+12025550166")
    end(channel, yesterday, "busy")
    Call.objects.filter(pk=yesterday.pk).update(started_at=timezone.now() - dt.timedelta(hours=25))
    page = client_for("supervisor").get(reverse("contacts:supervisor")).content.decode()
    abandoned = section(page, "abandoned-calls")
    references = {c.pk: Contact.objects.get(pk=c.contact_id).reference for c in Call.objects.all()}
    assert references[missed.pk] in abandoned and references[hung_up.pk] in abandoned
    assert references[answered.pk] not in abandoned and references[again.pk] not in abandoned
    assert references[yesterday.pk] not in abandoned
    assert "Not answered" in abandoned and "Caller hung up before an answer" in abandoned
    lines = abandoned.split("<li>")
    missed_line = next(line for line in lines if references[missed.pk] in line)
    hung_up_line = next(line for line in lines if references[hung_up.pk] in line)
    assert "called again and got through" in missed_line
    assert "called again" not in hung_up_line
    assert AuditEvent.objects.filter(action="channels.call_list", detail__page="abandoned").exists()


def test_an_interpreter_is_recorded_on_the_call_and_its_contact(
    channel, client_for, personas
) -> None:
    call = ring(channel)
    prefix = f"call{call.pk}"
    response = client_for("specialist").post(
        reverse("calls:interpreter", args=[call.pk]),
        {f"{prefix}-language": "es", f"{prefix}-minutes": "12"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{call.contact_id}/#calls")
    call.refresh_from_db()
    assert (call.interpreter_language, call.interpreter_minutes) == ("es", 12)
    contact = Contact.objects.get(pk=call.contact_id)
    assert contact.interpreter_used and contact.language == "es"
    event = AuditEvent.objects.get(action="channels.call_interpreter")
    assert event.detail == {"contact": contact.pk, "language": "es", "minutes": 12}
    assert AuditEvent.objects.filter(action="contact.update", object_id=str(contact.pk)).exists()
    page = client_for("specialist").get(reverse("contacts:detail", args=[contact.pk]))
    assert "Spanish, 12 minutes" in section(page.content.decode(), "calls")


@pytest.mark.parametrize(
    ("language", "minutes", "words"),
    [
        ("es", "0", "greater than or equal to 1"),
        ("es", "601", "less than or equal to 600"),
        ("xx-nonsense", "5", "Select a valid choice"),
        ("", "5", "This field is required"),
    ],
)
def test_bad_interpreter_input_is_refused_in_words_and_changes_nothing(
    channel, client_for, language, minutes, words
) -> None:
    call = ring(channel)
    prefix = f"call{call.pk}"
    response = client_for("specialist").post(
        reverse("calls:interpreter", args=[call.pk]),
        {f"{prefix}-language": language, f"{prefix}-minutes": minutes},
        follow=True,
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert "Interpreter not recorded" in said and words in said
    call.refresh_from_db()
    assert (call.interpreter_language, call.interpreter_minutes) == ("", None)
    assert not Contact.objects.get(pk=call.contact_id).interpreter_used
    assert not AuditEvent.objects.filter(action="channels.call_interpreter").exists()


def test_only_who_may_change_the_contact_records_an_interpreter(
    channel, client_for, personas
) -> None:
    call = ring(channel)
    claim(Contact.objects.get(pk=call.contact_id), actor=personas["supervisor"])
    prefix = f"call{call.pk}"
    response = client_for("specialist").post(
        reverse("calls:interpreter", args=[call.pk]),
        {f"{prefix}-language": "es", f"{prefix}-minutes": "5"},
    )
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.interpreter_minutes is None
    assert call.status == CallStatus.RINGING


def test_the_abandoned_calls_take_the_same_queries_for_1_or_5(channel, personas) -> None:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from hotline.channels.phone import abandoned_section

    def count_for(n: int) -> int:
        Call.objects.all().delete()
        for i in range(n):
            end(channel, ring(channel, caller=f"+1202555017{i}", seconds_ago=60), "busy")
        request = RequestFactory().get("/")
        request.user = personas["supervisor"]
        with CaptureQueriesContext(connection) as queries:
            found = abandoned_section(request)  # type: ignore[arg-type]
        assert found is not None and len(found.context["rows"]) == n
        return len(queries)

    assert count_for(1) == count_for(5)


def test_a_call_is_on_its_contacts_timeline(channel, client_for) -> None:
    call = ring(channel, seconds_ago=30)
    end(channel, call, "no-answer", Timestamp=timestamp(NOW))
    page = client_for("specialist").get(reverse("contacts:detail", args=[call.contact_id]))
    text = page.content.decode()
    timeline = text[text.index('class="timeline"') :]
    assert "Phone call" in timeline and "Not answered · rang 30 s" in timeline
