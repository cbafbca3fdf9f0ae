"""Listings due for re-verification: a curator confirms each listed organization at least once a
year (`Organization.objects.due_for_verification`). The worker's sweep marks every listing that
came due, once, and tells the curators how many did; verifying a listing clears its mark."""

import datetime as dt

from django.db import transaction

from hotline.audit.actions import record
from hotline.directory import emails
from hotline.directory.models import Organization


def mark_due(now: dt.datetime) -> int:
    """Sweep job: mark the listings that came due since the last sweep (one conditional
    update, whatever their number) and send the curators one email about them."""
    with transaction.atomic():
        marked = (
            Organization.objects.due_for_verification(now)
            .filter(verification_due_since__isnull=True)
            .update(verification_due_since=now)
        )
        if marked:
            record("directory.verification_due", detail={"count": marked})
            emails.verification_due.send(marked)
    return marked
