"""A report's payload as a document a person reads: headings, "label: value" lines and lists, in
words. The supervisor's approval preview and the liaison's report both render this (the include
`cases/_report_document.html`); the stored snapshot itself stays byte-exact beside it."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from hotline.cases.vocabularies import VOCABULARY, label, labels


@dataclass(frozen=True)
class Line:
    label: StrOrPromise
    value: str = ""
    items: tuple[str, ...] = ()
    when: dt.datetime | None = None
    text: str = ""  # free text, shown as paragraphs
    kind: str = "value"  # value | list | when | text


@dataclass
class Section:
    heading: StrOrPromise
    lines: list[Line] = field(default_factory=list)


YES, NO = _("yes"), _("no")

SITUATION: tuple[tuple[str, StrOrPromise], ...] = (
    ("trafficking_type", _("Trafficking type")),
    ("typologies", _("Typology")),
    ("venue", _("Venue")),
    ("means", _("Force, fraud, coercion")),
    ("control_methods", _("Control methods")),
    ("recruitment", _("Recruitment")),
    ("risk_factors", _("Risk factors")),
)
PERSON: tuple[tuple[str, StrOrPromise], ...] = (
    ("age_group", _("Age group")),
    ("emancipated", _("Emancipated minor")),
    ("gender", _("Gender")),
    ("citizenship", _("Citizenship")),
    ("indicator_level", _("Indicator level")),
    ("name", _("Name")),
    ("alias", _("Alias or nickname")),
    ("date_of_birth", _("Date of birth")),
    ("phone", _("Phone")),
    ("email", _("Email")),
    ("address", _("Address")),
    ("code_word", _("Code word")),
    ("description", _("Description")),
)
LOCATION: tuple[tuple[str, StrOrPromise], ...] = (
    ("address", _("Exact address")),
    ("city", _("City")),
    ("state", _("State")),
    ("postal_code", _("ZIP code")),
)
SAFE_CONTACT: tuple[tuple[str, StrOrPromise], ...] = (
    ("safe_times", _("Safe times")),
    ("code_word", _("Code word")),
)


def _line(name: str, heading: StrOrPromise, value: Any) -> Line | None:
    if value in (None, "", [], ()):
        return None
    if isinstance(value, bool):
        return Line(heading, str(YES if value else NO))
    if isinstance(value, list):
        shown = labels(name, value) if name in VOCABULARY else [str(v) for v in value]
        return Line(heading, items=tuple(shown), kind="list")
    if name in VOCABULARY:
        return Line(heading, label(name, value))
    if name in ("description",):
        return Line(heading, text=str(value), kind="text")
    return Line(heading, str(value))


def readable(payload: dict[str, Any]) -> list[Section]:
    """The sections of the document, in reading order; a field the payload does not carry
    leaves no line (a de-identified report has no name lines at all)."""
    heading: StrOrPromise
    report = Section(_("Report"))
    for name, heading in (
        ("report", _("Report")),
        ("case", _("Case")),
    ):
        if line := _line(name, heading, payload.get(name)):
            report.lines.append(line)
    recipient = payload.get("recipient") or {}
    if recipient.get("name"):
        report.lines.append(Line(_("Recipient"), str(recipient["name"])))
    if sent := payload.get("sent_at"):
        report.lines.append(Line(_("Sent"), when=dt.datetime.fromisoformat(sent), kind="when"))
    for name, heading in (("level", _("Level")), ("basis", _("Basis"))):
        if line := _line(name, heading, payload.get(name)):
            report.lines.append(line)

    facts = payload.get("situation") or {}
    situation = Section(_("Situation"))
    for name, heading in SITUATION:
        if line := _line(name, heading, facts.get(name)):
            situation.lines.append(line)
    if "imminent_danger" in facts:
        situation.lines.append(
            Line(_("Someone is in imminent danger"), str(YES if facts["imminent_danger"] else NO))
        )
    location = facts.get("location") or {}
    for name, heading in LOCATION:
        if line := _line(name, heading, location.get(name)):
            situation.lines.append(line)
    if facts.get("summary"):
        situation.lines.append(Line(_("Situation summary"), text=facts["summary"], kind="text"))
    if facts.get("redacted_summary"):
        situation.lines.append(
            Line(_("Redacted summary"), text=facts["redacted_summary"], kind="text")
        )
    sections = [report, situation]
    for plan in facts.get("safe_contact") or []:
        section = Section(_("Safe-contact plan"))
        for name, heading in SAFE_CONTACT:
            if line := _line(name, heading, plan.get(name)):
                section.lines.append(line)
        if section.lines:
            sections.append(section)

    for person in payload.get("victims") or []:
        section = Section(_("Person %(number)s") % {"number": person.get("number", "")})
        for name, heading in PERSON:
            if line := _line(name, heading, person.get(name)):
                section.lines.append(line)
        sections.append(section)
    return sections
