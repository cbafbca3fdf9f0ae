"""Access helpers of the channels room (STYLE.md: one per protected model). A call and an email
attachment are seen under their contact's rules (contacts.access)."""

from django.http import Http404

from hotline.accounts.access import Viewer
from hotline.channels.models import Attachment, AttachmentState, Call
from hotline.contacts.access import get_contact_for
from hotline.contacts.models import Contact


def get_call_for(user: Viewer, call_id: int, perm: str = "contacts.view_contact") -> Call:
    """The call if `user` may see its contact (404 otherwise) and holds `perm` on it (403)."""
    call = Call.objects.filter(pk=call_id).select_related("channel").first()
    if call is None:
        raise Http404
    call.contact = get_contact_for(user, call.contact_id, perm)
    return call


def get_attachment_of(contact: Contact, attachment_id: int) -> Attachment:
    """A kept attachment of one of the contact's emails (the caller checked the contact), or
    Http404."""
    found = Attachment.objects.filter(
        pk=attachment_id,
        message__conversation__contact_id=contact.pk,
        state=AttachmentState.STORED,
    ).first()
    if found is None:
        raise Http404
    return found
