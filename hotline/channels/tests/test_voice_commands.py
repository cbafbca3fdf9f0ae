"""The command-line and admin side of phone lines: `add_voice_channel` for a real number (put
through to the call center, or reporting through the API), Django admin, and the demo's phone
line (`call_demo --setup`, `call_demo`) driven over real HTTP against a live server: the call
ringing pops up with the demo caller's history, the one nobody answered reaches the
supervisor's view."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.channels import call_demo
from hotline.channels.models import Call, CallStatus, Channel
from hotline.channels.tests.signing import TOKEN
from hotline.contacts.models import Contact

ACCOUNT = "AC" + "1" * 32


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_add_voice_channel_put_through_to_the_call_center(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("secret-token\n")
    out = run(
        "add_voice_channel",
        "--number=(202) 555-0100",
        "--forward-to=(312) 555-0100",
        f"--account-sid={ACCOUNT}",
        f"--auth-token-file={token}",
    )
    line = Channel.objects.get()
    assert (line.kind, line.address, line.forward_to, line.secret()) == (
        "voice",
        "+12025550100",
        "+13125550100",
        "secret-token",
    )
    assert f"/channels/{line.public_id}/voice/inbound" in out
    assert "put through to +13125550100" in out and "leave the number's call status" in out
    assert "secret-token" not in out
    assert AuditEvent.objects.get(action="channels.channel_create").object_id == str(line.pk)


@pytest.mark.django_db
def test_add_voice_channel_that_only_records_prints_the_status_callback() -> None:
    out = run(
        "add_voice_channel",
        "--number=+12025550100",
        f"--account-sid={ACCOUNT}",
        "--auth-token-env=HOTLINE_TEST_UNSET_TOKEN",
    )
    line = Channel.objects.get()
    assert f"Call status changes (POST): {line.webhook_url('status')}" in out
    assert "Warning" in out


@pytest.mark.django_db
def test_add_voice_channel_for_another_phone_system_needs_no_twilio_account() -> None:
    out = run("add_voice_channel", "--provider=api", "--number=+12025550100")
    line = Channel.objects.get()
    assert (line.provider, line.secret_file, line.secret_env) == ("api", "", "")
    assert "/api/calls/" in out and line.public_id in out and "Warning" not in out


@pytest.mark.django_db
def test_add_voice_channel_refuses_bad_numbers_in_words() -> None:
    with pytest.raises(CommandError, match=r"The channel was not added\. address: Enter the"):
        run("add_voice_channel", "--number=call me", "--account-sid=AC1", "--auth-token-env=X")
    with pytest.raises(CommandError, match=r"forward_to: Enter the number"):
        run(
            "add_voice_channel",
            "--number=+12025550100",
            "--forward-to=the front desk",
            "--auth-token-env=X",
        )
    with pytest.raises(CommandError, match="Name either a file or an environment variable"):
        run("add_voice_channel", "--number=+12025550100")
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_an_administrator_adds_a_phone_line_in_admin(tmp_path: Path, client_for: Any) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN)
    client = client_for("administrator")
    form = {
        "name": "Phone line",
        "kind": "voice",
        "provider": "twilio",
        "address": "(202) 555-0100",
        "active": "on",
        "account": ACCOUNT,
        "secret_file": str(secret),
        "secret_env": "",
        "api_base": "",
        "urgency": "urgent",
        "conversation_days": "3",
        "forward_to": "(312) 555-0100",
        "keywords_en": "",
        "keywords_es": "",
        "auto_replies-TOTAL_FORMS": "0",
        "auto_replies-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:channels_channel_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    line = Channel.objects.get()
    assert (line.kind, line.forward_to) == ("voice", "+13125550100")
    page = client.get(reverse("admin:channels_channel_change", args=[line.pk])).content.decode()
    assert line.webhook_url("inbound") in page and "/voice/inbound" in page


@pytest.mark.django_db
def test_the_demo_phone_line_is_set_up_once_with_a_private_token(settings: Any) -> None:
    first, second = run("call_demo", "--setup"), run("call_demo", "--setup")
    line = Channel.objects.get()
    assert (line.kind, line.address, line.forward_to) == (
        "voice",
        call_demo.NUMBER,
        call_demo.CENTER,
    )
    assert first.startswith("Added") and second.startswith("Kept")
    token = Path(line.secret_file)
    assert token.parent == settings.VAR_DIR and token.stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_call_demo_without_a_line_says_how_to_make_one() -> None:
    with pytest.raises(CommandError, match="call_demo --setup"):
        run("call_demo")


@pytest.mark.django_db(transaction=True)
def test_the_demo_calls_pop_the_callers_history_and_reach_the_supervisor(
    live_server: Any, settings: Any, client_for: Any
) -> None:
    settings.SITE_URL = live_server.url
    run("demo_contacts")
    run("call_demo", "--setup")
    out = run("call_demo")
    assert "Called: a call from the repeat caller, ringing." in out
    ringing = Call.objects.get(status=CallStatus.RINGING)
    missed = Call.objects.get(status=CallStatus.NO_ANSWER)
    earlier = Contact.objects.filter(narrative__startswith="[demo 4]").get()
    pop = client_for("specialist").get(reverse("calls:screen_pop")).content.decode()
    assert ringing.contact.reference in pop and earlier.reference in pop
    assert missed.contact.reference not in pop
    supervisor = client_for("supervisor").get(reverse("contacts:supervisor")).content.decode()
    abandoned = supervisor[supervisor.index('class="abandoned-calls"') :]
    assert missed.contact.reference in abandoned and ringing.contact.reference not in abandoned
