"""Texts reaching Hotline through the signed inbound webhook: stored once, threaded into
conversations that are contacts in the queue, and nothing stored for a request that is not the
provider's."""

import datetime as dt
import http.server
import logging
import threading
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.channels.models import (
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    WebhookKey,
)
from hotline.channels.tests.signing import (
    inbound_params,
    make_channel,
    new_sid,
    post_signed,
    send_text,
)
from hotline.contacts import actions as contact_actions
from hotline.contacts.models import Contact, Notification, NotificationKind, Status
from hotline.hours.models import Calendar, SlaPolicy
from hotline.lib.cache import KEY_PREFIX

pytestmark = pytest.mark.django_db

ANA = "+12025550123"
BEN = "+12025550188"


@pytest.fixture
def channel(tmp_path) -> Channel:
    return make_channel(tmp_path)


def nothing_stored() -> bool:
    return not (
        Message.objects.exists()
        or Conversation.objects.exists()
        or Correspondent.objects.exists()
        or Contact.objects.exists()
        or WebhookKey.objects.exists()
        or AuditEvent.objects.filter(action__startswith="channels.").exists()
    )


def test_a_signed_text_is_stored_once_as_an_sms_contact_in_the_queue(channel, client_for) -> None:
    response = send_text(Client(), channel, "(202) 555-0123", "They took my passport")
    assert response.status_code == 200
    assert response.content == b""
    message = Message.objects.get()
    assert message.direction == Direction.IN
    assert message.status == MessageStatus.RECEIVED
    assert message.body == "They took my passport"
    contact = message.conversation.contact
    assert contact.channel == "sms"
    assert contact.caller_phone == ANA  # E.164
    assert contact.status == Status.NEW
    assert contact.urgency == channel.urgency
    assert message.conversation.correspondent.address == ANA
    assert AuditEvent.objects.filter(
        action="channels.message_in", object_id=str(message.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk)).exists()
    queue = client_for("specialist").get(reverse("contacts:queue")).content.decode()
    assert contact.reference in queue


def test_audit_of_a_text_holds_ids_and_codes_not_the_number_or_body(channel) -> None:
    send_text(Client(), channel, ANA, "My secret words")
    event = AuditEvent.objects.get(action="channels.message_in")
    text = str(event.detail)
    assert "secret" not in text and "555" not in text


@pytest.mark.parametrize(
    "signature",
    ["", "forged+signature+AAAAAAAAAAAAAAAAAAAA=", "c2lnbmVkIHdpdGggYW5vdGhlciB0b2tlbg=="],
    ids=["missing", "forged", "garbage"],
)
def test_a_missing_or_forged_signature_is_refused_and_nothing_stored(channel, signature) -> None:
    params = inbound_params(channel, ANA, "hello")
    response = post_signed(
        Client(), channel.webhook_path("inbound"), params, signature_override=signature
    )
    assert response.status_code == 403
    assert "signature" in response.content.decode()
    assert nothing_stored()


def test_a_request_signed_with_another_token_is_refused(channel) -> None:
    params = inbound_params(channel, ANA, "hello")
    response = post_signed(Client(), channel.webhook_path("inbound"), params, token="other")
    assert response.status_code == 403
    assert nothing_stored()


def test_a_changed_field_breaks_the_signature(channel) -> None:
    from hotline.channels.tests.signing import full_url, signature

    path = channel.webhook_path("inbound")
    params = inbound_params(channel, ANA, "hello")
    signed = signature(full_url(path), params)
    params["Body"] = "hello, changed"
    response = post_signed(Client(), path, params, signature_override=signed)
    assert response.status_code == 403
    assert nothing_stored()


def test_behind_a_proxy_the_public_base_url_is_what_is_verified(channel, settings) -> None:
    settings.SITE_URL = "https://hotline.example.org"
    # Signed over the public address (what the provider called), received at the test host.
    response = send_text(Client(), channel, ANA, "hello")
    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_a_signature_over_the_internal_address_is_refused_behind_a_proxy(channel, settings) -> None:
    from hotline.channels.tests.signing import signature

    settings.SITE_URL = "https://hotline.example.org"
    path = channel.webhook_path("inbound")
    params = inbound_params(channel, ANA, "hello")
    internal = signature("http://testserver" + path, params)
    response = post_signed(Client(), path, params, signature_override=internal)
    assert response.status_code == 403
    assert nothing_stored()


