"""Background work (django-tasks, database backend; worker: `manage.py db_worker`)."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from hotline.accounts.models import User
from hotline.contacts.models import Contact, NotificationKind, Status


@task()
def check_deadlines(contact_id: int, due: str | None = None) -> int:
    """Runs just after the deadline `due`: marks the contact breached if it still is, then
    queues the check of its next deadline. A deadline moved by a reclassification or a pause
    ends this chain (the move queued a check of its own), so a chain is never doubled."""
    from hotline.contacts.actions import mark_breaches, schedule_deadline_check

    with transaction.atomic():  # the next check is queued with the mark, or neither is
        marked = mark_breaches(contact_ids=[contact_id])
        contact = Contact.objects.filter(pk=contact_id).first()
        if due is not None and contact is not None and contact.status != Status.CLOSED:
            checked = dt.datetime.fromisoformat(due)
            if checked in contact.deadlines():
                schedule_deadline_check(contact, after=checked)
    return marked


@task()
def sweep_deadlines() -> int:
    """Marks every breach not yet marked (after downtime of the worker)."""
    from hotline.contacts.actions import mark_breaches

    return mark_breaches()


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
