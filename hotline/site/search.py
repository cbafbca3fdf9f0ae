"""What the console's search box finds, for one user: an exact reference opens its record; a
phone number or an email lists the contacts (and cases) of the person reached there, newest
first, through the keyed hashes beside those fields; other words search contact narratives and
case summaries, ranked. Only what the user may see: contacts by `Contact.objects.visible_to`,
cases by `Case.objects.visible_to`, reports through their access helper."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.http import Http404
from django.urls import reverse

from hotline.accounts.models import User
from hotline.audit.actions import Detail
from hotline.cases import search as case_search
from hotline.cases.access import find_case_for, get_report_for
from hotline.cases.models import Case
from hotline.cases.vocabularies import CaseStatus, TraffickingType
from hotline.contacts import search as contact_search
from hotline.contacts.access import get_contact_for
from hotline.contacts.models import Channel, Contact, RequestType, Status, Urgency
from hotline.lib import lookup
from hotline.lib.timeformat import ShortTimes

RESULTS_LIMIT = 50
# HT-2026-000123 (a contact), CS-2026-000045 (a case), RP-000067 (a report); the number may be
# typed without its leading zeros.
CONTACT_OR_CASE = re.compile(r"^(HT|CS)-(\d{4})-(\d{1,6})$")
REPORT = re.compile(r"^RP-(\d{1,9})$")
CONTACT_FIELDS = ("reference", "received_at", "channel", "status", "urgency", "request_types")
CASE_FIELDS = ("reference", "opened_at", "status", "trafficking_type")


@dataclass
class Found:
    kind: str  # reference, phone, email, words
    redirect_to: str = ""
    contacts: list[Contact] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    # The object the reference opened, for the audit event.
    opened: str = ""

    def audit_detail(self) -> Detail:
        """Ids of everything shown, never what was typed."""
        return {
            "kind": self.kind,
            "opened": self.opened,
            "contacts": ",".join(str(c.pk) for c in self.contacts),
            "cases": ",".join(str(c.pk) for c in self.cases),
        }


@dataclass(frozen=True)
class Row:
    """A result as its table row shows it: labels, not codes, and no personal field."""

    reference: str
    url: str
    at: str
    what: str
    status: str


def _labels(choices: type[TextChoices]) -> dict[str, str]:
    return {code: str(label) for code, label in choices.choices}


def _base(name: str) -> str:
    """A detail page's address but its id: one reverse() per list, not per row."""
    first = reverse(name, args=[0])
    return first[: -len("0/")]


def contact_rows(contacts: list[Contact]) -> list[Row]:
    """Translated labels built once per list, not by get_FOO_display per row and field (a
    page of 50 words matches spent most of its time there)."""
    channel, urgency, status = _labels(Channel), _labels(Urgency), _labels(Status)
    request_types = _labels(RequestType)
    times, base = ShortTimes(), _base("contacts:detail")
    return [
        Row(
            reference=c.reference,
            url=f"{base}{c.pk}/",
            at=times.day_and_time(c.received_at),
            what=" · ".join(
                [
                    channel.get(c.channel, c.channel),
                    urgency.get(c.urgency, c.urgency),
                    *(request_types.get(code, code) for code in c.request_types),
                ]
            ),
            status=status.get(c.status, c.status),
        )
        for c in contacts
    ]


def case_rows(cases: list[Case]) -> list[Row]:
    kinds, status = _labels(TraffickingType), _labels(CaseStatus)
    times, base = ShortTimes(), _base("cases:detail")
    return [
        Row(
            reference=str(case),
            url=f"{base}{case.pk}/",
            at=times.day_and_time(case.opened_at),
            what=kinds.get(case.trafficking_type, case.trafficking_type),
            status=status.get(case.status, case.status),
        )
        for case in cases
    ]


def find(user: User, text: str) -> Found:
    text = text.strip()
    reference = text.upper()
    if CONTACT_OR_CASE.match(reference) or REPORT.match(reference):
        return by_reference(user, reference)
    if lookup.looks_like_email(text):
        return by_hash(user, "email", "", lookup.email_hash(text))
    if lookup.looks_like_phone(text):
        return by_hash(user, "phone", lookup.phone_hash(text), "")
    return by_words(user, text)


def by_reference(user: User, reference: str) -> Found:
    found = Found("reference")
    try:
        if m := CONTACT_OR_CASE.match(reference):
            prefix, year, number = m.groups()
            full = f"{prefix}-{year}-{int(number):06d}"
            if prefix == "HT":
                pk = (
                    Contact.objects.visible_to(user)
                    .filter(reference=full)
                    .values_list("pk", flat=True)
                )
                contact = get_contact_for(user, pk[0]) if pk else None
                if contact is not None:
                    found.redirect_to = reverse("contacts:detail", args=[contact.pk])
                    found.opened = f"contacts.contact:{contact.pk}"
            else:
                case = find_case_for(user, full)
                if case is not None:
                    found.redirect_to = reverse("cases:detail", args=[case.pk])
                    found.opened = f"cases.case:{case.pk}"
        elif m := REPORT.match(reference):
            report = get_report_for(user, int(m.group(1)))
            found.redirect_to = reverse("cases:report", args=[report.pk])
            found.opened = f"cases.report:{report.pk}"
    except (Http404, PermissionDenied):
        pass  # the same "nothing found" as for a reference that does not exist
    return found


def by_hash(user: User, kind: str, phone_hash: str, email_hash: str) -> Found:
    contacts = (
        Contact.objects.visible_to(user)
        .reached_at(phone_hash, email_hash)
        .order_by("-received_at", "-pk")
        .only(*CONTACT_FIELDS)
    )
    cases = (
        Case.objects.visible_to(user)
        .reached_at(phone_hash, email_hash)
        .order_by("-opened_at", "-pk")
        .only(*CASE_FIELDS)
    )
    return Found(
        kind,
        contacts=list(contacts[:RESULTS_LIMIT]),
        cases=list(cases[:RESULTS_LIMIT]) if user.has_perm("cases.work") else [],
    )


def by_words(user: User, text: str) -> Found:
    found = Found("words")
    if user.has_perm("contacts.work"):
        ids = contact_search.search(text, limit=RESULTS_LIMIT)
        rows = Contact.objects.visible_to(user).only(*CONTACT_FIELDS).in_bulk(ids)
        found.contacts = [rows[pk] for pk in ids if pk in rows]
    if user.has_perm("cases.work"):
        ids = case_search.search(text, limit=RESULTS_LIMIT)
        cases = Case.objects.visible_to(user).only(*CASE_FIELDS).in_bulk(ids)
        found.cases = [cases[pk] for pk in ids if pk in cases]
    return found
