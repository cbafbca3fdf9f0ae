"""Words, not codes: every page, report and email a person reads shows each vocabulary value by
its label. Each page is rendered with every choice field and every list field of its models
filled (found by walking the models' fields, so a new field is covered without editing this
test) and must show no raw code."""

import datetime as dt
import inspect
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from conftest import send_queued_emails
from hotline.cases import actions, document, vocabularies
from hotline.cases.models import AgencyLink, Case, Consent, Report, ReportingPolicy, Victim
from hotline.cases.vocabularies import VOCABULARY
from hotline.contacts import models as contact_models
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.directory.models import Organization, Phone

# The list fields of the contacts room (below cases: it keeps its own vocabularies).
CONTACT_LISTS: dict[str, type[models.TextChoices]] = {"request_types": contact_models.RequestType}


def _vocabularies() -> list[type[models.TextChoices]]:
    found = []
    for module in (vocabularies, contact_models):
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, models.TextChoices) and value is not models.TextChoices:
                found.append(value)
    return found


# A code that is not also a plain word: it must never be shown to a person.
RAW_CODES = sorted(
    {value for choices in _vocabularies() for value in choices.values if re.search(r"[_:]", value)},
    key=len,
    reverse=True,
)


def _hardest(choices: Any) -> str:
    """The first code that is not a plain word (if the vocabulary has one)."""
    values = [value for value, _label in choices if value]
    return next((v for v in values if re.search(r"[_:]", v)), values[0])


