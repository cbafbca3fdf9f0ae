"""The console's landing page: each role's work now, as bounded sections.

A section is a count, at most LIMIT items and a link to the full (filtered) list. Every section
costs two queries (its count and its items) whatever the data size. Items name contacts and
reports by reference and labels only, never by what a person said.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Role, User
from hotline.audit.actions import record
from hotline.cases.models import Report
from hotline.contacts.alerts import max_warning_minutes
from hotline.contacts.models import (
    Contact,
    ContactQuerySet,
    Notification,
    NotificationKind,
    RequestType,
    Status,
)
from hotline.directory.models import JoinApplication, ListingFlag, Organization
from hotline.hours.models import Calendar, SlaPolicy

LIMIT = 10


@dataclass
class Item:
    label: str
    url: str
    details: list[str] = field(default_factory=list)
    when: dt.datetime | None = None


@dataclass
class Section:
    key: str
    title: str | Promise
    count: int
    items: list[Item]
    see_all: str
    empty: str | Promise = ""
    # "contact" or "report" when the items name those: the page view is audited.
    lists: str = ""
    # (words, address or ""): a line under the title, a link when it leads somewhere.
    notes: list[tuple[str, str]] = field(default_factory=list)
    # The see-all link's words when it leads to a page, not to the full list of the items.
    link_text: str | Promise = ""


def queue_url(**filters: str) -> str:
    """The contacts queue with filters in its query string (the queue's own filter names)."""
    url = reverse("contacts:queue")
    return f"{url}?{urlencode(filters)}" if filters else url


def _contact_items(contacts: ContactQuerySet, now: dt.datetime) -> list[Item]:
    rows = (
        contacts.queue_order()
        .select_related("sla_policy")
        .only(
            "reference",
            "channel",
            "urgency",
            "request_types",
            "status",
            "received_at",
            "first_response_due",
            "first_response_at",
            "resolution_due",
            "sla_paused_since",
            "sla_policy__warning_minutes",
        )[:LIMIT]
    )
    items = []
    for contact in rows:
        details = [
            str(contact.get_urgency_display()),
            str(contact.get_status_display()),
            *contact.request_type_labels(),
        ]
        state = contact.sla_state(now)
        if state == "breached":
            details.append(str(_("deadline missed")))
        elif state == "at_risk":
            details.append(str(_("deadline near")))
        items.append(
            Item(
                contact.reference,
                reverse("contacts:detail", args=[contact.pk]),
                details,
                contact.received_at,
            )
        )
    return items


def contact_section(
    key: str,
    title: str | Promise,
    contacts: ContactQuerySet,
    see_all: str,
    now: dt.datetime,
    empty: str | Promise,
) -> Section:
    return Section(
        key,
        title,
        contacts.count(),
        _contact_items(contacts, now),
        see_all,
        empty,
        lists="contact",
    )


# --- Sections, one function per piece of work ---------------------------------------------------


def my_open_contacts(user: User, now: dt.datetime) -> Section:
    return contact_section(
        "mine",
        _("My open contacts"),
        Contact.objects.visible_to(user).open().assigned_to_user(user),
        queue_url(assigned="mine"),
        now,
        _("You have no open contacts."),
    )


def urgent_unassigned(user: User, now: dt.datetime) -> Section:
    return contact_section(
        "urgent-unassigned",
        _("Urgent, nobody has claimed them"),
        Contact.objects.visible_to(user).open().urgent().unassigned(),
        queue_url(assigned="nobody", urgency="urgent"),
        now,
        _("No urgent contact is waiting."),
    )


def at_risk(user: User, now: dt.datetime) -> Section:
    within = dt.timedelta(minutes=max_warning_minutes())
    return contact_section(
        "at-risk",
        _("Deadline near"),
        Contact.objects.visible_to(user).near_deadline(within, now),
        reverse("contacts:supervisor"),
        now,
        _("No contact is near a deadline."),
    )


def missed(user: User, now: dt.datetime) -> Section:
    return contact_section(
        "missed",
        _("Deadline missed"),
        Contact.objects.visible_to(user).breached(now),
        reverse("contacts:supervisor"),
        now,
        _("No deadline was missed."),
    )


def crisis_waiting(user: User, now: dt.datetime) -> Section:
    section = contact_section(
        "crisis",
        _("Crisis contacts waiting"),
        Contact.objects.visible_to(user).open().unassigned().with_request_type(RequestType.CRISIS),
        reverse("contacts:notifications"),
        now,
        _("No crisis contact is waiting."),
    )
    unread = Notification.objects.filter(user=user, kind=NotificationKind.CRISIS).unread()
    words = _("Unread crisis alerts: %(count)s") % {"count": unread.count()}
    section.notes.append((str(words), reverse("contacts:notifications")))
    return section


def approvals_waiting(user: User, now: dt.datetime) -> Section:
    reports = Report.objects.visible_to(user).awaiting_approval()
    rows = reports.select_related("recipient").only(
        "pk", "requested_at", "exception", "recipient__name"
    )
    return Section(
        "approvals",
        _("Reports waiting for approval"),
        reports.count(),
        [
            Item(
                report.reference,
                reverse("cases:report", args=[report.pk]),
                [report.recipient.name, str(report.get_exception_display())],
                report.requested_at,
            )
            for report in rows.order_by("requested_at", "pk")[:LIMIT]
        ],
        reverse("cases:supervisor"),
        _("No report is waiting for approval."),
        lists="report",
    )


def deliveries_waiting(user: User, now: dt.datetime) -> Section:
    reports = Report.objects.visible_to(user).awaiting_delivery()
    rows = reports.select_related("recipient").only("pk", "sent_at", "recipient__name")
    return Section(
        "deliveries",
        _("Reports to deliver by phone"),
        reports.count(),
        [
            Item(
                report.reference,
                reverse("cases:report", args=[report.pk]),
                [report.recipient.name],
                report.sent_at,
            )
            for report in rows.order_by("sent_at", "pk")[:LIMIT]
        ],
        reverse("cases:deliveries"),
        _("No report is waiting to be delivered by phone."),
        lists="report",
    )


def program_waiting(user: User, now: dt.datetime) -> Section:
    # Program staff answer in business hours what can wait: non-urgent contacts and requests
    # for training, not yet claimed; messages taken have their own section.
    waiting = (
        Contact.objects.visible_to(user).open().unassigned().exclude(status=Status.MESSAGE_TAKEN)
    )
    waiting = waiting.non_urgent() | waiting.with_request_type(RequestType.TTA)
    return contact_section(
        "program-waiting",
        _("Non-urgent and training requests waiting"),
        waiting,
        queue_url(assigned="nobody", urgency="non_urgent"),
        now,
        _("No non-urgent contact is waiting."),
    )


def messages_taken(user: User, now: dt.datetime) -> Section:
    return contact_section(
        "messages-taken",
        _("Messages taken"),
        Contact.objects.visible_to(user).open().messages_taken(),
        queue_url(status="message_taken"),
        now,
        _("No message is waiting for an answer."),
    )


def applications(user: User, now: dt.datetime) -> Section:
    pending = JoinApplication.objects.to_review()
    return Section(
        "applications",
        _("Directory applications to review"),
        pending.count(),
        [
            Item(
                item.organization_name,
                reverse("directory:application", args=[item.pk]),
                [f"{item.city}, {item.state}"],
                item.created_at,
            )
            for item in pending.only(
                "pk", "organization_name", "city", "state", "created_at"
            ).order_by("created_at", "pk")[:LIMIT]
        ],
        reverse("directory:queue"),
        _("No application is waiting."),
    )


def flags(user: User, now: dt.datetime) -> Section:
    flagged = ListingFlag.objects.open()
    rows = flagged.select_related("organization", "service").only(
        "pk", "reason", "created_at", "organization__name", "service__name"
    )
    return Section(
        "flags",
        _("Listings flagged as wrong"),
        flagged.count(),
        [
            Item(
                flag.organization.name,
                reverse("directory:listing", args=[flag.organization_id]),
                [flag.service.name, str(flag.get_reason_display())],
                flag.created_at,
            )
            for flag in rows.order_by("created_at", "pk")[:LIMIT]
        ],
        reverse("directory:queue"),
        _("No listing is flagged."),
    )


def reverification_due(user: User, now: dt.datetime) -> Section:
    due = Organization.objects.marked_due()
    return Section(
        "reverification",
        _("Listings due for re-verification"),
        due.count(),
        [
            Item(
                org.name,
                reverse("directory:listing", args=[org.pk]),
                [],
                org.verification_due_since,
            )
            for org in due.only("pk", "name", "verification_due_since").order_by(
                "verification_due_since", "name"
            )[:LIMIT]
        ],
        reverse("directory:queue"),
        _("No listing is due for re-verification."),
    )


def staff_accounts(user: User, now: dt.datetime) -> Section:
    staff = User.objects.filter(is_active=True)
    return Section(
        "staff",
        _("Staff accounts"),
        staff.count(),
        [],
        reverse("accounts:staff_list"),
        _("No active account."),
        link_text=_("Manage staff accounts"),
    )


def service_hours(user: User, now: dt.datetime) -> Section:
    policies = SlaPolicy.objects.active()
    return Section(
        "hours",
        _("Active SLA policies"),
        policies.count(),
        [
            Item(
                str(_("Service calendars: %(count)s") % {"count": Calendar.objects.count()}),
                reverse("admin:hours_calendar_changelist"),
            ),
            Item(
                str(_("SLA policies")),
                reverse("admin:hours_slapolicy_changelist"),
            ),
        ],
        reverse("site:settings"),
        _("No SLA policy is active: contacts get no deadlines."),
        link_text=_("All settings"),
    )


SectionBuilder = Callable[[User, dt.datetime], Section]

# Which work each role sees first.
BY_ROLE: dict[str, list[SectionBuilder]] = {
    Role.SPECIALIST: [my_open_contacts, urgent_unassigned, deliveries_waiting],
    Role.SUPERVISOR: [
        crisis_waiting,
        missed,
        at_risk,
        approvals_waiting,
        deliveries_waiting,
        my_open_contacts,
    ],
    Role.PROGRAM_STAFF: [program_waiting, messages_taken, my_open_contacts],
    Role.CURATOR: [applications, flags, reverification_due],
    Role.ADMINISTRATOR: [staff_accounts, service_hours, applications, flags, reverification_due],
}


def sections_for(user: User, now: dt.datetime | None = None) -> list[Section]:
    """The user's sections, with one audit event per kind of record they list."""
    now = now or timezone.now()
    sections = [build(user, now) for build in BY_ROLE.get(user.role, [])]
    for kind, action in [("contact", "contact.list"), ("report", "report.list")]:
        shown = [s for s in sections if s.lists == kind]
        if shown:
            record(
                action,
                actor=user,
                detail={"page": "console", "count": sum(len(s.items) for s in shown)},
            )
    return sections
