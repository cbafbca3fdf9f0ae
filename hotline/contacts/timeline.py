"""A contact's history in time order, read from its own rows (never from the audit log): when it
was received, its status changes, who took it, follow-ups planned and done, notes, referrals and
resources shared, and whatever a higher room adds through `register` (cases adds the case the
contact was attached to). A constant number of queries whatever the length."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hotline.accounts.access import Viewer
from hotline.accounts.models import User
from hotline.contacts.models import Contact, Status


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # a stable code, for the page's styles and for tests
    label: str  # what happened, in words
    actor: str  # who did it, or "" (the public, an integration without a person)
    text: str = ""  # what was written or what it concerns
    href: str = ""  # where it leads, if anywhere


Source = Callable[[Contact, Viewer], Iterable[Entry]]
_sources: list[Source] = []


def register(source: Source) -> Source:
    """Add entries from a room above contacts, which the contacts room may not import. A source
    decides itself what `viewer` may see, and makes a constant number of queries."""
    if source not in _sources:
        _sources.append(source)
    return source


def _name(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _status(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


def timeline(contact: Contact, viewer: Viewer) -> list[Entry]:
    """Every entry of the contact's history, oldest first."""
    changes = list(contact.status_changes.select_related("by"))
    received_text = contact.get_channel_display()
    received_by = ""
    for change in changes:
        if not change.old:
            # The status it was recorded with belongs to the "received" entry.
            received_text = _("%(channel)s, recorded as %(status)s") % {
                "channel": received_text,
                "status": _status(change.new),
            }
            received_by = _name(change.by)
            break
    entries = [Entry(contact.received_at, "received", _("Received"), received_by, received_text)]
    for change in changes:
        if change.old:
            entries.append(
                Entry(
                    change.at,
                    "status",
                    _("Status changed"),
                    _name(change.by),
                    _("%(old)s → %(new)s")
                    % {"old": _status(change.old), "new": _status(change.new)},
                )
            )
    for assignment in contact.assignments.select_related("assignee", "by"):
        if assignment.by_id == assignment.assignee_id:
            entries.append(Entry(assignment.at, "assignment", _("Claimed"), _name(assignment.by)))
        else:
            entries.append(
                Entry(
                    assignment.at,
                    "assignment",
                    _("Assigned"),
                    _name(assignment.by),
                    _("to %(name)s") % {"name": _name(assignment.assignee)},
                )
            )
    for follow_up in contact.follow_ups.select_related("by"):
        if follow_up.due is None:
            entries.append(
                Entry(follow_up.at, "follow_up", _("Follow-up done"), _name(follow_up.by))
            )
        else:
            entries.append(
                Entry(
                    follow_up.at,
                    "follow_up",
                    _("Follow-up planned"),
                    _name(follow_up.by),
                    _("for %(day)s") % {"day": date_format(follow_up.due, "DATE_FORMAT")},
                )
            )
    for note in contact.notes.select_related("author"):
        entries.append(Entry(note.written_at, "note", _("Note"), _name(note.author), note.text))
    for referral in contact.referrals.select_related("service__organization", "referred_by"):
        service = referral.service
        entries.append(
            Entry(
                referral.referred_at,
                "referral",
                _("Referred"),
                _name(referral.referred_by),
                f"{service.name} — {service.organization.name}",
            )
        )
    for shared in contact.shared_resources.select_related("resource", "shared_by"):
        entries.append(
            Entry(
                shared.shared_at,
                "share",
                _("Resource shared"),
                _name(shared.shared_by),
                shared.resource.title,
            )
        )
    for source in _sources:
        entries.extend(source(contact, viewer))
    # Entries at the same moment keep the order above: received first, a status change before
    # the assignment that came with it.
    return sorted(entries, key=lambda entry: entry.at)