def test_an_unknown_or_inactive_channel_is_not_found(channel, tmp_path) -> None:
    path = reverse("channels:sms_inbound", args=["0" * 32])
    response = post_signed(Client(), path, inbound_params(channel, ANA, "hello"))
    assert response.status_code == 404
    channel.active = False
    channel.save(update_fields=["active"])
    response = send_text(Client(), channel, ANA, "hello")
    assert response.status_code == 404
    assert nothing_stored()


def test_the_webhook_takes_only_post(channel) -> None:
    assert Client().get(channel.webhook_path("inbound")).status_code == 405
    assert nothing_stored()


def test_a_request_that_is_not_a_message_is_refused_in_words(channel) -> None:
    params = inbound_params(channel, ANA, "hello")
    del params["MessageSid"]
    response = post_signed(Client(), channel.webhook_path("inbound"), params)
    assert response.status_code == 400
    assert "MessageSid" in response.content.decode()
    assert nothing_stored()


def test_a_replayed_request_stores_nothing_new_and_gets_the_first_answer(channel) -> None:
    """Twilio's signature has no timestamp: an old request replayed is caught by its key."""
    params = inbound_params(channel, ANA, "HELP")
    first = post_signed(Client(), channel.webhook_path("inbound"), params)
    again = post_signed(Client(), channel.webhook_path("inbound"), params)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and b"<Message>" in first.content
    assert Message.objects.filter(direction=Direction.IN).count() == 1
    assert Message.objects.filter(direction=Direction.OUT).count() == 1
    assert Contact.objects.count() == 1
    assert WebhookKey.objects.get().key == f"sms:{params['MessageSid']}"


def test_a_retry_with_the_same_idempotency_token_stores_nothing_new(channel) -> None:
    sid = new_sid()
    token = {"I-Twilio-Idempotency-Token": "tok-1"}
    for _ in range(2):
        assert send_text(Client(), channel, ANA, "hi", sid=sid, headers=token).status_code == 200
    assert Message.objects.count() == 1
    assert WebhookKey.objects.get().key == "tok-1"


def test_the_same_message_under_another_token_is_stored_once(channel) -> None:
    sid = new_sid()
    first = send_text(
        Client(), channel, ANA, "HELP", sid=sid, headers={"I-Twilio-Idempotency-Token": "a"}
    )
    second = send_text(
        Client(), channel, ANA, "HELP", sid=sid, headers={"I-Twilio-Idempotency-Token": "b"}
    )
    assert b"<Message>" in first.content
    assert second.status_code == 200 and second.content == b""
    assert Message.objects.filter(direction=Direction.IN).count() == 1
    assert Message.objects.filter(direction=Direction.OUT).count() == 1  # one auto reply
    assert AuditEvent.objects.filter(action="channels.message_in").count() == 1


def test_a_retry_under_another_token_that_would_start_a_contact_leaves_nothing_behind(
    channel, personas
) -> None:
    """The unique provider id refuses the message last: all the retry did before is taken back
    with its savepoint (here a new contact, since the first one was closed meanwhile)."""
    sid = new_sid()
    send_text(Client(), channel, ANA, "first", sid=sid, headers={"I-Twilio-Idempotency-Token": "a"})
    contact = Contact.objects.get()
    contact_actions.set_status(contact, Status.CLOSED, actor=personas["specialist"])
    events = AuditEvent.objects.count()
    retry = send_text(
        Client(), channel, ANA, "first", sid=sid, headers={"I-Twilio-Idempotency-Token": "b"}
    )
    assert retry.status_code == 200 and retry.content == b""
    assert list(Contact.objects.values_list("pk", flat=True)) == [contact.pk]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1
    assert AuditEvent.objects.count() == events
    send_text(Client(), channel, ANA, "a new text")
    second = Contact.objects.exclude(pk=contact.pk).get()
    assert int(second.reference[-6:]) == int(contact.reference[-6:]) + 1  # no number lost


def test_a_number_that_another_text_added_meanwhile_is_locked_not_doubled(
    channel, monkeypatch
) -> None:
    """Two first texts of one number at once: the one that finds no row yet and fails to insert
    it (the other's insert came first) takes the other's row."""
    send_text(Client(), channel, ANA, "first")
    real_first = QuerySet.first

    def not_yet_visible(self: QuerySet) -> object:
        if self.model is Correspondent:
            return None  # as if the other transaction had not committed its row yet
        return real_first(self)

    monkeypatch.setattr(QuerySet, "first", not_yet_visible)
    assert send_text(Client(), channel, ANA, "second").status_code == 200
    monkeypatch.undo()
    assert Correspondent.objects.count() == 1
    assert Conversation.objects.get().messages.count() == 2


