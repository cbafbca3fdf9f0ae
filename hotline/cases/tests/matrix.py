from hotline.tests.matrix import Row, only, outcomes

CASE_WORKERS = {"specialist", "supervisor"}
LIAISONS = {"liaison_a", "liaison_b"}


def _case(personas: dict):
    from hotline.cases.actions import open_case

    return open_case(actor=personas["specialist"], city="Springfield")


def a_case(personas: dict) -> dict:
    return {"case_id": _case(personas).pk}


def a_contact(personas: dict) -> dict:
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact

    return {"contact_id": receive(Contact(channel="phone", narrative="Matrix (fictional)")).pk}


def a_victim(personas: dict) -> dict:
    from hotline.cases.models import Victim

    case = _case(personas)
    victim = Victim.objects.create(case=case, name="Matrix Person (fictional)")
    return {"case_id": case.pk, "victim_id": victim.pk}


def a_consent(personas: dict) -> dict:
    import datetime as dt

    from django.utils import timezone

    from hotline.cases.models import Consent, Victim

    case = _case(personas)
    victim = Victim.objects.create(case=case)
    consent = Consent.objects.create(
        case=case,
        victim=victim,
        given_by="victim",
        method="written",
        purposes=["report"],
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return {"case_id": case.pk, "consent_id": consent.pk}


def report_to_agency_a(personas: dict, *, approve: bool = False) -> dict:
    """A de-identified report sent to liaison A's agency (or, with `approve`, a report of a
    minor waiting for a supervisor)."""
    from hotline.cases.actions import request_report
    from hotline.cases.models import AgencyLink, Victim
    from hotline.directory.models import Organization

    org = Organization.objects.create(name="Matrix Task Force (fictional)", description="d")
    AgencyLink.objects.create(agency=personas["liaison_a"].agency, organization=org)
    case = _case(personas)
    if approve:
        Victim.objects.create(case=case, age_group="minor")
        report = request_report(
            case, org, actor=personas["specialist"], exception="minor", reason="Matrix reason"
        )
    else:
        report = request_report(case, org, actor=personas["specialist"])
    return {"report_id": report.pk}


def a_waiting_report(personas: dict) -> dict:
    return report_to_agency_a(personas, approve=True)


def a_case_reference(personas: dict) -> dict:
    return {"case_reference": _case(personas).reference}


# Only liaison A's agency received the report: liaison B gets 404, as for a report that does not
# exist; hotline staff use the console's report page, not the portal.
PORTAL_REPORT = only({"liaison_a"}, 200, 403) | {"liaison_b": 404}

ROWS = [
    Row("cases:list", only(CASE_WORKERS)),
    Row("cases:supervisor", only({"supervisor"})),
    Row("cases:supervisor", only({"supervisor"}, 302), method="post"),
    Row("cases:open_from_contact", only(CASE_WORKERS, 302), method="post", kwargs=a_contact),
    Row("cases:open_from_contact", only(CASE_WORKERS, 405), kwargs=a_contact),
    Row(
        "cases:attach_contact",
        only(CASE_WORKERS, 302),
        method="post",
        kwargs=a_contact,
        data=a_case_reference,
    ),
    Row("cases:detail", only(CASE_WORKERS), kwargs=a_case),
    Row("cases:edit", only(CASE_WORKERS), kwargs=a_case),
    Row("cases:set_status", only(CASE_WORKERS, 302), method="post", kwargs=a_case),
    Row("cases:add_note", only(CASE_WORKERS, 302), method="post", kwargs=a_case),
    Row("cases:potential", only(CASE_WORKERS, 302), method="post", kwargs=a_case),
    Row("cases:access_history", only({"supervisor"}), kwargs=a_case),
    Row("cases:victim_add", only(CASE_WORKERS), kwargs=a_case),
    Row("cases:victim", only(CASE_WORKERS), kwargs=a_victim),
    Row("cases:consent_add", only(CASE_WORKERS), kwargs=a_case),
    Row("cases:recipient_matches", only(CASE_WORKERS)),
    Row("cases:consent", only(CASE_WORKERS), kwargs=a_consent),
    Row("cases:consent_revoke", only(CASE_WORKERS, 302), method="post", kwargs=a_consent),
    Row("cases:report_new", only(CASE_WORKERS), kwargs=a_case),
    Row("cases:report", only(CASE_WORKERS), kwargs=report_to_agency_a),
    Row("cases:deliveries", only(CASE_WORKERS)),
    Row(
        "cases:report_delivered",
        only(CASE_WORKERS, 302),
        method="post",
        kwargs=report_to_agency_a,
    ),
    Row(
        "cases:report_approve",
        only({"supervisor"}, 302),
        method="post",
        kwargs=a_waiting_report,
    ),
    Row(
        "cases:report_decline",
        only({"supervisor"}, 302),
        method="post",
        kwargs=a_waiting_report,
    ),
    Row("cases:portal", only(LIAISONS)),
    Row("cases:portal_report", PORTAL_REPORT, kwargs=report_to_agency_a),
    Row("cases:portal_payload", PORTAL_REPORT, kwargs=report_to_agency_a),
    Row(
        "cases:portal_acknowledge",
        outcomes(403, liaison_a=302, liaison_b=404),
        method="post",
        kwargs=report_to_agency_a,
    ),
    Row(
        "cases:portal_outcome",
        outcomes(403, liaison_a=302, liaison_b=404),
        method="post",
        kwargs=report_to_agency_a,
        data=lambda p: {"outcome": "no_action"},
    ),
]
