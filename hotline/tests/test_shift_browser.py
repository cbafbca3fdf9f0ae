"""A working day in the console, walked in a real browser role by role, as people do it.

The public sends a web tip; a specialist finds it by its reference in the header search box and
claims it, records a phone crisis call live as "in progress", finds that caller again by phone,
refers from the side panel with a filter ticked, shares a library resource, opens a case with a
minor victim, records the victim's consent through the recipient type-ahead and asks for a full
report (the minor exception) and flags a listing whose number is wrong. Program staff add a note
to the tip; the supervisor approves the report; the liaison acknowledges it in the portal; the
curator resolves the flag and fixes the listing; the administrator opens every settings page.
After the day the sweep marks neither contact missed. Each role's landing page and the case and
report pages are photographed at 1280 and 390 px (to $SCREENSHOT_DIR when set) and fit the
window."""

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from conftest import default_service_hours
from hotline.cases.models import AgencyLink, Consent, Report, ReportStatus, Victim
from hotline.cases.vocabularies import AgeGroup
from hotline.contacts.models import Contact, Note, Referral, SharedResource, Status, Urgency
from hotline.contacts.tests.test_browser import staff_page
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import FlagStatus, ListingFlag, Organization, Phone
from hotline.directory.tests.hsds_data import as_tabular_json, package, uid
from hotline.lib import sweep
from hotline.library.actions import load_seed
from hotline.library.models import Resource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]
CALLER_PHONE = "(312) 555-0188"


class Camera:
    """Screenshots at each width, and the width check on the same page."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[str] = []

    def shoot(self, page: Any, name: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert overflow[0] <= overflow[1], (name, width, overflow, page.url)
            path = self.directory / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path.name)
        page.set_viewport_size({"width": 1280, "height": 900})


def signed_in(browser: Any, base: str, user: Any, hosts: set[str]) -> Any:
    page = staff_page(browser, base, user, hosts)
    page.set_default_timeout(10_000)
    return page


def find(page: Any, query: str) -> None:
    """Type into the header's search box and send it, as a person does."""
    page.fill("#console-search-q", query)
    page.click("form.console-search button[type=submit]")
    page.wait_for_load_state()


