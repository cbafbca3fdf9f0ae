"""Administrators keep text channels (with their automatic replies) and canned replies in Django
admin: keywords as words per language, the webhook addresses shown to paste, the secret never
there (only where it lives), every change audited, and nobody else allowed in."""

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.channels.models import AutoReply, CannedReply, Channel
from hotline.channels.tests.signing import TOKEN, make_channel

pytestmark = pytest.mark.django_db


def channel_form(secret: Path, **fields: str) -> dict[str, str]:
    return {
        "name": "Text line",
        "kind": "sms",
        "provider": "twilio",
        "address": "(202) 555-0100",
        "active": "on",
        "account": "AC" + "1" * 32,
        "secret_file": str(secret),
        "secret_env": "",
        "api_base": "",
        "urgency": "urgent",
        "conversation_days": "3",
        "keywords_en": "help, Info",
        "keywords_es": "AYUDA, info",
        "auto_replies-TOTAL_FORMS": "1",
        "auto_replies-INITIAL_FORMS": "0",
        "auto_replies-0-language": "en",
        "auto_replies-0-text": "Hotline: free help 24/7. Reply STOP to stop. Msg rates may apply.",
        **fields,
    }


def test_an_administrator_adds_a_channel_with_keywords_and_an_automatic_reply(
    tmp_path, client_for
) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN)
    client = client_for("administrator")

    response = client.post(reverse("admin:channels_channel_add"), channel_form(secret))

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert channel.address == "+12025550100"
    assert channel.keywords == {"en": ["HELP", "INFO"], "es": ["AYUDA", "INFO"]}
    assert AutoReply.objects.get(channel=channel, language="en").text.startswith("Hotline:")
    event = AuditEvent.objects.get(action="channels.channel_create")
    assert "auto_replies" in event.detail["fields"]
    assert TOKEN not in str(event.detail)


def test_the_change_page_shows_the_webhook_addresses_and_never_the_secret(
    tmp_path, client_for
) -> None:
    channel = make_channel(tmp_path)
    page = client_for("administrator").get(
        reverse("admin:channels_channel_change", args=[channel.pk])
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert channel.webhook_url("inbound") in body
    assert channel.webhook_url("status") in body
    assert channel.secret_file in body  # where the secret lives
    assert TOKEN not in body  # never what it is
    assert 'value="HELP, INFO"' in body  # keywords in words, not JSON


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"secret_env": "TWILIO_TOKEN"}, "Name either a file or an environment variable"),
        ({"address": "not a number"}, "Enter the number as +15551234567."),
        ({"keywords_en": "HELP ME, INFO"}, "Each keyword is one word."),
    ],
)
def test_a_bad_channel_is_refused_in_words_and_nothing_is_stored(
    tmp_path, client_for, fields: dict[str, Any], error: str
) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN)
    response = client_for("administrator").post(
        reverse("admin:channels_channel_add"), channel_form(secret, **fields)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Channel.objects.exists() and not AutoReply.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="channels.").exists()


def test_a_channel_is_switched_off_not_deleted(tmp_path, client_for) -> None:
    channel = make_channel(tmp_path)
    response = client_for("administrator").post(
        reverse("admin:channels_channel_delete", args=[channel.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Channel.objects.filter(pk=channel.pk).exists()


def test_canned_replies_are_kept_in_admin_and_audited(client_for) -> None:
    client = client_for("administrator")
    response = client.post(
        reverse("admin:channels_cannedreply_add"),
        {"title": "Safety", "language": "en", "text": "Are you safe now?", "active": "on"},
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    event = AuditEvent.objects.get(action="channels.cannedreply_create")
    assert event.object_id == str(reply.pk)


@pytest.mark.parametrize("persona", ["specialist", "supervisor", "curator"])
def test_only_administrators_keep_channels(tmp_path, client_for, persona: str) -> None:
    channel = make_channel(tmp_path)
    client = client_for(persona)
    for url in [
        reverse("admin:channels_channel_changelist"),
        reverse("admin:channels_channel_change", args=[channel.pk]),
        reverse("admin:channels_cannedreply_add"),
    ]:
        assert client.get(url).status_code == 403, (persona, url)


def test_the_settings_page_links_to_channels_and_canned_replies(client_for) -> None:
    body = client_for("administrator").get(reverse("site:settings")).content.decode()
    assert reverse("admin:channels_channel_changelist") in body
    assert reverse("admin:channels_cannedreply_changelist") in body


def test_an_administrator_adds_an_email_channel_and_sees_its_mailbox_not_webhooks(
    tmp_path, client_for
) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text("imap secret")
    client = client_for("administrator")
    form = channel_form(
        secret,
        name="Email tips",
        kind="email",
        provider="mailbox",
        address=" Tips@Hotline.Example.org ",
        account="",
        urgency="non_urgent",
        mail_host="imap.example.org",
        mail_port="",
        mail_security="tls",
        mail_user="tips",
        mail_folder="",
    )

    response = client.post(reverse("admin:channels_channel_add"), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert (channel.address, channel.mail_port, channel.mail_folder) == (
        "tips@hotline.example.org",
        993,
        "INBOX",
    )
    page = client.get(reverse("admin:channels_channel_change", args=[channel.pk]))
    body = page.content.decode()
    assert "Mailbox (email channels)" in body and "None yet: the mailbox has not been read." in body
    assert "Webhook addresses" not in body and "imap secret" not in body


def test_an_email_channel_without_tls_to_another_host_is_refused_in_words(
    tmp_path, client_for
) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text("imap secret")
    form = channel_form(
        secret,
        kind="email",
        provider="mailbox",
        address="tips@hotline.example.org",
        mail_host="imap.example.org",
        mail_security="none",
        mail_user="tips",
    )
    response = client_for("administrator").post(reverse("admin:channels_channel_add"), form)
    assert response.status_code == 200
    assert "the password would cross the network in the clear" in response.content.decode()
    assert not Channel.objects.exists()
