"""Texts in the console: a contact's page shows its conversation in order with each message's
delivery in words; a specialist replies (with a canned reply picked without JavaScript) and
sends a referral or a resource by text in the person's language; what the gate refuses is said
in words, switches the form off, and stores nothing but its audit event."""

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.channels.models import (
    CannedReply,
    Channel,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.channels.tests.signing import make_channel, send_text, sms_channel
from hotline.contacts.actions import claim, receive, refer, share
from hotline.contacts.models import Contact
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import Service
from hotline.directory.tests.hsds_data import SECRET_ADDRESS, as_tabular_json, package
from hotline.library.models import Resource

pytestmark = pytest.mark.django_db

SENDER = "+12025550143"
UNSAFE_REASON = "The safe-contact plan says texting this person is not safe."
ASK_REASON = "No safe-contact plan is recorded: ask the person whether texting is safe"


@pytest.fixture
def channel(tmp_path: Any) -> Channel:
    return make_channel(tmp_path)


def texted(client: Any, channel: Channel, *bodies: str) -> Contact:
    """The contact that the person's texts became (signed webhooks, as Twilio sends them)."""
    for body in bodies:
        assert send_text(client, channel, SENDER, body).status_code == 200
    return Conversation.objects.get(correspondent__address=SENDER).contact


def page(client: Any, contact: Contact, **query: str) -> str:
    response = client.get(reverse("contacts:detail", args=[contact.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def flash(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def texts_part(body: str) -> str:
    start = body.index('id="texts"')
    return body[start : body.index("</section>", start)]


def test_the_conversation_shows_in_order_with_each_delivery_in_words(
    channel, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "I need help", "مرحبا، أنا خائفة 😟")
    conversation = contact.conversation
    now = timezone.now()
    specialist = personas["specialist"]
    common = {"channel": channel, "conversation": conversation, "direction": Direction.OUT}
    Message.objects.create(
        **common,
        purpose=Purpose.REPLY,
        body="We are here.",
        status=MessageStatus.PENDING,
        sent_by=specialist,
        next_attempt_at=now + dt.timedelta(minutes=2),
        last_error="The provider did not answer in time.",
        created_at=now + dt.timedelta(seconds=1),
    )
    Message.objects.create(
        **common,
        purpose=Purpose.REPLY,
        body="Are you safe?",
        status=MessageStatus.FAILED,
        error_code="21610",
        sent_by=specialist,
        created_at=now + dt.timedelta(seconds=2),
    )
    Message.objects.create(
        **common,
        purpose=Purpose.REPLY,
        body="Call us any time.",
        status=MessageStatus.DELIVERED,
        sent_by=specialist,
        created_at=now + dt.timedelta(seconds=3),
    )

    part = texts_part(page(client_for("specialist"), contact))

    text = html.unescape(re.sub(r"<[^>]+>", "", part))
    order = ["I need help", "مرحبا، أنا خائفة 😟", "We are here.", "Are you safe?", "Call us"]
    assert [text.index(body) for body in order] == sorted(text.index(body) for body in order)
    assert 'dir="auto"' in part
    assert "Not sent yet" in text and "The provider did not answer in time." in text
    assert "next attempt at" in text
    assert "Failed: the person texted STOP" in text
    assert "Delivered" in text
    assert "The person" in text and specialist.username in text
    event = AuditEvent.objects.get(action="channels.conversation_view")
    assert event.object_id == str(conversation.pk)
    assert event.detail == {"contact": contact.pk, "messages": 5}
    assert "I need help" not in str(event.detail)


def test_a_specialist_replies_from_the_contact_page(
    channel, client_for, personas, django_capture_on_commit_callbacks
) -> None:
    contact = texted(client_for("anonymous"), channel, "Someone took my passport")
    client = client_for("specialist")
    tasks = DBTaskResult.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("texts:reply", args=[contact.pk]), {"body": "  We are here. Are you safe?  "}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[contact.pk]) + "#texts"
    reply = Message.objects.get(direction=Direction.OUT)
    assert (reply.body, reply.purpose, reply.status) == (
        "We are here. Are you safe?",
        Purpose.REPLY,
        MessageStatus.PENDING,
    )
    assert reply.sent_by == personas["specialist"]
    assert DBTaskResult.objects.count() == tasks + 1  # the worker sends it
    contact.refresh_from_db()
    assert contact.first_response_at is not None
    shown = client.get(response["Location"])
    assert any("Reply queued" in m for m in flash(shown))
    assert "Not sent yet" in texts_part(shown.content.decode())


def test_a_reply_the_plan_forbids_is_refused_in_words_and_only_audited(channel, client_for) -> None:
    contact = texted(client_for("anonymous"), channel, "hello")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=False)
    client = client_for("specialist")

    body = page(client, contact)
    part = texts_part(body)
    assert "<fieldset disabled>" in part and UNSAFE_REASON in part

    response = client.post(
        reverse("texts:reply", args=[contact.pk]), {"body": "Hello?"}, follow=True
    )
    assert f"Not sent: {UNSAFE_REASON}" in flash(response)
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    refusal = AuditEvent.objects.get(action="channels.text_refused")
    assert refusal.detail["reason"] == "unsafe"


def test_an_empty_reply_is_refused_in_words(channel, client_for) -> None:
    contact = texted(client_for("anonymous"), channel, "hello")
    response = client_for("specialist").post(
        reverse("texts:reply", args=[contact.pk]), {"body": "   "}, follow=True
    )
    assert "Not sent: Write the text before sending it." in flash(response)
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_a_canned_reply_fills_the_reply_without_javascript(channel, client_for) -> None:
    contact = texted(client_for("anonymous"), channel, "AYUDA")
    assert contact.language == "es"
    english = CannedReply.objects.create(title="Safety", language="en", text="Are you safe now?")
    spanish = CannedReply.objects.create(
        title="Seguridad", language="es", text="¿Está a salvo ahora?"
    )
    CannedReply.objects.create(title="Old", language="en", text="Retired", active=False)
    client = client_for("specialist")

    part = texts_part(page(client, contact))
    assert part.index("Seguridad") < part.index("Safety")  # the person's language first
    assert "Retired" not in part and "Old" not in part

    chosen = html.unescape(texts_part(page(client, contact, canned=str(spanish.pk))))
    assert ">¿Está a salvo ahora?</textarea>" in chosen
    assert f'value="{english.pk}"' in chosen


def test_a_reader_who_may_not_change_the_contact_sees_the_texts_but_no_form(
    channel, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "hello")
    claim(contact, actor=personas["supervisor"])
    part = texts_part(page(client_for("specialist"), contact))
    assert "hello" in part
    assert "<textarea" not in part
    response = client_for("specialist").post(
        reverse("texts:reply", args=[contact.pk]), {"body": "Hi"}
    )
    assert response.status_code == 403
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_a_call_with_a_phone_can_be_texted_once_a_channel_is_active(tmp_path, client_for) -> None:
    call = receive(Contact(channel="phone", caller_phone="(202) 555-0143"))
    client = client_for("specialist")
    assert 'id="texts"' not in page(client, call)  # no text channel: nothing to offer

    sms_channel(tmp_path)
    part = texts_part(page(client, call))
    assert "No texts yet." in part and "<textarea" in part
    assert not AuditEvent.objects.filter(action="channels.conversation_view").exists()


# --- Referrals and resources by text ----------------------------------------------------------


@pytest.fixture
def directory() -> None:
    run_import(json_source(as_tabular_json(package())))


def referred(contact: Contact, name: str, personas: dict[str, Any]) -> int:
    service = Service.objects.get(name=name)
    return refer(contact, service, actor=personas["specialist"]).pk


def test_a_referral_is_texted_with_its_phone_and_address(
    channel, directory, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "I need a lawyer")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=True)
    referral = referred(contact, "Survivor legal clinic", personas)
    client = client_for("specialist")
    assert "Text this referral" in texts_part(page(client, contact))

    response = client.post(reverse("texts:send", args=[contact.pk]), {"referral": referral})

    assert response.status_code == 302
    sent = Message.objects.get(direction=Direction.OUT)
    assert sent.purpose == Purpose.REFERRAL
    assert "Survivor legal clinic — Lakeshore Survivor Services (fictional)" in sent.body
    assert "312-555-0100" in sent.body
    assert "100 Example Plaza, Chicago, IL 60601" in sent.body
    timeline = html.unescape(page(client, contact))
    assert "Referral sent by text" in timeline


def test_a_confidential_shelters_address_and_phone_are_never_texted(
    channel, directory, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "I need somewhere safe")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=True)
    referral = referred(contact, "Youth emergency shelter", personas)
    client_for("specialist").post(reverse("texts:send", args=[contact.pk]), {"referral": referral})
    sent = Message.objects.get(direction=Direction.OUT)
    assert "Youth emergency shelter" in sent.body
    assert SECRET_ADDRESS not in sent.body and "312-555-0199" not in sent.body


def test_a_resource_is_texted_with_its_link_in_the_persons_language(
    channel, client_for, personas, settings
) -> None:
    contact = texted(client_for("anonymous"), channel, "AYUDA")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=True)
    resource = Resource.objects.create(
        slug="rights-card", title="Know your rights", summary="s", resource_type="fact_sheet"
    )
    shared = share(contact, resource, actor=personas["specialist"])
    client_for("specialist").post(reverse("texts:send", args=[contact.pk]), {"resource": shared.pk})
    sent = Message.objects.get(purpose=Purpose.RESOURCE)
    assert "Know your rights" in sent.body
    with translation.override("es"):
        link = settings.SITE_URL.rstrip("/") + resource.get_absolute_url()
    assert link.endswith("/es/library/r/rights-card/")
    assert sent.body.endswith(link)


