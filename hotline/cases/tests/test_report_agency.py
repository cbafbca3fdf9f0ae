"""A liaison's access to a report follows the agency it was sent to, as recorded on the report
when it was sent, not the agency's directory link as it is later: relinking an agency to another
organization (or a link moved from one agency to another) changes nothing for reports already
sent, for either agency's liaisons."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from hotline.cases.actions import request_report
from hotline.cases.models import AgencyLink, Report, ReportStatus
from hotline.cases.tests.conftest import add_victim, give_consent
from hotline.directory.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(personas, case, orgs, django_capture_on_commit_callbacks) -> tuple[Report, Report]:
    org_a, org_b = orgs
    give_consent(add_victim(case), [org_a])
    with django_capture_on_commit_callbacks(execute=True):
        return (
            request_report(case, org_a, actor=personas["specialist"]),
            request_report(case, org_b, actor=personas["specialist"]),
        )


def swap_links(orgs: tuple[Organization, Organization]) -> None:
    """Agency A is now the directory's organization B, and agency B is organization A."""
    org_a, org_b = orgs
    link_a, link_b = (
        AgencyLink.objects.get(organization=org_a),
        AgencyLink.objects.get(organization=org_b),
    )
    link_a.organization = Organization.objects.create(name="Spare (fictional)", description="d")
    link_a.save()
    link_b.organization = org_a
    link_b.save()
    link_a.organization = org_b
    link_a.save()


def portal_reports(client) -> list[Report]:
    return list(client.get(reverse("cases:portal")).context["reports"])


def test_the_agency_is_recorded_on_the_report_when_it_is_sent(sent, agencies) -> None:
    to_a, to_b = sent
    assert (to_a.agency, to_b.agency) == agencies
    # The waiting-report email goes to the recorded agency's liaisons.
    emailed = DBTaskResult.objects.filter(task_path="hotline.lib.emails.deliver")
    assert sorted(
        args
        for path, args in (task.args_kwargs["args"] for task in emailed)
        if path == "hotline.cases.emails.report_waiting"
    ) == sorted([agency.pk] for agency in agencies)


def test_relinking_after_sending_changes_nothing_for_either_agencys_liaisons(
    client_for, sent, orgs
) -> None:
    to_a, to_b = sent
    swap_links(orgs)
    liaison_a, liaison_b = client_for("liaison_a"), client_for("liaison_b")
    assert portal_reports(liaison_a) == [to_a]
    assert portal_reports(liaison_b) == [to_b]
    for client, mine, theirs in [(liaison_a, to_a, to_b), (liaison_b, to_b, to_a)]:
        for name in ["cases:portal_report", "cases:portal_payload"]:
            assert client.get(reverse(name, kwargs={"report_id": mine.pk})).status_code == 200
            assert client.get(reverse(name, kwargs={"report_id": theirs.pk})).status_code == 404
    # Acknowledging and recording an outcome follow the recorded agency too.
    refused = liaison_b.post(reverse("cases:portal_acknowledge", kwargs={"report_id": to_a.pk}))
    assert refused.status_code == 404
    liaison_a.post(reverse("cases:portal_acknowledge", kwargs={"report_id": to_a.pk}))
    liaison_a.post(
        reverse("cases:portal_outcome", kwargs={"report_id": to_a.pk}), {"outcome": "no_action"}
    )
    to_a.refresh_from_db()
    assert to_a.acknowledged_at is not None and to_a.outcome == "no_action"


def test_a_report_sent_after_relinking_goes_to_the_agency_linked_then(
    personas, client_for, case, sent, orgs, agencies
) -> None:
    swap_links(orgs)
    later = request_report(case, orgs[0], actor=personas["specialist"], deidentified_only=True)
    assert later.agency == agencies[1]
    assert later in portal_reports(client_for("liaison_b"))
    assert later not in portal_reports(client_for("liaison_a"))


def test_the_data_migration_records_todays_link_on_reports_already_sent(
    personas, case, sent, orgs, agencies
) -> None:
    waiting = Report.objects.create(
        case=case,
        recipient=orgs[0],
        status=ReportStatus.AWAITING_APPROVAL,
        requested_by=personas["specialist"],
    )
    Report.objects.update(agency=None)
    migration = import_module("hotline.cases.migrations.0004_fill_report_agency")
    migration.fill_agency(apps, None)
    to_a, to_b = sent
    got = dict(Report.objects.values_list("pk", "agency"))
    assert got == {to_a.pk: agencies[0].pk, to_b.pk: agencies[1].pk, waiting.pk: None}
