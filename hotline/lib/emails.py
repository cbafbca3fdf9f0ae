"""Email: one way to send it (docs/decisions/0003).

Every email is a pair of plain-text templates in the app that owns it and one function there:

    hotline/<app>/templates/<app>/emails/<function>.subject.txt
    hotline/<app>/templates/<app>/emails/<function>.body.txt

    # hotline/cases/emails.py
    from hotline.lib import emails

    @emails.email
    def report_waiting(agency_id: int) -> emails.Message | None:
        '''Runs in the task worker at send time: who receives it, and what the templates see.'''
        to = list(User.objects.filter(agency_id=agency_id, ...).values_list("email", flat=True))
        if not to:
            return None  # nothing to send
        return emails.Message(to=to, context={"link": emails.absolute(reverse("cases:portal"))})

    # hotline/cases/actions.py, in the transaction that made the report:
    report_waiting.send(link.agency_id)

`send(*args)` queues one django-tasks task (`deliver`, run by `manage.py db_worker`) when the
current transaction commits, at once outside one; a rolled-back change sends nothing. Its
arguments are stored in the task's database row, so they must be ids and codes: ints, bools,
None, short strings of letters, digits and `_.:-`, and lists of these; anything else (an
address, a name, a message's text) is refused with an error at `send()`. The worker calls the
function again with the same arguments, reads what it needs from the database then, renders the
templates and sends one message to all of `Message.to` through Django's email backend
(`EMAIL_BACKEND`, from `DEFAULT_FROM_EMAIL`).

Templates: every string in `{% translate %}` / `{% blocktranslate %}`; rendered without HTML
escaping (plain text), in `Message.language` (the hotline's, `LANGUAGE_CODE`, unless the
function says otherwise), with `hotline_name` and `site_url` besides the function's context.
The subject is one line (whitespace folded); the body ends with one newline.

The function is defined at module level under `hotline/<app>/` (the worker imports it by its
dotted path, kept in the task row, and its name names the templates); one email per function,
so an alert of two kinds is two emails, or one whose templates branch on a code in the context.
Moving an email from an older task: the old task's text becomes its two templates (keep the
msgids to keep their translations: `{% blocktranslate %}…{{ ref }}…` is `%(ref)s`), its body
becomes the function, and `task.enqueue(...)` in the action becomes `the_email.send(...)`.

Tests: `the_email.render(*args)` gives the `EmailMessage` the worker would send, without sending
it; `conftest.send_queued_emails()` runs the queued email tasks as the worker does.

A failure (the mail server refused, a template is broken) fails the task with an error that
names the email and the kind of error only: the server's reply may quote addresses, and the
task row and the worker's log are no place for them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, ParamSpec

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context, Engine
from django.utils import translation
from django.utils.module_loading import import_string
from django_tasks import task

P = ParamSpec("P")

CODE = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


@dataclass(frozen=True)
class Message:
    """Who receives an email and what its templates see."""

    to: list[str]
    context: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # None: the hotline's language


class EmailFailed(Exception):
    """An email could not be rendered or sent; the message names no address."""


class Email(Generic[P]):
    """One email: `send(...)` from an action, the function itself in the worker."""

    def __init__(self, prepare: Callable[P, Message | None]) -> None:
        parts = prepare.__module__.split(".")
        if len(parts) < 3 or parts[0] != "hotline":
            raise ValueError("An email belongs to an app: define it in hotline/<app>/….")
        self.prepare = prepare
        self.path = f"{prepare.__module__}.{prepare.__qualname__}"
        self.template = f"{parts[1]}/emails/{prepare.__name__}"
        self.__doc__ = prepare.__doc__

    def __repr__(self) -> str:
        return f"<Email {self.path}>"

    def send(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue the email for the worker once the current transaction commits."""
        if kwargs:
            raise TypeError("Pass an email's arguments by position.")
        for arg in args:
            _check(arg)
        transaction.on_commit(partial(deliver.enqueue, self.path, list(args)))

    def render(self, *args: P.args, **kwargs: P.kwargs) -> EmailMessage | None:
        """The message the worker would send now, or None when there is nothing to send."""
        with translation.override(settings.LANGUAGE_CODE):
            message = self.prepare(*args, **kwargs)
        if message is None or not message.to:
            return None
        context = {
            "hotline_name": settings.HOTLINE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
            **message.context,
        }
        engine = Engine.get_default()
        with translation.override(message.language or settings.LANGUAGE_CODE):
            subject = engine.get_template(f"{self.template}.subject.txt").render(
                Context(context, autoescape=False)
            )
            body = engine.get_template(f"{self.template}.body.txt").render(
                Context(context, autoescape=False)
            )
        return EmailMessage(" ".join(subject.split()), body.strip() + "\n", None, message.to)


def email(prepare: Callable[P, Message | None]) -> Email[P]:
    """Make `prepare` an email (see the module's docstring)."""
    return Email(prepare)


def absolute(path: str) -> str:
    """A link for an email: the site's address and a path from `reverse()`."""
    return settings.SITE_URL.rstrip("/") + path


@task()
def deliver(path: str, args: list[Any]) -> int:
    """The worker's half of `Email.send`: how many messages went out (0 or 1)."""
    found = import_string(path)
    if not isinstance(found, Email):
        raise EmailFailed(f"{path} is not an email.")
    try:
        message = found.render(*args)
        return 0 if message is None else message.send()
    except Exception as error:
        # `from None`: the original error's text stays out of the task row and the log.
        raise EmailFailed(f"{path}: {type(error).__name__}") from None


def _check(arg: object) -> None:
    if isinstance(arg, list | tuple):
        for item in arg:
            _check(item)
    elif isinstance(arg, str):
        if not CODE.fullmatch(arg):
            raise ValueError(
                "An email's arguments are stored in the task queue: pass ids and codes, and let "
                "the email read addresses, names and text from the database when it is sent."
            )
    elif not (arg is None or isinstance(arg, int)):
        raise TypeError(f"An email's arguments are ids and codes, not {type(arg).__name__}.")
