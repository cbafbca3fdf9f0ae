"""Keywords: HELP/INFO/AYUDA get the automatic reply in the right language as TwiML, recorded;
STOP and START set and clear the opt-out in both languages and never drop the message."""

import pytest
from django.test import Client
from django.utils import timezone
from twilio.twiml.messaging_response import MessagingResponse

from hotline.audit.models import AuditEvent
from hotline.channels import keywords
from hotline.channels.models import (
    AutoReply,
    Channel,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.channels.tests.signing import make_channel, send_text
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db

ANA = "+12025550123"
EN_TEXT = "Test Hotline: help 24/7. Reply STOP to stop. Msg&data rates may apply. 1-888-555-0100"
ES_TEXT = "Test Hotline: ayuda 24/7. Responda STOP para dejar de recibir. Pueden aplicarse tarifas."


@pytest.fixture
def channel(tmp_path) -> Channel:
    channel = make_channel(tmp_path)
    AutoReply.objects.create(channel=channel, language="en", text=EN_TEXT)
    AutoReply.objects.create(channel=channel, language="es", text=ES_TEXT)
    return channel


def twiml(text: str) -> bytes:
    answer = MessagingResponse()
    answer.message(text)
    return str(answer).encode()


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("HELP", "HELP"),
        ("  help \n", "HELP"),
        ("Help!", "HELP"),
        ("help.", "HELP"),
        ("¡Ayuda!", "AYUDA"),
        ("info?!", "INFO"),
        ("help me", ""),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_a_keyword_is_one_word_in_any_case_without_punctuation_around(body, word) -> None:
    assert keywords.word_of(body) == word


@pytest.mark.parametrize(
    ("body", "text", "language"),
    [("HELP", EN_TEXT, "en"), ("info", EN_TEXT, "en"), ("Ayuda.", ES_TEXT, "es")],
)
def test_an_information_keyword_gets_the_reply_in_its_language(
    channel, body, text, language
) -> None:
    response = send_text(Client(), channel, ANA, body)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content == twiml(text)
    inbound = Message.objects.get(direction=Direction.IN)
    assert inbound.body == body  # the keyword still goes to the queue, as a contact
    reply = Message.objects.get(direction=Direction.OUT)
    assert reply.purpose == Purpose.AUTO_REPLY
    assert reply.status == MessageStatus.SENT
    assert reply.provider_id is None
    assert reply.body == text
    assert reply.conversation_id == inbound.conversation_id
    assert inbound.conversation.contact.language == language
    assert AuditEvent.objects.filter(action="channels.auto_reply", object_id=str(reply.pk)).exists()


def test_info_in_a_spanish_conversation_is_answered_in_spanish(channel) -> None:
    send_text(Client(), channel, ANA, "AYUDA")
    response = send_text(Client(), channel, ANA, "INFO")
    assert response.content == twiml(ES_TEXT)
    assert Contact.objects.count() == 1


def test_info_in_a_new_conversation_is_answered_in_the_first_language_listing_it(channel) -> None:
    # INFO is listed in English and Spanish: the hotline's languages' order decides.
    assert send_text(Client(), channel, ANA, "INFO").content == twiml(EN_TEXT)


def test_a_language_without_its_reply_falls_back_to_english(channel) -> None:
    AutoReply.objects.filter(language="es").delete()
    assert send_text(Client(), channel, ANA, "AYUDA").content == twiml(EN_TEXT)


def test_without_any_reply_a_built_in_text_names_the_hotline_and_how_to_stop(
    channel, settings
) -> None:
    settings.HOTLINE_NAME = "Test Hotline"
    AutoReply.objects.all().delete()
    response = send_text(Client(), channel, ANA, "HELP")
    reply = Message.objects.get(direction=Direction.OUT).body
    assert "Test Hotline" in reply and "STOP" in reply and "rates may apply" in reply
    assert response.content == twiml(reply)


def test_the_channel_keywords_are_its_own(channel) -> None:
    channel.keywords = {"en": ["SOS"]}
    channel.save(update_fields=["keywords"])
    assert send_text(Client(), channel, ANA, "sos").content == twiml(EN_TEXT)
    assert send_text(Client(), channel, ANA, "HELP").content == b""
    assert Message.objects.filter(direction=Direction.IN).count() == 2


def test_a_sentence_with_help_in_it_is_an_ordinary_message(channel) -> None:
    response = send_text(Client(), channel, ANA, "help me please")
    assert response.content == b""
    assert not Message.objects.filter(direction=Direction.OUT).exists()


@pytest.mark.parametrize(
    "word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END", "quit", "PARAR", "alto."]
)
def test_a_stop_word_opts_out_without_an_answer_and_keeps_the_message(channel, word) -> None:
    response = send_text(Client(), channel, ANA, word)
    assert response.status_code == 200
    assert response.content == b""  # the provider answers STOP itself
    correspondent = Correspondent.objects.get()
    assert correspondent.opted_out_at is not None
    message = Message.objects.get()
    assert message.body == word
    assert message.conversation.contact.channel == "sms"
    event = AuditEvent.objects.get(action="channels.opt_out")
    assert event.object_id == str(correspondent.pk)
    assert set(event.detail) == {"channel", "via"}


@pytest.mark.parametrize("word", ["START", "unstop", "Comenzar"])
def test_a_start_word_clears_the_opt_out(channel, word) -> None:
    send_text(Client(), channel, ANA, "STOP")
    response = send_text(Client(), channel, ANA, word)
    assert response.content == b""
    assert Correspondent.objects.get().opted_out_at is None
    assert Message.objects.count() == 2
    assert AuditEvent.objects.filter(action="channels.opt_in").count() == 1


def test_start_without_an_opt_out_changes_nothing(channel) -> None:
    send_text(Client(), channel, ANA, "START")
    assert not AuditEvent.objects.filter(action__in=["channels.opt_in", "channels.opt_out"])


def test_an_ordinary_text_after_stop_reaches_the_queue_but_keeps_the_opt_out(channel) -> None:
    send_text(Client(), channel, ANA, "STOP")
    stopped_at = Correspondent.objects.get().opted_out_at
    send_text(Client(), channel, ANA, "I still need help")
    assert Correspondent.objects.get().opted_out_at == stopped_at
    assert Message.objects.filter(direction=Direction.IN).count() == 2
    assert Contact.objects.open().count() == 1


def test_a_second_stop_is_audited_once(channel) -> None:
    send_text(Client(), channel, ANA, "STOP")
    Correspondent.objects.update(opted_out_at=timezone.now())
    send_text(Client(), channel, ANA, "PARAR")
    assert AuditEvent.objects.filter(action="channels.opt_out").count() == 1
