"""Caller history: the other contacts (earlier and later) from the same phone or email as a
contact, found by the keyed hashes beside those fields, and what higher rooms add to it.

Contacts sits below cases and may not import it: the cases room registers a provider here
(`register`, from its AppConfig.ready) that lists the cases reached at the same phone or email.
Each part shows only what the user may see and writes its own audit event, naming the listed
records by id."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts.models import Contact

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Entry:
    reference: str
    url: str
    at: dt.datetime
    what: str


@dataclass(frozen=True)
class Section:
    title: str
    entries: list[Entry]
    count: int  # all there are; `entries` holds at most HISTORY_LIMIT of them, newest first


# (contact, user, limit) → a section, or None when the user may see none of it.
Provider = Callable[[Contact, User, int], Section | None]
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def bounded_count(shown: int, limit: int, count: Callable[[], int]) -> int:
    """How many there are: `shown` when fewer than `limit` were read, else counted."""
    return shown if shown < limit else count()


def ids(records: list[Contact]) -> str:
    return ",".join(str(r.pk) for r in records)


def other_contacts(contact: Contact, user: User, limit: int) -> Section | None:
    if not user.has_perm("contacts.work"):
        return None
    found = (
        Contact.objects.visible_to(user)
        .reached_at(contact.caller_phone_hash, contact.caller_email_hash)
        .exclude(pk=contact.pk)
    )
    shown = list(
        found.order_by("-received_at", "-pk").only(
            "reference", "received_at", "channel", "status", "request_types"
        )[:limit]
    )
    if not shown:
        return None
    record(
        "contact.list",
        actor=user,
        obj=contact,
        detail={"page": "caller_history", "contacts": ids(shown)},
    )
    entries = [
        Entry(
            reference=c.reference,
            url=reverse("contacts:detail", args=[c.pk]),
            at=c.received_at,
            what=" · ".join(
                [c.get_channel_display(), c.get_status_display(), *c.request_type_labels()]
            ),
        )
        for c in shown
    ]
    return Section(_("Contacts"), entries, bounded_count(len(shown), limit, found.count))


def caller_history(contact: Contact, user: User, limit: int = HISTORY_LIMIT) -> list[Section]:
    """The sections of the contact's caller history that `user` may see (none when the caller
    gave no phone or email)."""
    if not (contact.caller_phone_hash or contact.caller_email_hash):
        return []
    sections = [other_contacts(contact, user, limit)]
    sections += [provider(contact, user, limit) for provider in PROVIDERS]
    return [section for section in sections if section is not None]
