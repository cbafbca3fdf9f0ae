"""Access helpers of the channels room (STYLE.md: one per protected model)."""

from django.http import Http404

from hotline.channels.models import Attachment, AttachmentState
from hotline.contacts.models import Contact


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
