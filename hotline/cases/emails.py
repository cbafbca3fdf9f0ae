"""The cases' emails (lib/emails.py): each function runs in the task worker at send time. They
say only that something is waiting, never what: a case by its reference to supervisors, and to
liaisons not even that."""

from django.db.models import QuerySet
from django.urls import reverse

from hotline.accounts.models import Role, User
from hotline.cases.models import Case
from hotline.lib import emails


def _addresses(users: QuerySet[User]) -> list[str]:
    return list(users.filter(is_active=True).exclude(email="").values_list("email", flat=True))


@emails.email
def case_alert(case_id: int, user_ids: list[int]) -> emails.Message | None:
    """To the supervisors who were on duty when the case was marked potential trafficking."""
    case = Case.objects.filter(pk=case_id).only("reference").first()
    to = _addresses(User.objects.filter(pk__in=user_ids, role=Role.SUPERVISOR))
    if case is None or not to:
        return None
    link = emails.absolute(reverse("cases:supervisor"))
    return emails.Message(to=to, context={"ref": case.reference, "link": link})


@emails.email
def report_waiting(agency_id: int) -> emails.Message | None:
    """To the liaisons of the agency a report was delivered to."""
    to = _addresses(User.objects.filter(role=Role.LIAISON, agency_id=agency_id))
    if not to:
        return None
    return emails.Message(to=to, context={"link": emails.absolute(reverse("cases:portal"))})
