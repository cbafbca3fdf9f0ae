"""The accounts' emails (lib/emails.py): each function runs in the task worker at send time."""

from django.contrib.auth.tokens import default_token_generator

from hotline.accounts.models import User
from hotline.lib import emails


@emails.email
def invite(user_id: int, token: str) -> emails.Message | None:
    """The link that sets a new account's password. The one-time token travels in the task's
    arguments, the exception to their rule (ids and codes only): the link must be the one the
    administrator was shown. Once only a hash of it is stored, this function makes the token
    here at send time and the task carries the user's id alone."""
    from hotline.accounts.actions import invite_link

    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or not default_token_generator.check_token(user, token):
        return None  # the account was deactivated, or a newer invite replaced this one
    return emails.Message(to=[user.email], context={"link": invite_link(user, token)})
