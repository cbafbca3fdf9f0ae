"""The directory's emails to applicants (lib/emails.py): each function runs in the task worker at
send time and reads the address and the curator's message from the application then."""

from django.urls import reverse

from hotline.accounts.models import Role, User
from hotline.directory.models import JoinApplication
from hotline.lib import emails


def _to_applicant(application_id: int) -> emails.Message | None:
    application = JoinApplication.objects.filter(pk=application_id).first()
    if application is None:
        return None
    return emails.Message(
        to=[application.contact_email],
        context={
            "message": application.curator_message,
            "link": emails.absolute(reverse("directory:join_edit", args=[application.token])),
        },
    )


@emails.email
def changes_requested(application_id: int) -> emails.Message | None:
    """The curator's message and the link to update the application."""
    return _to_applicant(application_id)


@emails.email
def declined(application_id: int) -> emails.Message | None:
    """The curator's message alone."""
    return _to_applicant(application_id)


@emails.email
def listed(application_id: int) -> emails.Message | None:
    """The listing, and the curator's message when they wrote one."""
    return _to_applicant(application_id)


@emails.email
def verification_due(count: int) -> emails.Message | None:
    """To the curators: how many listings came due for re-verification."""
    to = list(
        User.objects.filter(role=Role.CURATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not to:
        return None
    link = emails.absolute(reverse("directory:queue"))
    return emails.Message(to=to, context={"count": count, "link": link})
