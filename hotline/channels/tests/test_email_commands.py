"""manage.py add_email_channel: a mailbox added from the command line, refused in words when
something is missing, and read by the worker at once."""

import pytest
from django.core.management import CommandError, call_command

from hotline.channels import mail_inbound
from hotline.channels.models import Channel
from hotline.channels.tests import mails

pytestmark = pytest.mark.django_db


def test_add_email_channel_adds_a_mailbox_the_worker_reads(
    mailbox, tmp_path, capsys, no_acknowledgements
) -> None:
    password = tmp_path / "imap-password"
    password.write_text(mailbox.password + "\n")
    call_command(
        "add_email_channel",
        "--address=Help@Hotline.example.org",
        f"--host={mailbox.host}",
        f"--port={mailbox.port}",
        "--security=none",
        f"--user={mailbox.user}",
        f"--password-file={password}",
    )
    channel = Channel.objects.get()
    assert (channel.kind, channel.address, channel.urgency) == (
        "email",
        "help@hotline.example.org",
        "non_urgent",
    )
    assert mailbox.password not in capsys.readouterr().out
    mails.append(mailbox, mails.text_mail("hello"))
    assert mail_inbound.poll(channel) == 1


def test_add_email_channel_refuses_a_bad_address_and_adds_nothing(tmp_path) -> None:
    with pytest.raises(CommandError, match="address: Enter the address people write to"):
        call_command(
            "add_email_channel",
            "--address=not-an-address",
            "--host=imap.example.org",
            "--user=tips",
            "--password-env=HOTLINE_NOTHING",
        )
    assert not Channel.objects.exists()