def test_with_no_plan_a_referral_needs_the_specialist_to_confirm_they_asked(
    channel, directory, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "help me please")
    assert contact.safe_to_text is None
    referral = referred(contact, "Survivor legal clinic", personas)
    client = client_for("specialist")
    assert 'name="asked_safe"' in texts_part(page(client, contact))
    url = reverse("texts:send", args=[contact.pk])

    refused = client.post(url, {"referral": referral}, follow=True)
    assert any(ASK_REASON in m for m in flash(refused))
    assert not Message.objects.filter(direction=Direction.OUT).exists()

    client.post(url, {"referral": referral, "asked_safe": "1"})
    sent = Message.objects.get(direction=Direction.OUT)
    assert AuditEvent.objects.get(action="channels.text_queued", object_id=str(sent.pk)).detail[
        "asked_safe"
    ]


def test_a_referral_to_a_person_whose_plan_forbids_texts_is_refused_with_the_reason(
    channel, directory, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "I need a lawyer")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=False)
    referral = referred(contact, "Survivor legal clinic", personas)
    client = client_for("specialist")
    part = texts_part(page(client, contact))
    assert UNSAFE_REASON in part and 'name="asked_safe"' not in part

    response = client.post(
        reverse("texts:send", args=[contact.pk]),
        {"referral": referral, "asked_safe": "1"},
        follow=True,
    )
    assert f"Not sent: {UNSAFE_REASON}" in flash(response)
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    refusal = AuditEvent.objects.get(action="channels.text_refused")
    assert refusal.detail["purpose"] == "referral" and refusal.detail["reason"] == "unsafe"