def filled(
    model: type[models.Model],
    lists: dict[str, type[models.TextChoices]],
    *,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Every choice field of `model` at a code that is not a plain word, and every list field
    with every code of its vocabulary. A list field that no vocabulary names fails: register it
    in `vocabularies.VOCABULARY` (or, for contacts, here) so that it is shown in words."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.name in skip:
            continue
        if field.choices:
            values[field.name] = _hardest(field.choices)
        elif isinstance(field, models.JSONField) and isinstance(field.get_default(), list):
            assert field.name in lists, f"{model.__name__}.{field.name} has no vocabulary"
            values[field.name] = list(lists[field.name].values)
    return values


class _Text(HTMLParser):
    """The text a person reads: no attributes, scripts, styles or the byte-exact snapshot."""

    SKIP = {"script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "input", "meta", "link", "img", "hr"}:
            return
        hidden = tag in self.SKIP or "payload" in (dict(attrs).get("class") or "").split()
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "input", "meta", "link", "img", "hr"}:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes_in(text: str) -> list[str]:
    return [
        code for code in RAW_CODES if re.search(rf"(?<![\w:-]){re.escape(code)}(?![\w:])", text)
    ]


def test_the_check_finds_a_raw_code() -> None:
    assert raw_codes_in(visible_text("<p>Means: force:confinement</p>")) == ["force:confinement"]
    assert raw_codes_in(visible_text('<p class="payload">coercion_threats</p><p>ok</p>')) == []
    assert raw_codes_in(visible_text('<option value="foreign_national">Foreign</option>')) == []


def test_every_list_field_of_the_cases_has_a_vocabulary() -> None:
    for model in (Case, Victim, Consent, Report):
        filled(model, VOCABULARY)


@pytest.fixture
def everything(personas, agencies) -> dict[str, Any]:
    """A case, a victim, a consent, a contact, reports (waiting, sent to a portal, sent to an
    agency with no portal) with every choice and list field filled."""
    specialist, supervisor = personas["specialist"], personas["supervisor"]
    policy = ReportingPolicy.current()
    policy.require_approval_with_consent = True
    policy.share_code_word = policy.share_safe_times = True
    policy.save()
    portal_org = Organization.objects.create(name="Words Task Force (fictional)", description="d")
    AgencyLink.objects.create(agency=agencies[0], organization=portal_org)
    phone_org = Organization.objects.create(name="Words Sheriff (fictional)", description="d")
    Phone.objects.create(organization=phone_org, number="+1 217 555 0100")

    contact = receive(Contact(channel="phone", narrative="Words test (fictional)"))
    Contact.objects.filter(pk=contact.pk).update(
        **filled(Contact, CONTACT_LISTS), safe_times="weekdays after nine", code_word="heron"
    )
    case_fields = filled(Case, VOCABULARY, skip=("status",))
    case = actions.open_case(actor=specialist, contact=contact, city="Springfield", **case_fields)
    victim = Victim.objects.create(
        case=case, name="Words Person (fictional)", **filled(Victim, VOCABULARY)
    )
    Victim.objects.filter(pk=victim.pk).update(age_group="adult")
    now = timezone.now()
    consent_fields = filled(Consent, VOCABULARY, skip=("given_by",))
    consent = Consent.objects.create(
        case=case,
        victim=victim,
        given_by="victim",
        given_at=now - dt.timedelta(days=1),
        expires_at=now + dt.timedelta(days=30),
        **consent_fields,
    )
    consent.recipients.set([portal_org, phone_org])
    waiting = actions.request_report(case, portal_org, actor=specialist)
    to_portal = actions.request_report(case, portal_org, actor=specialist)
    by_phone = actions.request_report(case, phone_org, actor=specialist)
    actions.approve_report(to_portal, actor=supervisor)
    actions.approve_report(by_phone, actor=supervisor)
    report_fields = filled(Report, VOCABULARY, skip=("status", "level", "basis"))
    Report.objects.filter(pk=to_portal.pk).update(**report_fields)
    return {
        "contact": contact,
        "case": case,
        "victim": victim,
        "consent": consent,
        "waiting": waiting,
        "to_portal": to_portal,
        "by_phone": by_phone,
    }


def _pages(e: dict[str, Any]) -> list[tuple[str, str]]:
    case = e["case"]
    return [
        ("specialist", reverse("contacts:detail", kwargs={"contact_id": e["contact"].pk})),
        ("specialist", reverse("cases:list")),
        ("specialist", reverse("cases:detail", kwargs={"case_id": case.pk})),
        ("specialist", reverse("cases:victim", args=[case.pk, e["victim"].pk])),
        ("specialist", reverse("cases:consent", args=[case.pk, e["consent"].pk])),
        ("supervisor", reverse("cases:supervisor")),
        ("supervisor", reverse("cases:report", kwargs={"report_id": e["waiting"].pk})),
        ("specialist", reverse("cases:report", kwargs={"report_id": e["to_portal"].pk})),
        ("specialist", reverse("cases:report", kwargs={"report_id": e["by_phone"].pk})),
        ("specialist", reverse("cases:deliveries")),
        ("liaison_a", reverse("cases:portal")),
        ("liaison_a", reverse("cases:portal_report", kwargs={"report_id": e["to_portal"].pk})),
    ]


def test_no_page_shows_a_raw_code(everything, client_for) -> None:
    assert everything["waiting"].status == "awaiting_approval"
    for persona, url in _pages(everything):
        response = client_for(persona).get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert raw_codes_in(text) == [], url


def test_the_pages_say_the_labels(everything, client_for) -> None:
    case_page = client_for("specialist").get(
        reverse("cases:detail", kwargs={"case_id": everything["case"].pk})
    )
    text = visible_text(case_page.content.decode())
    assert "Force: physical or sexual assault" in text and "Coercion and threats" in text
    preview = client_for("supervisor").get(
        reverse("cases:report", kwargs={"report_id": everything["waiting"].pk})
    )
    text = visible_text(preview.content.decode())
    assert "Level.FULL" not in text and "'level'" not in text
    assert "US citizen" in text and "Gender minority" in text
    assert "Person 1" in text and "Escort services" in text


def test_the_approval_preview_and_the_portal_report_are_the_same_document(
    everything, client_for
) -> None:
    sent = everything["to_portal"]
    sent.refresh_from_db()
    console = client_for("specialist").get(reverse("cases:report", kwargs={"report_id": sent.pk}))
    portal = client_for("liaison_a").get(
        reverse("cases:portal_report", kwargs={"report_id": sent.pk})
    )
    assert console.context["document"] == portal.context["document"]
    assert console.context["document"] == document.readable(
        __import__("json").loads(sent.snapshot.payload)
    )
    # The snapshot stays byte-exact beside the document.
    assert sent.snapshot.payload in __import__("html").unescape(portal.content.decode())


def test_no_email_names_a_raw_code(everything, personas) -> None:
    mail.outbox.clear()
    actions.decide_potential(
        everything["case"], True, actor=personas["specialist"], reasons=["minor"]
    )
    send_queued_emails()
    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    for kind in contact_models.NotificationKind.values:
        texts.append(
            render_to_string(
                "contacts/emails/alert.body.txt", {"kind": kind, "ref": "HT-1", "link": "x"}
            )
        )
    texts.append(render_to_string("cases/emails/report_waiting.body.txt", {"link": "x"}))
    assert texts
    for text in texts:
        assert raw_codes_in(text) == [], text
