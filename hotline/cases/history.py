"""The cases part of a contact's caller history (hotline/contacts/history.py): cases with a
victim, or a contact, reached at the same phone or email, for case workers only."""

from django.urls import reverse
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.cases.models import Case
from hotline.contacts.history import Entry, Section, bounded_count
from hotline.contacts.models import Contact


def cases_reached_alike(contact: Contact, user: User, limit: int) -> Section | None:
    if not user.has_perm("cases.work"):
        return None
    found = (
        Case.objects.visible_to(user)
        .reached_at(contact.caller_phone_hash, contact.caller_email_hash)
        # Its own case is shown on the page already.
        .exclude(case_contacts__contact=contact)
    )
    shown = list(
        found.order_by("-opened_at", "-pk").only(
            "reference", "opened_at", "status", "trafficking_type"
        )[:limit]
    )
    if not shown:
        return None
    record(
        "case.list",
        actor=user,
        obj=contact,
        detail={"page": "caller_history", "cases": ",".join(str(c.pk) for c in shown)},
    )
    entries = [
        Entry(
            reference=str(case),
            url=reverse("cases:detail", args=[case.pk]),
            at=case.opened_at,
            what=" · ".join([case.get_status_display(), case.get_trafficking_type_display()]),
        )
        for case in shown
    ]
    return Section(_("Cases"), entries, bounded_count(len(shown), limit, found.count))
