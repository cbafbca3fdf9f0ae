"""The case a contact was attached to, on the contact's timeline (contacts.timeline): the
contacts room may not import cases, so cases adds its entry through the timeline's hook."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from hotline.accounts.access import Viewer
from hotline.cases.models import CaseContact
from hotline.contacts.models import Contact
from hotline.contacts.timeline import Entry


def case_entries(contact: Contact, viewer: Viewer) -> Iterable[Entry]:
    # Only those who work cases see that there is one (as the contact page's case block).
    if not viewer.has_perm("cases.work"):
        return []
    link = CaseContact.objects.select_related("case", "attached_by").filter(contact=contact).first()
    if link is None:
        return []
    by = link.attached_by.get_username() if link.attached_by else ""
    return [
        Entry(
            link.attached_at,
            "case",
            _("Attached to a case"),
            by,
            str(link.case),
            reverse("cases:detail", args=[link.case_id]),
        )
    ]
