from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _
from django_tasks import task

from hotline.accounts.models import User


@task()
def send_invite(user_id: int, link: str) -> None:
    user = User.objects.get(pk=user_id)
    send_mail(
        subject=_("Your %(name)s staff account") % {"name": settings.HOTLINE_NAME},
        message=_(
            "An administrator created a staff account for you. Choose your password here "
            "(the link works once and expires): %(link)s"
        )
        % {"link": link},
        from_email=None,
        recipient_list=[user.email],
    )
