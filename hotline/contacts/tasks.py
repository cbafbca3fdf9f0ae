"""Background work (django-tasks, database backend; worker: `manage.py db_worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from hotline.accounts.models import User
from hotline.contacts.models import Contact, NotificationKind


@task()
def sweep_deadlines() -> int:
    """Runs just after each window of deadlines (actions.schedule_deadline_checks): marks every
    contact whose deadline has passed, once, and alerts. A deadline moved later by a
    reclassification or a pause is not late yet; the new one has a check of its own."""
    from hotline.contacts.actions import mark_breaches

    return mark_breaches()


@task()
def check_deadlines(contact_id: int) -> int:
    """Marks one contact breached if it is late: checks queued by earlier versions."""
    from hotline.contacts.actions import mark_breaches

    return mark_breaches(contact_ids=[contact_id])


@task()
def send_alert_email(contact_id: int, kind: str, user_ids: list[int]) -> int:
    """Says only that a contact is waiting, with its reference: no personal data by email."""
    contact = Contact.objects.filter(pk=contact_id).only("reference").first()
    if contact is None:
        return 0
    recipients = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("contacts:queue")
    if kind == NotificationKind.CRISIS:
        subject = _("Crisis contact waiting: %s") % contact.reference
        body = _("A crisis contact is waiting: %(ref)s.\n\nOpen the queue: %(link)s\n")
    else:
        subject = _("Deadline missed: %s") % contact.reference
        body = _("A contact has missed its deadline: %(ref)s.\n\nOpen the queue: %(link)s\n")
    return send_mail(
        subject,
        body % {"ref": contact.reference, "link": link},
        None,
        recipients,
    )
