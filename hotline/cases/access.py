"""Access helpers: how a view gets a case, a victim, a consent or a report. Each returns the
object or raises Http404 for what the user may not see (so nobody learns that it exists), and
PermissionDenied for what they may see but not do."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from hotline.accounts.access import Viewer
from hotline.cases.models import Case, Consent, Report, Victim


def get_case_for(user: Viewer, case_id: int, perm: str = "cases.view_case") -> Case:
    case = (
        Case.objects.visible_to(user)
        .select_related("assigned_to", "opened_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None or not user.has_perm("cases.view_case", case):
        raise Http404
    if not user.has_perm(perm, case):
        raise PermissionDenied
    return case


def find_case_for(user: Viewer, reference: str, perm: str = "cases.view_case") -> Case | None:
    """The case with this reference (None if there is none), checked as `get_case_for` does."""
    found = Case.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if found is None:
        return None
    return get_case_for(user, found, perm)


def get_victim_for(user: Viewer, case: Case, victim_id: int) -> Victim:
    """A victim of `case`, which the caller got from `get_case_for`."""
    victim = Victim.objects.filter(case=case, pk=victim_id).first()
    if victim is None:
        raise Http404
    return victim


def get_consent_for(user: Viewer, case: Case, consent_id: int) -> Consent:
    """A consent recorded on `case`, which the caller got from `get_case_for`."""
    consent = (
        Consent.objects.filter(case=case, pk=consent_id)
        .select_related("victim", "recorded_by", "revoked_by")
        .first()
    )
    if consent is None:
        raise Http404
    return consent


def get_report_for(user: Viewer, report_id: int, perm: str = "cases.view_report") -> Report:
    """A report the user may see: a case worker any, a liaison only one sent to their own agency.
    Anything else is 404, so that a liaison cannot learn that another agency's report exists."""
    report = (
        Report.objects.visible_to(user)
        .select_related("case", "recipient", "requested_by", "approved_by")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not user.has_perm("cases.view_report", report):
        raise Http404
    if not user.has_perm(perm, report):
        # Same answer as for an unknown report: a liaison learns nothing from the status.
        raise Http404
    return report
