"""A case's access history in words: each audit event of the case, its victims, consents and
reports as who did what to which record, for a supervisor to read. The event's stored detail
holds ids and codes for the log; the page says only what a person needs (the fields changed, a
status's change), each by its label. The whole event stays in the audit log (Django admin)."""

import contextlib
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.audit.models import AuditEvent
from hotline.cases.models import Case, Consent, Report, Victim
from hotline.cases.vocabularies import CaseStatus

ACTIONS = {
    "case.create": gettext_lazy("Opened the case"),
    "case.view": gettext_lazy("Viewed the case"),
    "case.update": gettext_lazy("Changed the case"),
    "case.status": gettext_lazy("Changed the case's status"),
    "case.note": gettext_lazy("Added a note"),
    "case.potential": gettext_lazy("Decided on potential trafficking"),
    "case.alert": gettext_lazy("Alerted the supervisors on duty"),
    "case.attach_contact": gettext_lazy("Attached a contact"),
    "case.access_history": gettext_lazy("Read this access history"),
    "victim.create": gettext_lazy("Added a victim"),
    "victim.view": gettext_lazy("Viewed a victim"),
    "victim.update": gettext_lazy("Changed a victim"),
    "consent.create": gettext_lazy("Recorded a consent"),
    "consent.view": gettext_lazy("Viewed a consent"),
    "consent.revoke": gettext_lazy("Recorded a consent's revocation"),
    "report.request": gettext_lazy("Asked to send a report"),
    "report.approve": gettext_lazy("Approved a report"),
    "report.decline": gettext_lazy("Declined a report"),
    "report.send": gettext_lazy("Sent a report"),
    "report.deliver": gettext_lazy("Recorded a report's delivery"),
    "report.view": gettext_lazy("Viewed a report"),
    "report.acknowledge": gettext_lazy("Acknowledged a report"),
    "report.outcome": gettext_lazy("Recorded a report's outcome"),
}
MODELS: dict[str, type[models.Model]] = {
    "cases.case": Case,
    "cases.victim": Victim,
    "cases.consent": Consent,
    "cases.report": Report,
}


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    what: str
    record: str
    detail: str


def _record(event: AuditEvent, references: dict[tuple[str, str], str]) -> str:
    model = MODELS.get(event.object_type)
    if model is None:
        return ""
    name = str(model._meta.verbose_name)
    reference = references.get((event.object_type, event.object_id))
    return f"{name} {reference}" if reference else f"{name} #{event.object_id}"


def _fields(model: type[models.Model] | None, names: str) -> str:
    labels = []
    for name in filter(None, names.split(",")):
        field = None
        # A field since removed: its name is all there is.
        with contextlib.suppress(FieldDoesNotExist):
            field = model._meta.get_field(name) if model is not None else None
        label = getattr(field, "verbose_name", None)
        labels.append(str(label) if label else name.replace("_", " "))
    return ", ".join(labels)


def _detail(event: AuditEvent) -> str:
    detail = event.detail if isinstance(event.detail, dict) else {}
    statuses = dict(CaseStatus.choices)
    if event.action == "case.status" and detail.get("new"):
        return _("%(old)s → %(new)s") % {
            "old": statuses.get(detail.get("old", ""), "—"),
            "new": statuses.get(detail["new"], detail["new"]),
        }
    if detail.get("fields"):
        return _fields(MODELS.get(event.object_type), str(detail["fields"]))
    return ""


def rows(events: list[AuditEvent], case: Case) -> list[Row]:
    """The events in words; no query of its own (a report's reference is made from its id)."""
    references = {("cases.case", str(case.pk)): case.reference or ""}
    for e in events:
        if e.object_type == "cases.report" and e.object_id.isdigit():
            references[(e.object_type, e.object_id)] = Report(pk=int(e.object_id)).reference
    return [
        Row(
            event=e,
            what=str(ACTIONS.get(e.action, _("Other action"))),
            record=_record(e, references),
            detail=_detail(e),
        )
        for e in events
    ]