def test_a_channel_switched_off_in_another_process_is_not_found_at_its_next_text(channel) -> None:
    assert send_text(Client(), channel, ANA, "hello").status_code == 200
    # As another process would: the row changes without a signal here, and that process's signal
    # writes a new generation to the shared cache.
    Channel.objects.filter(pk=channel.pk).update(active=False)
    cache.set(KEY_PREFIX + "channels.active", "written by another process", timeout=None)
    assert send_text(Client(), channel, ANA, "again").status_code == 404
    assert Message.objects.count() == 1


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run, without those that only open and close transactions and savepoints
    (which differ between the databases)."""
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(control)]


def test_a_text_costs_a_fixed_number_of_statements(channel) -> None:
    """What a text costs, so that it does not grow unseen: the generations of the values kept
    per process (the channel, the SLA policies) in one read; then, in one transaction, the
    idempotency key, the locked correspondent, the open conversation, the message and its audit
    event (three statements: the chain's head advanced, the event, the head's hash), the
    response. A text that starts a contact also inserts the correspondent, the reference number,
    the contact, its first status and its audit event, and the conversation."""
    send_text(Client(), channel, BEN, "warm up")  # the audit chain's head row exists
    with CaptureQueriesContext(connection) as first:
        assert send_text(Client(), channel, ANA, "first").status_code == 200
    with CaptureQueriesContext(connection) as joining:
        assert send_text(Client(), channel, ANA, "second").status_code == 200
    assert len(statements(joining)) == 10
    assert len(statements(first)) == 17


def test_the_same_token_with_other_contents_is_refused_and_changes_nothing(channel) -> None:
    token = {"I-Twilio-Idempotency-Token": "tok-2"}
    send_text(Client(), channel, ANA, "first", headers=token)
    response = send_text(Client(), channel, ANA, "second", headers=token)
    assert response.status_code == 422
    assert list(Message.objects.values_list("body", flat=True)) == ["first"]


@pytest.mark.parametrize(
    "body",
    [
        "".join(f"Line {i:04d} of a long message. " for i in range(60))[:1500],
        "Necesito ayuda 🙏🏽 por favor 👩‍👧",
        "أحتاج إلى مساعدة، أخذوا جواز سفري",
        "Mixed עברית and English\u200f with marks",
    ],
    ids=["long", "emoji", "arabic", "hebrew-mixed"],
)
def test_bodies_are_stored_exactly_as_sent(channel, body) -> None:
    segments = "3" if len(body) > 1000 else "1"
    response = send_text(Client(), channel, ANA, body, NumSegments=segments)
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.body.encode("utf-8") == body.encode("utf-8")
    assert message.segments == int(segments)


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def media_host() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that counts the requests it gets."""
    _Counting.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_media_is_recorded_with_type_and_url_and_not_fetched(channel, media_host) -> None:
    urls = [f"{media_host}/Media/ME{i}" for i in range(2)]
    response = send_text(
        Client(),
        channel,
        ANA,
        "photo",
        NumMedia="2",
        MediaUrl0=urls[0],
        MediaContentType0="image/jpeg",
        MediaUrl1=urls[1],
        MediaContentType1="application/pdf",
    )
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.media == [
        {"type": "image/jpeg", "url": urls[0]},
        {"type": "application/pdf", "url": urls[1]},
    ]
    assert _Counting.hits == []


def test_a_text_within_the_conversation_days_joins_the_contact(channel) -> None:
    send_text(Client(), channel, ANA, "first")
    conversation = Conversation.objects.get()
    conversation.last_message_at = timezone.now() - dt.timedelta(days=2, hours=23)
    conversation.save(update_fields=["last_message_at"])
    send_text(Client(), channel, ANA, "second")
    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert list(conversation.messages.values_list("body", flat=True)) == ["first", "second"]
    conversation.refresh_from_db()
    assert conversation.last_message_at > timezone.now() - dt.timedelta(minutes=5)