def test_a_shift_for_every_role(
    live_server: Any, browser: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    default_service_hours()
    run_import(json_source(as_tabular_json(package())))
    load_seed()
    agency_a = personas["liaison_a"].agency
    task_force = Organization.objects.create(
        name="County A Task Force (fictional)", description="Law enforcement task force"
    )
    AgencyLink.objects.create(agency=agency_a, organization=task_force)
    camera = Camera(Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "shots"))
    base = live_server.url
    hosts: set[str] = set()

    # --- The public: a web tip, sent without JavaScript --------------------------------------
    public = browser.new_context(java_script_enabled=False, base_url=base).new_page()
    public.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    public.goto("/")
    public.click("main a[href='/report-a-tip/'] >> nth=0")
    public.fill("#id_narrative", "Workers sleep in the back of a nail salon on Elm St (fictional)")
    public.fill("#id_postal_code", "60601")
    public.click("form.public-form button[type=submit]")
    public.wait_for_selector(".reference")
    tip = Contact.objects.get()
    assert public.inner_text(".reference") == tip.reference
    assert tip.channel == "webform" and tip.first_response_at is None

    # --- Specialist: the landing page, the tip found by reference and claimed -----------------
    specialist = signed_in(browser, base, personas["specialist"], hosts)
    specialist.goto("/console/")
    assert specialist.locator("section.landing").count() >= 2
    assert tip.reference in specialist.inner_text("main")  # urgent and unassigned
    camera.shoot(specialist, "landing-specialist")
    find(specialist, tip.reference.lower())
    assert urlsplit(specialist.url).path == f"/console/contacts/{tip.pk}/"
    specialist.click("button:text('Claim')")
    specialist.wait_for_selector("h1 small:text('In progress')")
    tip.refresh_from_db()
    assert tip.status == Status.IN_PROGRESS
    assert tip.assigned_to == personas["specialist"] and tip.first_response_at is not None

    # --- Specialist: a phone crisis call recorded live, as it is answered ---------------------
    specialist.click("header a:text('Queue')")
    specialist.click("a:text('Record a new contact')")
    specialist.check("input[name=request_types][value=crisis]")
    specialist.fill("#id_postal_code", "60601")
    specialist.fill("#id_caller_phone", CALLER_PHONE)
    specialist.fill("#id_narrative", "A 16-year-old is kept in a motel room near the Loop.")
    specialist.select_option("#id_status", "in_progress")
    specialist.click("button:text('Save the contact')")
    specialist.wait_for_selector("h1 small:text('In progress')")
    call = Contact.objects.exclude(pk=tip.pk).get()
    assert call.channel == "phone" and call.urgency == Urgency.URGENT
    assert call.assigned_to == personas["specialist"] and call.first_response_at is not None

    # Found again by the caller's phone, typed another way: the list of that person's contacts.
    find(specialist, "312.555.0188")
    specialist.locator("table.search-results a", has_text=call.reference).click()
    specialist.wait_for_url(f"**/console/contacts/{call.pk}/")

    # Referred from the side panel with a filter ticked: services that serve minors.
    assert specialist.input_value("#panel-directory [name=postal_code]") == "60601"
    specialist.locator("#panel-directory details.choices summary", has_text="Serves").click()
    specialist.check("#panel-directory input[name=populations][value=minors]")
    specialist.click("#panel-directory .actions button:not([formaction])")
    specialist.wait_for_selector(".panel-results")
    shown = {
        b.get_attribute("value")
        for b in specialist.locator(".panel-results [name=service_id]").all()
    }
    assert uid("svc-b") in shown and uid("svc-a") not in shown  # the clinic serves adults
    hit = specialist.locator(
        ".panel-results li.hit", has=specialist.locator(f"[value='{uid('svc-b')}']")
    )
    hit.locator("button", has_text="Refer for").click()
    specialist.wait_for_selector("ul.messages")
    assert "Referral recorded: Youth emergency shelter." in specialist.inner_text("ul.messages")
    assert list(Referral.objects.filter(contact=call).values_list("service_id", flat=True)) == [
        uuid_of("svc-b")
    ]

    # A library resource shared.
    resource = Resource.objects.get(slug="potential-trafficking-indicators")
    specialist.fill(".panel-library input[name=text]", "trafficking indicators")
    specialist.click("button[name=search_library]")
    specialist.locator(".side-panel li", has_text=resource.title).locator("button").click()
    specialist.wait_for_selector(f"ul.shared li:text('{resource.title}')")
    assert SharedResource.objects.filter(contact=call, resource=resource).exists()

    # A case opened from the call, with a minor victim.
    specialist.click("button:text('Open a case from this contact')")
    specialist.wait_for_selector("h1 small")
    call.refresh_from_db()
    case = call.case_link.case
    assert urlsplit(specialist.url).path == f"/console/cases/{case.pk}/"
    specialist.click("a:text('Add a victim')")
    specialist.fill("#id_name", "J. (fictional)")
    specialist.select_option("#id_age_group", "minor")
    specialist.select_option("#id_gender", "female")
    specialist.click("button:text('Save')")
    specialist.wait_for_selector("ul.victims a")
    victim = Victim.objects.get(case=case)
    assert victim.age_group == AgeGroup.MINOR and victim.needs_guardian_consent

    # The victim's consent, its recipient picked through the type-ahead.
    specialist.click("a:text('Record a consent')")
    specialist.select_option("#id_victim", str(victim.pk))
    specialist.select_option("#id_given_by", "victim")
    specialist.check("input[name=purposes][value=report]")
    specialist.select_option("#id_method", "recorded_verbal")
    today = timezone.localtime()
    specialist.fill("#id_given_at", (today - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    specialist.fill("#id_expires_at", (today + dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M"))
    specialist.fill("#recipient_q", "task force")
    specialist.locator("ul.matches li", has_text=task_force.name).wait_for(timeout=10_000)
    specialist.check(f"ul.matches input[value='{task_force.pk}']")
    specialist.click("button[name=record]")
    specialist.wait_for_selector("dd.state", timeout=10_000)
    consent = Consent.objects.get(case=case)
    assert list(consent.recipients.all()) == [task_force] and consent.victim == victim

    # A minor needs a guardian's consent too: the full report goes by the minor exception,
    # with a reason, for a supervisor to approve.
    specialist.click(f"a:text('{case.reference}')")
    specialist.click("a:text('Report to agencies')")
    specialist.check(f"input[name=recipients][value='{task_force.pk}']")
    specialist.select_option("#id_exception", "minor")
    specialist.fill("#id_reason", "A minor held in a motel; the guardian cannot be reached.")
    specialist.click("button:text('Send or ask for approval')")
    specialist.wait_for_selector("table.reports td a")
    report = Report.objects.get(case=case)
    assert report.status == ReportStatus.AWAITING_APPROVAL and report.recipient == task_force
    camera.shoot(specialist, "case")

    # The shelter's number is wrong: the specialist flags the listing for the curators.
    specialist.goto(f"/directory/staff/listing/{uid('org-a')}/")
    specialist.click(f"a[href='/directory/staff/service/{uid('svc-a')}/flag/']")
    specialist.select_option("#id_reason", "disconnected")
    specialist.fill("#id_note", "The number rings out as disconnected.")
    specialist.click("button:text('Send to the curators')")
    specialist.wait_for_selector("ul.messages")
    flag = ListingFlag.objects.get()
    assert flag.status == FlagStatus.OPEN and str(flag.service_id) == uid("svc-a")

    # --- Program staff: their landing page, a note on the tip ---------------------------------
    staff = signed_in(browser, base, personas["program_staff"], hosts)
    staff.goto("/console/")
    assert staff.locator("section.landing").count() >= 2
    camera.shoot(staff, "landing-program_staff")
    find(staff, tip.reference)
    staff.fill("form.note-form textarea", "Called the salon's landlord: no answer.")
    staff.click("form.note-form button")
    staff.wait_for_selector("text=Called the salon's landlord")
    assert Note.objects.filter(contact=tip, author=personas["program_staff"]).exists()

    # --- Supervisor: the report waiting on the landing page, read and approved ----------------
    supervisor = signed_in(browser, base, personas["supervisor"], hosts)
    supervisor.goto("/console/")
    assert report.reference in supervisor.inner_text("main")
    camera.shoot(supervisor, "landing-supervisor")
    supervisor.locator("main a", has_text=report.reference).first.click()
    supervisor.wait_for_url(f"**/console/reports/{report.pk}/")
    text = supervisor.inner_text("main")
    assert "A minor" in text and "Level.FULL" not in text and "minor'" not in text
    camera.shoot(supervisor, "report-preview")
    supervisor.click("button:text('Approve and send')")
    supervisor.wait_for_selector("text=Approved and sent.")
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.approved_by == personas["supervisor"]
    camera.shoot(supervisor, "report-sent")

    # --- Liaison: the portal is their landing page; the report acknowledged -------------------
    liaison = signed_in(browser, base, personas["liaison_a"], hosts)
    liaison.goto("/console/")
    liaison.wait_for_url("**/portal/")
    camera.shoot(liaison, "landing-liaison")
    liaison.click(f"a:text('{report.reference}')")
    camera.shoot(liaison, "portal-report")
    liaison.click("button:text('Acknowledge receipt')")
    liaison.wait_for_selector("text=Acknowledged")
    report.refresh_from_db()
    assert report.acknowledged_at is not None and report.acknowledged_by == personas["liaison_a"]

    # --- Curator: the flag resolved with a note, the number fixed -----------------------------
    curator = signed_in(browser, base, personas["curator"], hosts)
    curator.goto("/console/")
    assert curator.locator("section.landing").count() >= 2
    camera.shoot(curator, "landing-curator")
    curator.goto("/directory/staff/queue/")
    curator.click("a:text('Resolve')")
    curator.fill("textarea[name=note]", "Called the office: corrected the number.")
    curator.click("button:text('Resolve and edit the listing')")
    curator.wait_for_selector("h1:has-text('Edit')")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_by == personas["curator"]
    phone = Phone.objects.get(pk=uid("phone-a"))
    curator.locator(f"input[value='{phone.number}']").first.fill("312-555-0142")
    curator.click("button:text('Save the listing')")
    curator.wait_for_selector("text=Listing saved.")
    assert Phone.objects.get(pk=uid("phone-a")).number == "312-555-0142"

    # --- Administrator: every settings page answers -------------------------------------------
    admin = signed_in(browser, base, personas["administrator"], hosts)
    admin.goto("/console/")
    assert admin.locator("section.landing").count() >= 2
    camera.shoot(admin, "landing-administrator")
    admin.click("a[href='/console/settings/'] >> nth=0")
    admin.wait_for_url("**/console/settings/")
    links = sorted(
        {
            urljoin(admin.url, href)
            for href in admin.eval_on_selector_all("main a[href]", "as => as.map(a => a.href)")
        }
    )
    assert len(links) >= 10, links
    failures = []
    for link in links:
        response = admin.goto(link)
        if response is None or response.status != 200:
            failures.append((link, response and response.status))
        elif "permission" in admin.inner_text("body").lower():
            failures.append((link, "no permission"))
    assert not failures, failures

    # --- After the day: the sweep, now and an hour later, marks neither contact missed --------
    now = timezone.now()
    sweep.run(now)
    sweep.run(now + dt.timedelta(hours=1))
    for item in (tip, call):
        item.refresh_from_db()
        assert item.breached_at is None, item.reference
        assert (
            item.first_response_at is not None and item.first_response_at <= item.first_response_due
        )
    assert hosts == {urlsplit(base).netloc}
    assert len(camera.taken) == 2 * 10, camera.taken
    for tab in (public, specialist, staff, supervisor, liaison, curator, admin):
        tab.context.close()


def uuid_of(name: str) -> Any:
    import uuid

    return uuid.UUID(uid(name))