def test_another_contacts_referral_cannot_be_sent(channel, directory, client_for, personas):
    contact = texted(client_for("anonymous"), channel, "hello")
    other = receive(Contact(channel="phone"))
    foreign = referred(other, "Survivor legal clinic", personas)
    response = client_for("specialist").post(
        reverse("texts:send", args=[contact.pk]), {"referral": foreign, "asked_safe": "1"}
    )
    assert response.status_code == 404
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_sending_neither_or_both_is_a_bad_request(channel, client_for) -> None:
    contact = texted(client_for("anonymous"), channel, "hello")
    url = reverse("texts:send", args=[contact.pk])
    client = client_for("specialist")
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"referral": "1", "resource": "1"}).status_code == 400
    assert client.post(url, {"referral": "x"}).status_code == 400


# --- Timeline and cost ------------------------------------------------------------------------


def test_texts_are_on_the_timeline_in_words(channel, client_for) -> None:
    contact = texted(client_for("anonymous"), channel, "HELP", "They watch my phone")
    body = html.unescape(page(client_for("specialist"), contact))
    timeline = body[body.index('id="timeline-heading"') :]
    assert timeline.count("Text received") == 2
    assert "Automatic reply sent by text" in timeline
    assert "They watch my phone" in timeline
    assert "(Sent)" in timeline


def test_the_page_makes_as_many_queries_for_a_long_conversation_as_a_short_one(
    channel, client_for
) -> None:
    client = client_for("specialist")

    def queries(contact: Contact) -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, contact)
        return len(captured)

    contact = texted(client_for("anonymous"), channel, "one", "two")
    queries(contact)  # the first page of a session fills caches
    short = queries(contact)
    for n in range(30):
        send_text(client_for("anonymous"), channel, SENDER, f"message {n}")
    assert Message.objects.filter(conversation__contact=contact).count() == 32
    assert queries(contact) == short


def test_a_referral_to_a_spanish_speaker_is_texted_in_spanish(
    channel, directory, client_for, personas
) -> None:
    contact = texted(client_for("anonymous"), channel, "AYUDA")
    Contact.objects.filter(pk=contact.pk).update(safe_to_text=True)
    referral = referred(contact, "Survivor legal clinic", personas)
    client_for("specialist").post(reverse("texts:send", args=[contact.pk]), {"referral": referral})
    sent = Message.objects.get(purpose=Purpose.REFERRAL)
    assert "Teléfono: 312-555-0100" in sent.body
    assert "Dirección: 100 Example Plaza" in sent.body
