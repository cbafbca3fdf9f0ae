import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from hotline.accounts.access import AuthenticatedHttpRequest, require_perm
from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.audit.models import AuditEvent
from hotline.cases import actions, document, gate, suggest
from hotline.cases.access import (
    find_case_for,
    get_case_for,
    get_consent_for,
    get_report_for,
    get_victim_for,
)
from hotline.cases.access_history import rows as access_history_rows
from hotline.cases.forms import (
    AttachForm,
    CaseForm,
    ConsentForm,
    NoteForm,
    OutcomeForm,
    ReportForm,
    StatusForm,
    VictimForm,
    parse_uuids,
)
from hotline.cases.forms import recipient_matches as recipient_matches_for
from hotline.cases.models import Case, CaseAlert, Report
from hotline.cases.vocabularies import CaseStatus, ReportStatus, TraffickingType
from hotline.contacts.access import get_contact_for
from hotline.directory.models import Phone
from hotline.lib.timeformat import ShortTimes

LIST_LIMIT = 200
LIST_PAGE_SIZE = 50
LIST_MAX_PAGE = 200


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- Cases ------------------------------------------------------------------------------------


@require_perm("cases.work")
@require_safe
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Newest first, a page at a time (index case_opened): the page costs the same however
    many cases there are."""
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 0
    if not 1 <= page <= LIST_MAX_PAGE:
        messages.error(request, _("There is no such page of cases."))
        return redirect("cases:list")
    start = (page - 1) * LIST_PAGE_SIZE
    cases = list(
        Case.objects.visible_to(request.user)
        .select_related("assigned_to")
        .only(
            "reference",
            "opened_at",
            "status",
            "trafficking_type",
            "potential_trafficking",
            "assigned_to__username",
        )
        .order_by("-opened_at", "-pk")[start : start + LIST_PAGE_SIZE + 1]
    )
    statuses, types = dict(CaseStatus.choices), dict(TraffickingType.choices)
    times = ShortTimes()
    first = reverse("cases:detail", args=[0])  # one reverse() per list, not per row
    assert first.endswith("/0/"), first
    base = first[: -len("0/")]
    for case in cases:
        case.url = f"{base}{case.pk}/"  # type: ignore[attr-defined]
        case.opened_text = times.day_and_time(case.opened_at)  # type: ignore[attr-defined]
        case.status_label = statuses.get(case.status, case.status)  # type: ignore[attr-defined]
        case.type_label = types.get(case.trafficking_type, case.trafficking_type)  # type: ignore[attr-defined]
    shown = cases[:LIST_PAGE_SIZE]
    context = {
        "cases": shown,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if len(cases) > LIST_PAGE_SIZE and page < LIST_MAX_PAGE else None,
    }
    record("case.list", actor=request.user, detail={"count": len(shown), "page": page})
    return _no_store(render(request, "cases/list.html", context))


@require_perm("cases.work")
@require_POST
def open_from_contact(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id)
    if hasattr(contact, "case_link"):
        return redirect("cases:detail", case_id=contact.case_link.case_id)
    try:
        case = actions.open_case(actor=request.user, contact=contact)
    except IntegrityError:  # attached by someone else meanwhile
        return redirect("contacts:detail", contact_id=contact.pk)
    messages.success(request, _("Case %s opened.") % case.reference)
    return redirect("cases:detail", case_id=case.pk)


@require_perm("cases.work")
@require_POST
def attach_contact(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id)
    form = AttachForm(request.POST)
    if not form.is_valid():
        raise Http404
    reference = form.cleaned_data["case_reference"].strip()
    case = find_case_for(request.user, reference, "cases.change_case")
    if case is None:
        messages.error(request, _("No case has that reference."))
        return redirect("contacts:detail", contact_id=contact.pk)
    if hasattr(contact, "case_link"):
        messages.error(request, _("This contact is already on a case."))
        return redirect("contacts:detail", contact_id=contact.pk)
    actions.attach_contact(case, contact, actor=request.user)
    messages.success(request, _("Contact attached to %s.") % case.reference)
    return redirect("cases:detail", case_id=case.pk)


@require_perm("cases.work")
@require_safe
def detail(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    actions.record_view(case, request.user)
    context = {
        "case": case,
        "timeline": case.case_contacts.select_related("contact").order_by("contact__received_at"),
        "victims": list(case.victims.all()),
        "consents": list(case.consents.select_related("victim").prefetch_related("recipients")),
        "reports": list(case.reports.select_related("recipient").order_by("requested_at")),
        "history": case.status_changes.select_related("by"),
        "notes": case.notes.select_related("author"),
        "reasons": suggest.reasons(case),
        "status_form": StatusForm(initial={"status": case.status}),
        "note_form": NoteForm(),
        "can_change": request.user.has_perm("cases.change_case", case),
        "now": timezone.now(),
    }
    return _no_store(render(request, "cases/detail.html", context))


@require_perm("cases.work")
@never_cache
def edit(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        actions.update_case(form.save(commit=False), form.changed_data, actor=request.user)
        messages.success(request, _("Case %s saved.") % case.reference)
        return redirect("cases:detail", case_id=case.pk)
    if request.method != "POST":
        actions.record_view(case, request.user, via="edit")
    return render(request, "cases/edit.html", {"form": form, "case": case})


@require_perm("cases.work")
@require_POST
def set_status(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    form = StatusForm(request.POST)
    if form.is_valid():
        actions.set_status(case, form.cleaned_data["status"], actor=request.user)
    return redirect("cases:detail", case_id=case.pk)


@require_perm("cases.work")
@require_POST
def add_note(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(case, form.cleaned_data["text"], actor=request.user)
    return redirect("cases:detail", case_id=case.pk)


@require_perm("cases.work")
@require_POST
def decide_potential(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    potential = request.POST.get("potential") == "1"
    reasons = [reason.code for reason in suggest.reasons(case)]
    actions.decide_potential(case, potential, actor=request.user, reasons=reasons)
    if potential:
        messages.success(request, _("Marked potential trafficking; supervisors alerted."))
    return redirect("cases:detail", case_id=case.pk)


# --- Victims and consents ----------------------------------------------------------------------


@require_perm("cases.work")
@never_cache
def victim_add(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    form = VictimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        victim = form.save(commit=False)
        victim.case = case
        actions.save_victim(victim, form.changed_data, actor=request.user)
        return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/victim.html", {"form": form, "case": case, "victim": None})


@require_perm("cases.work")
@never_cache
def victim(request: AuthenticatedHttpRequest, case_id: int, victim_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    person = get_victim_for(request.user, case, victim_id)
    can_change = request.user.has_perm("cases.change_case", case)
    form = VictimForm(request.POST or None, instance=person)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            actions.save_victim(form.save(commit=False), form.changed_data, actor=request.user)
            return redirect("cases:detail", case_id=case.pk)
    else:
        actions.record_view(person, request.user)
    return render(
        request,
        "cases/victim.html",
        {"form": form, "case": case, "victim": person, "can_change": can_change},
    )


@require_perm("cases.work")
@never_cache
def consent_add(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    finding = request.method == "POST" and "find" in request.POST
    form = ConsentForm(
        request.POST or None, case=case, recipient_query=request.POST.get("recipient_q", "")
    )
    if finding:
        form.only_finding()
    elif request.method == "POST" and form.is_valid():
        consent = form.save(commit=False)
        consent.case = case
        try:
            actions.record_consent(consent, form.cleaned_data["recipients"], actor=request.user)
        except IntegrityError:
            form.add_error("expires_at", _("A consent must expire after it was given."))
        else:
            return redirect("cases:consent", case_id=case.pk, consent_id=consent.pk)
    return render(
        request, "cases/consent_form.html", {"form": form, "case": case, "finding": finding}
    )


@require_perm("cases.work")
@require_safe
def recipient_matches(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The consent form's type-ahead, as you type: the matching recipients as checkbox rows
    (HTML, same origin). `q` is an agency's name, never a person's."""
    exclude = parse_uuids(request.GET.getlist("chosen"))
    matches = recipient_matches_for(request.GET.get("q", "")[:100], exclude=exclude)
    return _no_store(render(request, "cases/_recipient_matches.html", {"matches": matches}))


