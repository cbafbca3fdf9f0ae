from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from hotline.accounts.models import User
from hotline.audit.actions import record


@receiver(user_logged_in)
def audit_login(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
    record("auth.login", actor=user, obj=user)


@receiver(user_login_failed)
def audit_login_failed(sender: str, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The attempted name is not stored: it may be a password typed in the wrong box.
    user = User.objects.filter(username=credentials.get("username", "")).first()
    record("auth.login_failed", obj=user, object_type="" if user else "accounts.user")
