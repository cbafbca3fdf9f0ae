"""The contacts' emails (lib/emails.py): each function runs in the task worker at send time. An
alert says only that a contact is waiting, with its reference: no personal data by email."""

from django.urls import reverse

from hotline.accounts.models import User
from hotline.contacts.models import Contact
from hotline.lib import emails


@emails.email
def alert(contact_id: int, kind: str, user_ids: list[int]) -> emails.Message | None:
    """A crisis contact waiting, a deadline near or missed (kind: NotificationKind)."""
    contact = Contact.objects.filter(pk=contact_id).only("reference").first()
    to = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if contact is None or not to:
        return None
    link = emails.absolute(reverse("contacts:queue"))
    return emails.Message(to=to, context={"kind": kind, "ref": contact.reference, "link": link})
