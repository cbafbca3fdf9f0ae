"""One way to send email (lib/emails.py), shown with the invite: queued only when its
transaction commits, with ids and codes only in the task row; written by the worker in the
hotline's language; a failure that names no address."""

import json
import traceback
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
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
        user, link = new_account(personas)
    assert not DBTaskResult.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    (queued,) = DBTaskResult.objects.all()
    path, args = queued.args_kwargs["args"]
    assert (queued.task_path, path) == (
        "hotline.lib.emails.deliver",
        "hotline.accounts.emails.invite",
    )
    assert args[0] == user.pk and link.endswith(f"/{args[1]}/")
    assert ADDRESS not in json.dumps(queued.args_kwargs) and "casey" not in json.dumps(
        queued.args_kwargs
    )

    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert message.subject == "Your Hotline staff account"
    assert message.body == (
        "An administrator created a staff account for you. Choose your password here "
        f"(the link works once and expires): {link}\n"
    )


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
    user, link = new_account(personas)
    message = emails.invite.render(user.pk, link.rstrip("/").rsplit("/", 1)[1])
    assert message is not None
    assert message.subject == "Su cuenta de personal de Hotline"
    assert message.body.startswith("Un administrador creó una cuenta de personal para usted.")
    assert link in message.body


def test_an_invite_replaced_by_a_newer_one_is_not_sent(personas) -> None:
    user, link = new_account(personas)
    first_token = link.rstrip("/").rsplit("/", 1)[1]
    reissue_invite(personas["administrator"], user)
    assert emails.invite.render(user.pk, first_token) is None


@pytest.mark.parametrize(
    "args",
    [(1, ADDRESS), (1, "Please add your website."), (1, "x" * 201), (1.5, "token"), ({"a": 1},)],
)
def test_arguments_other_than_ids_and_codes_are_refused(args) -> None:
    with pytest.raises((TypeError, ValueError)):
        emails.invite.send(*args)


def test_a_refused_email_fails_its_task_without_naming_the_address(personas, settings) -> None:
    settings.EMAIL_BACKEND = "hotline.accounts.tests.test_emails.RefusingBackend"
    user, link = new_account(personas)
    token = link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(EmailFailed) as failed:
        deliver.call("hotline.accounts.emails.invite", [user.pk, token])
    written = "".join(traceback.format_exception(failed.value))
    assert "SMTPRecipientsRefused" in written and "hotline.accounts.emails.invite" in written
    assert ADDRESS not in written and token not in written
