"""What the console shows of phone calls: the screen pop (the calls ringing or under way, each
with its caller's earlier contacts and cases), a contact's Calls section (with the interpreter
form), and the supervisor's abandoned calls. Registered with `contacts.sections` (channels sits
above contacts).

Whoever works contacts sees them, with the caller's number, as they see caller history and a
contact's own number (program staff call back the messages taken after hours): no role that
sees calls may not see numbers, so none is masked. Showing calls is audited, naming them by id."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.accounts.access import AuthenticatedHttpRequest
from hotline.audit.actions import record
from hotline.channels.forms import InterpreterForm
from hotline.channels.models import Call, CallStatus
from hotline.contacts import history
from hotline.contacts.models import Contact
from hotline.contacts.sections import Section

# A call still "ringing" or "in progress" this long after it rang lost its ending callback: it
# is no longer shown as coming in.
LIVE_FOR = dt.timedelta(hours=4)
SCREEN_POP_CALLS = 20
SCREEN_POP_HISTORY = 5
ABANDONED_FOR = dt.timedelta(hours=24)
ABANDONED_SHOWN = 20


def number_for(number: str) -> str:
    return number or _("number withheld")


def language_name(code: str) -> str:
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


@dataclass(frozen=True)
class Row:
    call: Call
    number: str
    status: str
    url: str  # the contact's page


def rows(calls: list[Call]) -> list[Row]:
    statuses = dict(CallStatus.choices)
    return [
        Row(
            call=c,
            number=number_for(c.caller),
            status=str(statuses.get(c.status, c.status)),
            url=reverse("contacts:detail", args=[c.contact_id]),
        )
        for c in calls
    ]


@dataclass(frozen=True)
class Pop:
    """One call coming in, as the answering specialist sees it."""

    row: Row
    contact: Contact
    history: list[history.Section]


def screen_pop(request: AuthenticatedHttpRequest) -> list[Pop]:
    """The calls ringing or under way, newest first, each with its caller's history."""
    since = timezone.now() - LIVE_FOR
    calls = list(
        Call.objects.live()
        .filter(started_at__gte=since)
        .select_related("contact")
        .order_by("-started_at", "-pk")[:SCREEN_POP_CALLS]
    )
    record(
        "channels.call_list",
        actor=request.user,
        detail={"page": "screen_pop", "calls": ",".join(str(c.pk) for c in calls)},
    )
    return [
        Pop(
            row=row,
            contact=row.call.contact,
            history=history.caller_history(row.call.contact, request.user, SCREEN_POP_HISTORY),
        )
        for row in rows(calls)
    ]


def calls_section(request: AuthenticatedHttpRequest, contact: Contact) -> Section | None:
    calls = list(Call.objects.filter(contact_id=contact.pk).order_by("started_at", "pk"))
    if not calls:
        return None
    record(
        "channels.call_view",
        actor=request.user,
        obj=contact,
        detail={"calls": ",".join(str(c.pk) for c in calls)},
    )
    may_change = request.user.has_perm("contacts.change_contact", contact)
    forms = {}
    if may_change:
        forms = {
            c.pk: InterpreterForm(
                initial={
                    "language": c.interpreter_language or contact.language,
                    "minutes": c.interpreter_minutes,
                },
                prefix=f"call{c.pk}",
            )
            for c in calls
        }
    entries = [
        {
            "row": row,
            "interpreter": language_name(row.call.interpreter_language)
            if row.call.interpreter_language
            else "",
            "form": forms.get(row.call.pk),
            "form_url": reverse("calls:interpreter", args=[row.call.pk]),
        }
        for row in rows(calls)
    ]
    return Section("channels/_calls.html", {"entries": entries, "may_change": may_change})


def abandoned_section(request: AuthenticatedHttpRequest) -> Section | None:
    """Calls of the last day that ended without anyone answering, newest first, each saying
    whether the same number got through since."""
    if not request.user.has_perm("contacts.supervise"):
        return None
    since = timezone.now() - ABANDONED_FOR
    answered_later = Call.objects.filter(
        caller_hash=OuterRef("caller_hash"),
        started_at__gt=OuterRef("started_at"),
        status__in=[CallStatus.IN_PROGRESS, CallStatus.COMPLETED],
    ).exclude(caller_hash="")
    found = Call.objects.abandoned().filter(started_at__gte=since)
    calls = list(
        found.annotate(got_through=Exists(answered_later))
        .select_related("contact")
        .order_by("-started_at", "-pk")[: ABANDONED_SHOWN + 1]
    )
    more = 0
    if len(calls) > ABANDONED_SHOWN:
        calls = calls[:ABANDONED_SHOWN]
        more = found.count() - ABANDONED_SHOWN
    record(
        "channels.call_list",
        actor=request.user,
        detail={"page": "abandoned", "calls": ",".join(str(c.pk) for c in calls)},
    )
    return Section("channels/_abandoned_calls.html", {"rows": rows(calls), "more": more})
