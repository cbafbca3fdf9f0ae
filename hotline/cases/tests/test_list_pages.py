"""The cases list in pages, and the case list pages' queries do not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.cases.actions import open_case
from hotline.cases.models import Case, CaseAlert, Report
from hotline.cases.views import LIST_PAGE_SIZE
from hotline.cases.vocabularies import ReportStatus
from hotline.directory.models import Organization

pytestmark = pytest.mark.django_db


def assert_constant_queries(client, url: str, grow, rows: int = 3, more: int = 27) -> None:
    grow(rows)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    grow(more)
    with CaptureQueriesContext(connection) as lots:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert small.content != large.content, "the page should show the new rows"
    assert len(lots.captured_queries) == len(few.captured_queries)


def test_case_list_queries_do_not_grow_with_rows(client_for, personas) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            open_case(actor=personas["specialist"], trafficking_type="labor")
        Case.objects.update(assigned_to=personas["specialist"])

    assert_constant_queries(client_for("specialist"), reverse("cases:list"), grow)


def test_case_list_comes_in_pages_with_labels(client_for, personas) -> None:
    cases = [
        open_case(actor=personas["specialist"], trafficking_type="sex")
        for _ in range(LIST_PAGE_SIZE + 2)
    ]
    client = client_for("specialist")
    first = client.get(reverse("cases:list")).content.decode()
    assert first.count("<tr><td>") == LIST_PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first
    assert "<td>Sex trafficking</td>" in first and "<td>Open</td>" in first
    second = client.get(reverse("cases:list") + "?page=2").content.decode()
    assert second.count("<tr><td>") == 2
    # Newest first: the first two opened are on the second page.
    assert cases[0].reference in second and cases[-1].reference not in second


@pytest.mark.parametrize("page", ["0", "x", "201"])
def test_a_page_that_does_not_exist_says_so(client_for, page) -> None:
    client = client_for("specialist")
    response = client.get(reverse("cases:list") + f"?page={page}", follow=True)
    assert "There is no such page of cases." in response.content.decode()


def test_approvals_queries_do_not_grow_with_rows(client_for, personas) -> None:
    supervisor = personas["supervisor"]
    org = Organization.objects.create(name="County Task Force (fictional)", description="d")

    def grow(n: int) -> None:
        for _ in range(n):
            case = open_case(actor=personas["specialist"])
            Report.objects.create(
                case=case,
                recipient=org,
                status=ReportStatus.AWAITING_APPROVAL,
                requested_by=personas["specialist"],
                basis="consent",
            )
            CaseAlert.objects.create(user=supervisor, case=case)

    assert_constant_queries(client_for("supervisor"), reverse("cases:supervisor"), grow)
