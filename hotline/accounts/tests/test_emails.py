"""One way to send email (lib/emails.py), shown with the invite: queued only when its
transaction commits, with ids and codes only in the task row; written by the worker in the
hotline's language; a failure that names no address."""

import json
import traceback
from smtplib import SMTPRecipientsRefused

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from conftest import send_queued_emails
from hotline.accounts import emails
from hotline.accounts.actions import create_staff, reissue_invite
from hotline.accounts.models import Role, User
from hotline.lib.emails import EmailFailed, deliver

pytestmark = pytest.mark.django_db

ADDRESS = "casey.private@example.org"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({email_messages[0].to[0]: (550, b"no such mailbox")})


def new_account(personas) -> tuple[User, str]:
    return create_staff(
        personas["administrator"], username="casey", role=Role.SPECIALIST, email=ADDRESS
    )


def test_the_invite_is_queued_when_the_account_commits_with_ids_and_codes_only(
    personas, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        user, _ = new_account(personas)
    assert not DBTaskResult.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    (queued,) = DBTaskResult.objects.all()
    path, args = queued.args_kwargs["args"]
    assert (queued.task_path, path) == (
        "hotline.lib.emails.deliver",
        "hotline.accounts.emails.invite",
    )
    assert args == [user.pk]  # the link is made when the email is sent, not stored
    assert ADDRESS not in json.dumps(queued.args_kwargs) and "casey" not in json.dumps(
        queued.args_kwargs
    )

    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert message.subject == "Your Hotline staff account"
    (sent_link,) = [word for word in message.body.split() if word.startswith("http")]
    assert message.body == (
        "An administrator created a staff account for you. Choose your password here "
        f"(the link works once and expires): {sent_link}\n"
    )
    # The emailed link works, as does the one the administrator was shown.
    path = sent_link.removeprefix(settings.SITE_URL)
    assert Client().get(path).status_code == 200


def test_no_table_holds_a_live_invite_link_after_sending(
    personas, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, shown = new_account(personas)
    assert send_queued_emails() == 1
    sent = mail.outbox[0].body.split()[-1]
    tokens = {link.rstrip("/").rsplit("/", 1)[1] for link in (shown, sent)}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = repr(cursor.fetchall())
            for token in tokens:
                assert token not in rows, f"{table} holds an invite token"


def test_a_rolled_back_account_queues_no_email(
    personas, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        new_account(personas)
        raise RuntimeError
    assert callbacks == []
    assert not User.objects.filter(username="casey").exists()


def test_the_email_is_written_in_the_hotlines_language(personas, settings) -> None:
    settings.LANGUAGE_CODE = "es"
    user, _ = new_account(personas)
    message = emails.invite.render(user.pk)
    assert message is not None
    assert message.subject == "Su cuenta de personal de Hotline"
    assert message.body.startswith("Un administrador creó una cuenta de personal para usted.")
    assert (
        f"{settings.SITE_URL}/es/accounts/invite/" in message.body
        or "/accounts/invite/" in message.body
    )


def test_an_invite_already_used_or_of_a_deactivated_account_is_not_sent(personas) -> None:
    user, _ = new_account(personas)
    user.set_password("a new password of the person's own")
    user.save()
    # A link made now would let its holder set the password again: nothing is sent.
    assert emails.invite.render(user.pk) is None
    other, _ = create_staff(
        personas["administrator"], username="dana", role=Role.SPECIALIST, email=ADDRESS
    )
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert emails.invite.render(other.pk) is None


def test_a_reissued_invite_sends_a_link_that_works_and_the_old_one_does_not(personas) -> None:
    user, old = new_account(personas)
    reissue_invite(personas["administrator"], user)
    message = emails.invite.render(user.pk)
    assert message is not None
    new = message.body.split()[-1]
    assert Client().get(new.removeprefix(settings.SITE_URL)).status_code == 200
    assert Client().get(old.removeprefix(settings.SITE_URL)).status_code == 400


@pytest.mark.parametrize(
    "args",
    [(ADDRESS,), ("Please add your website.",), ("x" * 201,), (1.5,), ({"a": 1},)],
)
def test_arguments_other_than_ids_and_codes_are_refused(args) -> None:
    with pytest.raises((TypeError, ValueError)):
        emails.invite.send(*args)


def test_a_refused_email_fails_its_task_without_naming_the_address(personas, settings) -> None:
    settings.EMAIL_BACKEND = "hotline.accounts.tests.test_emails.RefusingBackend"
    user, _ = new_account(personas)
    with pytest.raises(EmailFailed) as failed:
        deliver.call("hotline.accounts.emails.invite", [user.pk])
    written = "".join(traceback.format_exception(failed.value))
    assert "SMTPRecipientsRefused" in written and "hotline.accounts.emails.invite" in written
    assert ADDRESS not in written and "/accounts/invite/" not in written
