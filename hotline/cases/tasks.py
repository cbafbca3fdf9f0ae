"""Emails (django-tasks). They say only that something is waiting, never what: a case by its
reference to supervisors, and to liaisons not even that."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from hotline.accounts.models import Role, User
from hotline.cases.models import Case


def _emails(users: "list[int] | None" = None, **filters: object) -> list[str]:
    qs = User.objects.filter(is_active=True, **filters).exclude(email="")
    if users is not None:
        qs = qs.filter(pk__in=users)
    return list(qs.values_list("email", flat=True))


@task()
def send_case_alert_email(case_id: int, user_ids: list[int]) -> int:
    case = Case.objects.filter(pk=case_id).only("reference").first()
    recipients = _emails(user_ids, role=Role.SUPERVISOR)
    if case is None or not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("cases:supervisor")
    return send_mail(
        _("Potential trafficking case: %s") % case.reference,
        _("A case was marked potential trafficking: %(ref)s.\n\nOpen the console: %(link)s\n")
        % {"ref": case.reference, "link": link},
        None,
        recipients,
    )


@task()
def send_portal_email(agency_id: int) -> int:
    recipients = _emails(role=Role.LIAISON, agency_id=agency_id)
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("cases:portal")
    return send_mail(
        _("A report is waiting in the portal"),
        _("A report is waiting for your agency. Sign in to read it: %(link)s\n") % {"link": link},
        None,
        recipients,
    )