def test_a_text_after_the_conversation_days_starts_a_new_contact(channel) -> None:
    send_text(Client(), channel, ANA, "first")
    first = Conversation.objects.get()
    first.last_message_at = timezone.now() - dt.timedelta(days=3, minutes=1)
    first.save(update_fields=["last_message_at"])
    send_text(Client(), channel, ANA, "again")
    assert Contact.objects.count() == 2
    second = Conversation.objects.exclude(pk=first.pk).get()
    assert second.correspondent_id == first.correspondent_id
    assert [m.body for m in second.messages.all()] == ["again"]


def test_a_text_after_the_contact_was_closed_starts_a_new_contact(channel, personas) -> None:
    send_text(Client(), channel, ANA, "first")
    contact = Contact.objects.get()
    contact_actions.set_status(contact, Status.CLOSED, actor=personas["specialist"])
    send_text(Client(), channel, ANA, "after closing")
    assert Contact.objects.count() == 2
    assert Contact.objects.exclude(pk=contact.pk).get().status == Status.NEW


def test_conversations_of_two_numbers_stay_apart(channel) -> None:
    send_text(Client(), channel, ANA, "from Ana")
    send_text(Client(), channel, BEN, "from Ben")
    send_text(Client(), channel, ANA, "Ana again")
    assert Contact.objects.count() == 2
    by_number = {
        c.correspondent.address: [m.body for m in c.messages.all()]
        for c in Conversation.objects.select_related("correspondent")
    }
    assert by_number == {ANA: ["from Ana", "Ana again"], BEN: ["from Ben"]}


def test_a_short_code_sender_is_kept_as_written(channel) -> None:
    send_text(Client(), channel, "233733", "hello")
    assert Contact.objects.get().caller_phone == "233733"


def test_the_assignee_is_told_of_a_message_joining_their_contact(channel, personas) -> None:
    send_text(Client(), channel, ANA, "first")
    assert not Notification.objects.exists()  # nobody to tell: the queue shows it
    contact = Contact.objects.get()
    contact_actions.claim(contact, actor=personas["specialist"])
    send_text(Client(), channel, ANA, "second")
    notification = Notification.objects.get()
    assert notification.user == personas["specialist"]
    assert notification.kind == NotificationKind.MESSAGE
    assert notification.contact == contact


def test_a_text_is_triaged_by_the_policy_for_sms_and_a_call_is_not(channel) -> None:
    policy = SlaPolicy.objects.create(
        name="Texts",
        position=1,
        channels=["sms"],
        calendar=Calendar.objects.get(name="24/7"),
        first_response_minutes=7,
        resolution_minutes=60,
    )
    send_text(Client(), channel, ANA, "hello")
    assert Contact.objects.get(channel="sms").sla_policy == policy
    call = contact_actions.receive(Contact(channel="phone", urgency="urgent"))
    assert call.sla_policy is not None and call.sla_policy != policy


def test_nothing_of_the_body_or_number_is_logged(channel, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    send_text(Client(), channel, ANA, "Confidential words here")
    post_signed(
        Client(),
        channel.webhook_path("inbound"),
        inbound_params(channel, BEN, "Forged confidential"),
        signature_override="forged",
    )
    assert "onfidential" not in caplog.text
    # The numbers in any form (the channel's random id in a logged path may hold "555" itself).
    for number in (ANA, BEN):
        assert number.lstrip("+") not in caplog.text and number[-7:] not in caplog.text
    assert logging.getLogger("twilio").getEffectiveLevel() >= logging.WARNING


def test_a_second_conversation_lists_the_first_in_caller_history(channel, client_for) -> None:
    send_text(Client(), channel, ANA, "first")
    first = Conversation.objects.get()
    first.last_message_at = timezone.now() - dt.timedelta(days=4)
    first.save(update_fields=["last_message_at"])
    send_text(Client(), channel, "202-555-0123", "second")
    second = Conversation.objects.exclude(pk=first.pk).get()
    page = (
        client_for("specialist")
        .get(reverse("contacts:detail", args=[second.contact_id]))
        .content.decode()
    )
    history = page.split('class="caller-history"', 1)[1].split("</section>", 1)[0]
    assert first.contact.reference in history
    assert AuditEvent.objects.filter(
        action="contact.list", object_id=str(second.contact_id)
    ).exists()
    for persona in ["curator", "liaison_a"]:
        response = client_for(persona).get(reverse("contacts:detail", args=[second.contact_id]))
        assert response.status_code in (403, 404)
        assert first.contact.reference not in response.content.decode()
