"""The accounts' emails (lib/emails.py): each function runs in the task worker at send time."""

from hotline.accounts.access import invite_link
from hotline.accounts.models import User
from hotline.lib import emails


@emails.email
def invite(user_id: int) -> emails.Message | None:
    """The link that sets a new account's password, made here at send time: the task carries
    the account's id alone, so no table holds a live link."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or user.has_usable_password():
        return None  # deactivated, or the invite was used (a link now would reset a password)
    return emails.Message(to=[user.email], context={"link": invite_link(user)})