@require_perm("cases.work")
@require_safe
def consent(request: AuthenticatedHttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    item = get_consent_for(request.user, case, consent_id)
    actions.record_view(item, request.user)
    return _no_store(
        render(
            request,
            "cases/consent.html",
            {
                "case": case,
                "consent": item,
                "state": item.state(),
                "can_change": request.user.has_perm("cases.change_case", case),
            },
        )
    )


@require_perm("cases.work")
@require_POST
def consent_revoke(
    request: AuthenticatedHttpRequest, case_id: int, consent_id: int
) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    item = get_consent_for(request.user, case, consent_id)
    actions.revoke_consent(item, actor=request.user)
    messages.success(request, _("Consent revoked: it no longer allows any sharing."))
    return redirect("cases:consent", case_id=case.pk, consent_id=item.pk)


# --- Reports (console) --------------------------------------------------------------------------


@require_perm("cases.work")
@never_cache
def report_new(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.change_case")
    form = ReportForm(request.POST or None, name_filter=request.GET.get("q", "")[:100])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.request_reports(
                case,
                data["recipients"],
                actor=request.user,
                exception=data["exception"],
                reason=data["reason"],
                redacted_summary=data["redacted_summary"],
                deidentified_only=data["deidentified_only"],
            )
        except gate.GateRefused as refused:
            form.add_error(None, refused.message)
        else:
            waiting = sum(r.status == ReportStatus.AWAITING_APPROVAL for r in made)
            messages.success(
                request,
                _("%(sent)d report(s) sent, %(waiting)d awaiting a supervisor's approval.")
                % {"sent": len(made) - waiting, "waiting": waiting},
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/report_form.html", {"form": form, "case": case})


@require_perm("cases.work")
@require_safe
def report(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    actions.record_view(item, request.user)
    snapshot = getattr(item, "snapshot", None)
    preview, refusal = None, ""
    if snapshot is None and item.status == ReportStatus.AWAITING_APPROVAL:
        # What approving would send now, for the supervisor to read before deciding.
        try:
            decision = gate.decide(
                item.case,
                item.recipient_id,
                at=timezone.now(),
                exception=item.exception,
                reason=item.exception_reason,
            )
            preview = document.readable(
                gate.build_payload(item.case, item, decision, at=timezone.now())
            )
        except gate.GateRefused as refused:
            refusal = refused.message
    return _no_store(
        render(
            request,
            "cases/report.html",
            {
                "report": item,
                "snapshot": snapshot,
                "document": document.readable(json.loads(snapshot.payload)) if snapshot else None,
                "preview": preview,
                "refusal": refusal,
                "phones": _phones(item) if item.delivery else [],
                "can_approve": request.user.has_perm("cases.approve_report", item)
                and item.status == ReportStatus.AWAITING_APPROVAL,
            },
        )
    )


@require_perm("cases.approve_report")
@require_POST
def report_approve(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    try:
        actions.approve_report(item, actor=request.user)
    except gate.GateRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Approved and sent."))
    return redirect("cases:report", report_id=item.pk)


@require_perm("cases.approve_report")
@require_POST
def report_decline(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    try:
        actions.decline_report(item, actor=request.user)
    except gate.GateRefused as refused:
        messages.error(request, refused.message)
    return redirect("cases:report", report_id=item.pk)


@require_perm("cases.supervise")
@never_cache
def supervisor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reports awaiting approval and the alerts of cases marked potential trafficking."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        actions.mark_alerts_read(user)
        return redirect("cases:supervisor")
    awaiting = Report.objects.filter(status=ReportStatus.AWAITING_APPROVAL)
    waiting = list(
        awaiting.select_related("case", "recipient", "requested_by")
        .only(
            "basis", "requested_at", "case__reference", "recipient__name", "requested_by__username"
        )
        .order_by("requested_at", "pk")[:LIST_PAGE_SIZE]
    )
    # "And N more", counted up to a bound: the page costs the same however many wait.
    more = max(awaiting.order_by()[:LIST_LIMIT].count() - len(waiting), 0)
    alerts = list(
        CaseAlert.objects.filter(user=user)
        .select_related("case")
        .only("created_at", "read_at", "case__reference")[:LIST_PAGE_SIZE]
    )
    times = ShortTimes()
    for alert in alerts:
        alert.created_text = times.day_and_time(alert.created_at)  # type: ignore[attr-defined]
    record("report.list", actor=user, detail={"page": "approvals", "count": len(waiting)})
    context = {
        "waiting": waiting,
        "more": more,
        "more_capped": more + len(waiting) >= LIST_LIMIT,
        "alerts": alerts,
    }
    return _no_store(render(request, "cases/supervisor.html", context))


@require_perm("cases.view_access_history")
@require_safe
def access_history(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id, "cases.view_access_history")
    ids = {
        "cases.case": [str(case.pk)],
        "cases.victim": [str(pk) for pk in case.victims.values_list("pk", flat=True)],
        "cases.consent": [str(pk) for pk in case.consents.values_list("pk", flat=True)],
        "cases.report": [str(pk) for pk in case.reports.values_list("pk", flat=True)],
    }
    where = Q()
    for object_type, object_ids in ids.items():
        if object_ids:
            where |= Q(object_type=object_type, object_id__in=object_ids)
    events = list(AuditEvent.objects.filter(where).select_related("actor").order_by("seq"))
    record("case.access_history", actor=request.user, obj=case)
    context = {"case": case, "events": events, "rows": access_history_rows(events, case)}
    return _no_store(render(request, "cases/access_history.html", context))


# --- Delivery by phone -------------------------------------------------------------------------


def _phones(item: Report) -> list[Phone]:
    """The recipient organization's phone numbers in the directory (its own and its
    services' and locations'), to deliver a report to a recipient with no portal."""
    return list(
        Phone.objects.filter(
            Q(organization_id=item.recipient_id)
            | Q(service__organization_id=item.recipient_id)
            | Q(location__organization_id=item.recipient_id)
        )
        .distinct()
        .order_by("number")[:10]
    )


@require_perm("cases.work")
@require_safe
def deliveries(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reports sent to a recipient with no portal, waiting for a specialist to phone them in."""
    waiting = list(
        Report.objects.awaiting_delivery()
        .select_related("case", "recipient")
        .prefetch_related("recipient__phones")
        .order_by("sent_at", "pk")[:LIST_LIMIT]
    )
    record("report.list", actor=request.user, detail={"page": "deliveries", "count": len(waiting)})
    return _no_store(render(request, "cases/deliveries.html", {"waiting": waiting}))


@require_perm("cases.work")
@require_POST
def report_delivered(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    try:
        actions.mark_delivered(item, actor=request.user, note=request.POST.get("note", ""))
    except actions.NotAwaitingDelivery:
        messages.error(request, _("This report is not waiting to be delivered by phone."))
    else:
        messages.success(request, _("Marked delivered by phone."))
    if request.POST.get("next") == "deliveries":
        return redirect("cases:deliveries")
    return redirect("cases:report", report_id=item.pk)


# --- Liaison portal -----------------------------------------------------------------------------


@require_perm("cases.use_portal")
@require_safe
def portal(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = list(
        Report.objects.visible_to(request.user)
        .select_related("snapshot")
        .only(
            "pk",
            "sent_at",
            "level",
            "basis",
            "acknowledged_at",
            "outcome",
            "snapshot__sha256",
        )
        .order_by("-sent_at", "-pk")[:LIST_LIMIT]
    )
    record("report.list", actor=request.user, detail={"page": "portal", "count": len(reports)})
    return _no_store(render(request, "cases/portal.html", {"reports": reports}))


def _portal_payload(item: Report) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(item.snapshot.payload)
    return payload


@require_perm("cases.use_portal")
@require_safe
def portal_report(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    actions.record_view(item, request.user, via="portal")
    return _no_store(
        render(
            request,
            "cases/portal_report.html",
            {
                "report": item,
                "snapshot": item.snapshot,
                "document": document.readable(_portal_payload(item)),
                "outcome_form": OutcomeForm(initial={"outcome": item.outcome or None}),
                "can_acknowledge": request.user.has_perm("cases.acknowledge_report", item),
            },
        )
    )


@require_perm("cases.use_portal")
@require_safe
def portal_payload(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    """The snapshot itself, byte for byte, as the agency's record of what it received."""
    item = get_report_for(request.user, report_id)
    actions.record_view(item, request.user, via="portal_payload")
    response = HttpResponse(item.snapshot.payload_bytes, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{item.reference}.json"'
    response["X-Content-SHA256"] = item.snapshot.sha256
    return _no_store(response)


@require_perm("cases.use_portal")
@require_POST
def portal_acknowledge(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id)
    if request.user.has_perm("cases.acknowledge_report", item):
        actions.acknowledge(item, actor=request.user)
        messages.success(request, _("Acknowledged."))
    return redirect("cases:portal_report", report_id=item.pk)


@require_perm("cases.use_portal")
@require_POST
def portal_outcome(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    item = get_report_for(request.user, report_id, "cases.record_outcome")
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
    else:
        actions.record_outcome(item, form.cleaned_data["outcome"], actor=request.user)
        messages.success(request, _("Outcome recorded."))
    return redirect("cases:portal_report", report_id=item.pk)
