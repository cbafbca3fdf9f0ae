"""The command-line side of texts: `add_sms_channel` for a real number, and the demo's text
line (`sms_demo --setup`, `sms_demo`, and the local Twilio stand-in that sends delivery
statuses back), driven over real HTTP against a live server."""

import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.channels import demo, outbound
from hotline.channels.local_twilio import LocalTwilio
from hotline.channels.models import Channel, Direction, Message, MessageStatus, Purpose
from hotline.contacts.actions import refer
from hotline.contacts.models import Contact
from hotline.directory.models import Organization, Service

ACCOUNT = "AC" + "1" * 32


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_add_sms_channel_creates_it_and_prints_both_webhook_addresses(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("secret-token\n")
    out = run(
        "add_sms_channel",
        "--number=(202) 555-0100",
        f"--account-sid={ACCOUNT}",
        f"--auth-token-file={token}",
    )
    channel = Channel.objects.get()
    assert (channel.address, channel.account, channel.secret()) == (
        "+12025550100",
        ACCOUNT,
        "secret-token",
    )
    assert channel.secret_file == str(token.resolve())
    assert channel.webhook_url("inbound") in out and channel.webhook_url("status") in out
    assert f"/channels/{channel.public_id}/sms/inbound" in out
    assert "secret-token" not in out
    event = AuditEvent.objects.get(action="channels.channel_create")
    assert event.object_id == str(channel.pk)


@pytest.mark.django_db
def test_add_sms_channel_from_an_environment_variable_warns_when_it_is_unset() -> None:
    out = run(
        "add_sms_channel",
        "--number=+12025550100",
        f"--account-sid={ACCOUNT}",
        "--auth-token-env=HOTLINE_TEST_UNSET_TOKEN",
    )
    assert Channel.objects.get().secret_env == "HOTLINE_TEST_UNSET_TOKEN"
    assert "Warning" in out and "secret is empty or missing" in out


@pytest.mark.django_db
def test_add_sms_channel_refuses_a_number_that_is_none_in_words(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"The channel was not added\. address: Enter the"):
        run("add_sms_channel", "--number=call me", f"--account-sid={ACCOUNT}", "--auth-token-env=X")
    assert not Channel.objects.exists()
    assert not AuditEvent.objects.filter(action="channels.channel_create").exists()


@pytest.mark.django_db
def test_the_demo_text_line_is_set_up_once_with_a_private_token(settings: Any) -> None:
    first = run("sms_demo", "--setup")
    second = run("sms_demo", "--setup")
    channel = Channel.objects.get()
    assert (channel.address, channel.api_base) == ("233733", demo.GATEWAY)
    assert first.startswith("Added") and second.startswith("Kept")
    token = Path(channel.secret_file)
    assert token.parent == settings.VAR_DIR
    assert token.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert channel.webhook_url("inbound") in second


@pytest.mark.django_db
def test_sms_demo_without_a_channel_says_how_to_make_one() -> None:
    with pytest.raises(CommandError, match="sms_demo --setup"):
        run("sms_demo")


def wait_for(condition: Any, seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_the_demo_texts_reach_the_queue_and_a_reply_comes_back_delivered(
    live_server: Any, settings: Any, personas: dict[str, Any], client_for: Any
) -> None:
    """The demo as its user runs it: texts posted to the live server's webhook become contacts
    (HELP answered automatically); a specialist's reply reaches the local Twilio, whose signed
    status callbacks bring it to "delivered"; a referral to the person who asked not to be
    texted is refused with the reason."""
    settings.SITE_URL = live_server.url  # what the texts and the callbacks are signed for
    run("sms_demo", "--setup")
    channel = demo.channel()
    assert channel is not None
    with LocalTwilio.running(channel.account, channel.secret(), callbacks=True) as twilio:
        Channel.objects.filter(pk=channel.pk).update(api_base=twilio.url)
        out = run("sms_demo")
        assert "automatic reply" in out
        first, second = Contact.objects.filter(channel="sms").order_by("pk")
        inbound = Message.objects.filter(direction=Direction.IN).order_by("pk")
        assert [m.conversation.contact_id for m in inbound] == [first.pk, first.pk, second.pk]
        assert Message.objects.filter(purpose=Purpose.AUTO_REPLY).count() == 1

        # The specialist answers from the contact's page; the worker sends it.
        client = client_for("specialist")
        assert (
            "Send reply" in client.get(reverse("contacts:detail", args=[first.pk])).content.decode()
        )
        client.post(
            reverse("texts:reply", args=[first.pk]), {"body": "We are here. Are you safe now?"}
        )
        reply = Message.objects.get(purpose=Purpose.REPLY)
        outbound.attempt(reply.pk, reply.created_at)
        assert [r["Body"] for r in twilio.sent()] == ["We are here. Are you safe now?"]
        wait_for(lambda: Message.objects.get(pk=reply.pk).status == MessageStatus.DELIVERED)
        page = client.get(reverse("contacts:detail", args=[first.pk])).content.decode()
        assert "Delivered" in page

        # The person who asked not to be texted: a referral is refused with the reason.
        second.safe_to_text = False
        second.save(update_fields=["safe_to_text"])
        org = Organization.objects.create(name="Demo shelter org (fictional)", description="d")
        service = Service.objects.create(organization=org, name="Demo shelter", status="active")
        referral = refer(second, service, actor=personas["specialist"])
        refused = client.post(
            reverse("texts:send", args=[second.pk]), {"referral": referral.pk}, follow=True
        )
        assert "Not sent: The safe-contact plan says texting this person is not safe." in [
            str(m) for m in refused.context["messages"]
        ]
        assert len(twilio.requests) == 1
