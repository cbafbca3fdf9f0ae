"""Access helpers: how a view gets a call. A call is seen and changed under its contact's rules
(contacts.access)."""

from django.http import Http404

from hotline.accounts.access import Viewer
from hotline.channels.models import Call
from hotline.contacts.access import get_contact_for


def get_call_for(user: Viewer, call_id: int, perm: str = "contacts.view_contact") -> Call:
    """The call if `user` may see its contact (404 otherwise) and holds `perm` on it (403)."""
    call = Call.objects.filter(pk=call_id).select_related("channel").first()
    if call is None:
        raise Http404
    call.contact = get_contact_for(user, call.contact_id, perm)
    return call
