"""The console's search box: references open, phone numbers and emails list a person's
contacts and cases through keyed hashes, words search narratives and summaries ranked; only
what the user may see, audited by result ids, never the query, which travels by POST only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case
from hotline.cases.models import Report, Victim
from hotline.contacts import search as contact_search
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.directory.models import Organization
from hotline.lib import lookup

pytestmark = pytest.mark.django_db
SEARCH = reverse("site:search")
CONTACT_LINK = re.compile(r'href="/console/contacts/\d+/"')


def contact(**fields) -> Contact:
    fields.setdefault("channel", "phone")
    return receive(Contact(**fields))


def find(client, q: str):
    return client.post(SEARCH, {"q": q})


def test_a_contact_reference_opens_the_contact(client_for) -> None:
    item = contact()
    client = client_for("specialist")
    response = find(client, item.reference)
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[item.pk])
    # Typed in lower case and without the leading zeros, it is the same reference.
    year, number = item.reference.split("-")[1:]
    response = find(client, f" ht-{year}-{int(number)} ")
    assert response["Location"] == reverse("contacts:detail", args=[item.pk])


def test_a_case_and_a_report_reference_open_them(client_for, personas) -> None:
    case = open_case(actor=personas["specialist"])
    org = Organization.objects.create(name="County Task Force (fictional)", description="d")
    report = Report.objects.create(
        case=case, recipient=org, status="awaiting_approval", requested_by=personas["specialist"]
    )
    client = client_for("supervisor")
    assert find(client, str(case))["Location"] == reverse("cases:detail", args=[case.pk])
    assert find(client, report.reference)["Location"] == reverse("cases:report", args=[report.pk])


def test_a_reference_the_user_may_not_open_finds_nothing(client_for, personas) -> None:
    # Program staff work contacts but see no case: the case's reference is "nothing found",
    # as for a reference that does not exist.
    case = open_case(actor=personas["specialist"])
    client = client_for("program_staff")
    for q in [str(case), "CS-2026-999999", "HT-2026-999999", "RP-999999"]:
        response = find(client, q)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Nothing found with this reference" in page
        assert reverse("cases:detail", args=[case.pk]) not in page


@pytest.mark.parametrize("persona", ["curator", "administrator", "liaison_a", "liaison_b"])
def test_roles_that_work_no_contacts_may_not_search(client_for, persona) -> None:
    item = contact(caller_phone="202-555-0123", narrative="motel on route nine")
    for q in [item.reference, "202-555-0123", "motel"]:
        response = find(client_for(persona), q)
        assert response.status_code == 403
        assert item.reference.encode() not in response.content
    assert not AuditEvent.objects.filter(action="console.search").exists()


def test_a_phone_in_three_spellings_finds_the_same_contacts_newest_first(client_for) -> None:
    older = contact(caller_phone="(202) 555-0123")
    newer = contact(caller_phone="+1 202 555 0123")
    other = contact(caller_phone="202-555-0199")
    client = client_for("specialist")
    for spelling in ["202.555.0123", "1-202-555-0123", "+12025550123"]:
        page = find(client, spelling).content.decode()
        assert newer.reference in page and older.reference in page
        assert page.index(newer.reference) < page.index(older.reference)
        assert other.reference not in page


def test_an_email_is_found_whatever_its_case(client_for) -> None:
    item = contact(caller_email="Ana.Ruiz@Example.org")
    contact(caller_email="someone@example.org")
    page = find(client_for("specialist"), "  ANA.RUIZ@example.ORG ").content.decode()
    assert item.reference in page
    assert len(CONTACT_LINK.findall(page)) == 1


def test_a_phone_lists_the_cases_of_victims_reached_there_for_case_workers_only(
    client_for, personas
) -> None:
    case = open_case(actor=personas["specialist"])
    Victim.objects.create(case=case, phone="202 555 0123")
    elsewhere = open_case(actor=personas["specialist"])
    Victim.objects.create(case=elsewhere, phone="202 555 0199")
    page = find(client_for("specialist"), "(202) 555-0123").content.decode()
    assert case.reference in page and elsewhere.reference not in page
    page = find(client_for("program_staff"), "(202) 555-0123").content.decode()
    assert case.reference not in page


def test_words_are_ranked_across_narratives_and_case_summaries(client_for, personas) -> None:
    once = contact(narrative="She mentioned a motel near the highway.")
    twice = contact(narrative="The motel manager keeps their passports; the motel is on Route 9.")
    unrelated = contact(narrative="Asked for training materials for nurses.")
    case = open_case(actor=personas["specialist"], summary="Workers housed above a motel.")
    page = find(client_for("specialist"), "motels").content.decode()
    assert twice.reference in page and once.reference in page and case.reference in page
    assert page.index(twice.reference) < page.index(once.reference)
    assert unrelated.reference not in page
    # Every word must match when some record holds them all.
    page = find(client_for("specialist"), "motel passports").content.decode()
    assert twice.reference in page and once.reference not in page


def test_beyond_rank_all_matches_the_newest_come_first_unranked(monkeypatch) -> None:
    from hotline.lib import fulltext

    best = contact(narrative="motel motel motel, the motel again")
    newest = contact(narrative="a motel")
    assert contact_search.search("motel") == [best.pk, newest.pk]
    monkeypatch.setattr(fulltext, "RANK_ALL", 1)
    assert contact_search.search("motel") == [newest.pk, best.pk]


@pytest.mark.parametrize("newest_matches", [True, False])
def test_the_newest_matches_are_found_across_windows_of_ids(monkeypatch, newest_matches) -> None:
    # PostgreSQL reads the newest matches in id windows, each wider than the last, or, when the
    # first window shows the words are rare, from the index: every match once, newest first,
    # whatever the gaps between them (SQLite reads them in order).
    from hotline.lib import fulltext

    monkeypatch.setattr(fulltext, "RANK_ALL", 1)
    monkeypatch.setattr(fulltext, "FIRST_WINDOW", 1)
    monkeypatch.setattr(fulltext, "EXPANSION", 2)
    matching = []
    for n in range(12):
        hit = n % 3 == (2 if newest_matches else 0)
        item = contact(narrative="a farm" if hit else "a salon")
        if hit:
            matching.append(item.pk)
    assert contact_search.search("farm", limit=3) == matching[::-1][:3]
    assert contact_search.search("farm", limit=10) == matching[::-1]


def test_the_narrative_index_follows_edits_and_deletes(personas) -> None:
    item = contact(narrative="A tip about a nail salon.")
    assert contact_search.search("salon") == [item.pk]
    item.narrative = "A tip about a farm."
    item.save(update_fields=["narrative"])
    assert contact_search.search("salon") == []
    assert contact_search.search("farm") == [item.pk]
    item.delete()
    assert contact_search.search("farm") == []


def test_one_audit_event_lists_the_results_shown_and_not_the_query(client_for) -> None:
    first = contact(caller_phone="202-555-0123", narrative="x")
    second = contact(caller_phone="202-555-0123")
    find(client_for("specialist"), "202-555-0123")
    (event,) = AuditEvent.objects.filter(action="console.search")
    assert event.detail["kind"] == "phone"
    assert sorted(event.detail["contacts"].split(",")) == sorted([str(first.pk), str(second.pk)])
    stored = repr(event.detail) + event.object_id + event.object_type
    for secret in ["555", "0123", lookup.phone_hash("202-555-0123")]:
        assert secret not in stored


def test_no_phone_or_email_in_any_url(client_for) -> None:
    item = contact(caller_phone="202-555-0123", caller_email="ana@example.org")
    client = client_for("specialist")
    console = client.get(reverse("site:console")).content.decode()
    assert f'method="post" action="{SEARCH}"' in console
    for q in ["202-555-0123", "ana@example.org"]:
        response = find(client, q)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        assert item.reference in response.content.decode()
    # A query string is not a search: the page ignores it.
    response = client.get(SEARCH, {"q": "202-555-0123"})
    assert response.status_code == 200
    assert item.reference not in response.content.decode()
    assert not AuditEvent.objects.filter(action="console.search", detail__kind="reference").exists()


def test_an_empty_query_is_refused_in_words(client_for) -> None:
    response = find(client_for("specialist"), "   ")
    assert response.status_code == 400
    assert "Type a reference, a phone number, an email or words." in response.content.decode()
    assert not AuditEvent.objects.filter(action="console.search").exists()


def test_the_hash_follows_the_phone_and_email(personas) -> None:
    item = contact(caller_phone="202-555-0123", caller_email="A@Example.org")
    assert item.caller_phone_hash == lookup.phone_hash("+12025550123")
    assert Contact.objects.get(pk=item.pk).caller_email_hash == lookup.email_hash("a@example.org")
    item.caller_phone = "202-555-0199"
    item.save(update_fields=["caller_phone"])
    assert Contact.objects.get(pk=item.pk).caller_phone_hash == lookup.phone_hash("2025550199")
    item.caller_phone = ""
    item.save()
    assert Contact.objects.get(pk=item.pk).caller_phone_hash == ""
    victim = Victim.objects.create(case=open_case(actor=personas["specialist"]), email="B@x.org")
    assert victim.email_hash == lookup.email_hash("b@x.org") and victim.phone_hash == ""


@pytest.mark.parametrize("q", ["202-555-0123", "motel"])
def test_results_page_queries_do_not_grow_with_results(
    client_for, personas, django_assert_num_queries, q
) -> None:
    client = client_for("specialist")

    def more() -> None:
        item = contact(caller_phone="202-555-0123", narrative="a motel")
        case = open_case(actor=personas["specialist"], summary="a motel")
        Victim.objects.create(case=case, phone="202-555-0123")
        assert item.pk

    more()
    find(client, q)
    with CaptureQueriesContext(connection) as first:
        page = find(client, q)
    assert len(CONTACT_LINK.findall(page.content.decode())) == 1
    for _ in range(4):
        more()
    with django_assert_num_queries(len(first.captured_queries)):
        page = find(client, q)
    assert len(CONTACT_LINK.findall(page.content.decode())) == 5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_found_by_phone_from_the_header_box_in_a_browser(live_server, browser, personas) -> None:
    """Typed into the header's box, a phone number finds the caller's contacts; it appears in
    no address the browser asks for, and the page fits a phone's width."""
    from axe_playwright_python.sync_playwright import Axe
    from django.conf import settings

    from conftest import signed_in_client

    earlier = contact(caller_phone="(202) 555-0123", narrative="first call")
    contact(caller_phone="202-555-0123")
    urls: list[str] = []
    session = signed_in_client(personas["specialist"]).cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url}]
    )
    tab = context.new_page()
    tab.on("request", lambda request: urls.append(request.url))
    tab.goto("/console/")
    tab.fill("#console-search-q", "+1 202 555 0123")
    tab.press("#console-search-q", "Enter")
    tab.wait_for_selector("table.search-results")
    assert earlier.reference in tab.inner_text("table.search-results")
    tab.screenshot(path=str(settings.VAR_DIR / "search-390.png"), full_page=True)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = Axe().run(tab).response["violations"]
    assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    tab.click(f"text={earlier.reference}")
    tab.wait_for_url(f"**{reverse('contacts:detail', args=[earlier.pk])}")
    tab.screenshot(path=str(settings.VAR_DIR / "history-390.png"), full_page=True)
    assert "Caller history" in tab.inner_text("main")
    assert not [u for u in urls if "555" in u or "0123" in u]
    context.close()


def test_result_rows_show_labels_and_link_to_each_record(client_for, personas) -> None:
    item = contact(narrative="A van outside the salon.", urgency="urgent")
    case = open_case(actor=personas["specialist"], summary="A van outside the salon.")
    page = find(client_for("specialist"), "salon van").content.decode()
    assert f'href="{reverse("contacts:detail", args=[item.pk])}"' in page
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in page
    assert f"{item.get_channel_display()} · {item.get_urgency_display()}" in page
    assert f"<td>{item.get_status_display()}</td>" in page
