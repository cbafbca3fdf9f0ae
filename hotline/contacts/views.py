import datetime as dt
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.db import IntegrityError, models
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from hotline.accounts.access import (
    AuthenticatedHttpRequest,
    background,
    public,
    require_perm,
)
from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts import actions, history, sections
from hotline.contacts.access import get_contact_for, get_submitted_contact
from hotline.contacts.alerts import max_warning_minutes
from hotline.contacts.forms import (
    QUEUE_MAX_PAGE,
    QUEUE_PAGE_SIZE,
    HelpForm,
    IntakeForm,
    LibrarySearchForm,
    NoteForm,
    PublicForm,
    QueueFilterForm,
    TipForm,
)
from hotline.contacts.models import (
    Channel,
    Contact,
    ContactQuerySet,
    Notification,
    NotificationKind,
    RequestType,
    Status,
    Urgency,
)
from hotline.contacts.ratelimit import MemoryRateLimiter
from hotline.contacts.timeline import timeline
from hotline.directory.access import get_service_for
from hotline.directory.details import attach_details
from hotline.directory.forms import SearchForm, search_choices
from hotline.directory.search import Results
from hotline.directory.search import search as search_directory
from hotline.lib.throttle import client_address
from hotline.lib.timeformat import ShortTimes
from hotline.library.access import get_published_resource_by_id
from hotline.library.models import Resource
from hotline.library.search import search as search_library

# The supervisor's lists show this many, then "and N more", counted up to COUNT_LIMIT.
SUPERVISOR_LIST = 20
COUNT_LIMIT = 1000
public_form_limiter = MemoryRateLimiter(
    getattr(settings, "PUBLIC_FORM_LIMIT", 5), getattr(settings, "PUBLIC_FORM_SECONDS", 600)
)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- Public forms -------------------------------------------------------------------------------


def _public_form(request: HttpRequest, form_class: type[PublicForm], template: str) -> HttpResponse:
    if request.method != "POST":
        return _no_store(render(request, template, {"form": form_class()}))
    form = form_class(request.POST)
    if form.is_spam():
        # Bots get the look of success and nothing is stored.
        return _no_store(render(request, "contacts/received.html", {"contact": None}))
    if form.is_valid():
        existing = get_submitted_contact(form.token_hash())
        if existing is None:
            if not public_form_limiter.allow(client_address(request)):
                response = render(request, "contacts/slow_down.html", status=429)
                response["Retry-After"] = str(public_form_limiter.seconds)
                return _no_store(response)
            contact = form.contact()
            # The language of the page the form was sent from (/es/… is Spanish).
            contact.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
            try:
                existing = actions.receive(contact)
            except IntegrityError:  # the same form sent twice at once: the first one won
                existing = get_submitted_contact(form.token_hash())
        return _no_store(render(request, "contacts/received.html", {"contact": existing}))
    return _no_store(render(request, template, {"form": form}, status=400))


@public
@never_cache
def tip(request: HttpRequest) -> HttpResponse:
    return _public_form(request, TipForm, "contacts/tip.html")


@public
@never_cache
def help_request(request: HttpRequest) -> HttpResponse:
    return _public_form(request, HelpForm, "contacts/help.html")


# --- Console: queue, intake, a contact -----------------------------------------------------------


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {code: str(label) for code, label in choices.choices}


# What a list's row shows (_label_rows): none of the personal fields.
ROW_FIELDS = (
    "reference",
    "channel",
    "urgency",
    "request_types",
    "status",
    "received_at",
    "first_response_due",
    "first_response_at",
    "resolution_due",
    "sla_paused_since",
    "follow_up_on",
    "assigned_to__username",
    "sla_policy__warning_minutes",
)


def _detail_base() -> str:
    """A contact's address but its id and final slash: one reverse() per list, not per row."""
    first = reverse("contacts:detail", args=[0])
    assert first.endswith("/0/"), first
    return first[: -len("0/")]


def _label_rows(contacts: list[Contact], now: dt.datetime) -> list[Contact]:
    """Give each row its labels and deadline once per request: translated choices built once,
    not by get_FOO_display per row and field."""
    urgency, channel, status = _labels(Urgency), _labels(Channel), _labels(Status)
    request_types = _labels(RequestType)
    times = ShortTimes()
    base = _detail_base()
    for c in contacts:
        c.url = f"{base}{c.pk}/"  # type: ignore[attr-defined]
        c.received_text = times.text(c.received_at)  # type: ignore[attr-defined]
        c.received_iso = times.iso(c.received_at)  # type: ignore[attr-defined]
        c.urgency_label = urgency.get(c.urgency, c.urgency)  # type: ignore[attr-defined]
        c.channel_label = channel.get(c.channel, c.channel)  # type: ignore[attr-defined]
        c.status_label = status.get(c.status, c.status)  # type: ignore[attr-defined]
        c.request_labels = ", ".join(  # type: ignore[attr-defined]
            request_types.get(code, code) for code in c.request_types
        )
        due = c.next_due()
        c.due_text = times.text(due) if due else ""  # type: ignore[attr-defined]
        c.due_iso = times.iso(due) if due else ""  # type: ignore[attr-defined]
        c.sla_flag = c.sla_state(now)  # type: ignore[attr-defined]
    return contacts


def _queue_page(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """One page of the filtered queue, and what the page shows around it."""
    form = QueueFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "contacts": [], "query": request.GET.urlencode()}
    if not form.is_valid():
        return context
    page = form.page_number
    start = (page - 1) * QUEUE_PAGE_SIZE
    rows = list(
        form.apply(Contact.objects.visible_to(request.user), request.user)
        .select_related("assigned_to", "sla_policy")
        .only(*ROW_FIELDS)[
            start : start + QUEUE_PAGE_SIZE + 1
        ]  # one more tells whether a next page exists
    )
    now = timezone.now()
    params = request.GET.copy()
    if len(rows) > QUEUE_PAGE_SIZE and page < QUEUE_MAX_PAGE:
        params["page"] = str(page + 1)
        context["next_page"] = params.urlencode()
    if page > 1:
        params["page"] = str(page - 1)
        context["previous_page"] = params.urlencode()
    context.update(
        contacts=_label_rows(rows[:QUEUE_PAGE_SIZE], now),
        page=page,
        closed_too=form.closed_too(),
        filtered=any(v for k, v in form.cleaned_data.items() if k != "page"),
        now=now,
    )
    return context


@require_perm("contacts.work")
@require_safe
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _queue_page(request)
    form = context["form"]
    detail: dict[str, Any] = {"page": "queue", "count": len(context["contacts"])}
    if form.is_valid():
        # The filters' names and codes only: nothing personal travels in them.
        detail["filters"] = {k: str(v) for k, v in form.cleaned_data.items() if v}
    record("contact.list", actor=request.user, detail=detail)
    status = 200 if form.is_valid() else 400
    return _no_store(render(request, "contacts/queue.html", context, status=status))


@background
@require_perm("contacts.work")
@require_safe
def queue_rows(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue's rows alone, for the page's own refresh script (same query string)."""
    context = _queue_page(request)
    status = 200 if context["form"].is_valid() else 400
    return _no_store(render(request, "contacts/_queue_rows.html", context, status=status))


@require_perm("contacts.work")
@never_cache
def intake(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        if contact.status == Status.NEW:
            contact.status = Status.IN_PROGRESS  # recorded as it is answered
        actions.receive(contact, actor=request.user)
        messages.success(request, _("Contact %s recorded.") % contact.reference)
        return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/intake.html", {"form": form})


PANEL_LIMIT = 20  # the panel shows three of each section, the rest behind "show more"


def _contact_place(contact: Contact) -> dict[str, str]:
    return {"postal_code": contact.postal_code, "city": contact.city, "state": contact.state}


def _search_directory_for(
    request: AuthenticatedHttpRequest, contact: Contact, form: SearchForm, limit: int
) -> Results | None:
    """The staff directory search, run for a contact: its hits carry phones and street
    addresses (confidential shelters' too), so the search is audited as the directory's is."""
    if not form.is_valid():
        return None
    results = search_directory(form.query(), limit=limit)
    attach_details(results, staff=True)
    hits = len(results.local) + len(results.national)
    record(
        "directory.search",
        actor=request.user,
        obj=contact,
        detail={"results": hits, "from": "contact"},
    )
    return results


def _refer_button(request: AuthenticatedHttpRequest, contact: Contact) -> dict[str, str] | None:
    """The "Refer" button each hit carries, when the user may change the contact."""
    if not request.user.has_perm("contacts.change_contact", contact):
        return None
    return {
        "url": reverse("contacts:refer", args=[contact.pk]),
        "label": _("Refer for %s") % contact.reference,
    }


def _detail(request: AuthenticatedHttpRequest, contact: Contact, **extra: Any) -> HttpResponse:
    actions.record_view(contact, request.user)
    directory_form = extra.pop("directory_form", None)
    if directory_form is None:
        directory_form = SearchForm(initial=_contact_place(contact))
    context = {
        "contact": contact,
        "referrals": contact.referrals.select_related("service__organization"),
        "shared": contact.shared_resources.select_related("resource"),
        "directory_form": directory_form,
        **search_choices(directory_form),
        "panel_hidden": [("search_directory", "1")],
        "panel_buttons": [
            {
                "url": reverse("contacts:directory_search", args=[contact.pk]),
                "label": _("Open in the full search"),
            }
        ],
        "library_form": extra.pop("library_form", None) or LibrarySearchForm(),
        "can_change": request.user.has_perm("contacts.change_contact", contact),
        "can_claim": request.user.has_perm("contacts.claim_contact", contact)
        and contact.assigned_to_id != request.user.pk,
        "sla_state": contact.sla_state(),
        "timeline": timeline(contact, request.user),
        "can_add_note": request.user.has_perm("contacts.add_note", contact),
        "note_form": extra.pop("note_form", None) or NoteForm(),
        "caller_history": history.caller_history(contact, request.user),
        "sections": sections.sections(request, contact),
        **extra,
    }
    context["refer"] = _refer_button(request, contact)
    status = 400 if context["note_form"].errors else 200
    return _no_store(render(request, "contacts/detail.html", context, status=status))


@require_perm("contacts.work")
@require_safe
def detail(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    return _detail(request, get_contact_for(request.user, contact_id))


@require_perm("contacts.work")
@require_POST
def panel(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """The side panel's searches. The caller's location travels in this POST body only."""
    contact = get_contact_for(request.user, contact_id)
    extra: dict[str, Any] = {}
    if "search_directory" in request.POST:
        directory_form = SearchForm(request.POST)
        extra["directory_form"] = directory_form
        results = _search_directory_for(request, contact, directory_form, PANEL_LIMIT)
        if results is not None:
            extra["directory_results"] = results
    if "search_library" in request.POST:
        library_form = LibrarySearchForm(request.POST)
        extra["library_form"] = library_form
        if library_form.is_valid():
            ids = search_library(library_form.cleaned_data["text"], limit=20)
            found = Resource.objects.in_bulk(ids)
            extra["library_results"] = [found[i] for i in ids if i in found]
    return _detail(request, contact, **extra)


@require_perm("contacts.work")
@require_perm("directory.search")
@never_cache
def directory_search(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """The full staff directory search, opened from a contact: the directory's own form, search
    and hits, each hit with a button that refers the contact to it. The directory knows nothing
    of contacts; the contact (its id in the address, the caller's location in the POST body
    only) is checked here, on the server, for every request."""
    contact = get_contact_for(request.user, contact_id)
    results = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        results = _search_directory_for(request, contact, form, limit=50)
    else:
        form = SearchForm(initial=_contact_place(contact))
    context = {
        "contact": contact,
        "form": form,
        "results": results,
        "refer": _refer_button(request, contact),
        "hidden": [("search_directory", "1"), ("back", "search")],
        **search_choices(form),
    }
    return _no_store(render(request, "contacts/directory_search.html", context))


@require_perm("contacts.work")
@never_cache
def edit(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    form = IntakeForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        actions.update(form.save(commit=False), form.changed_data, actor=request.user)
        messages.success(request, _("Contact %s saved.") % contact.reference)
        return redirect("contacts:detail", contact_id=contact.pk)
    if request.method != "POST":
        actions.record_view(contact, request.user, via="edit")
    return render(request, "contacts/edit.html", {"form": form, "contact": contact})


@require_perm("contacts.work")
@require_POST
def claim(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id, "contacts.claim_contact")
    actions.claim(contact, actor=request.user)
    messages.success(request, _("You have claimed %s.") % contact.reference)
    return redirect("contacts:detail", contact_id=contact.pk)


@require_perm("contacts.work")
@require_POST
def refer(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Records a referral in one POST. Sent from a directory search's hit, the POST carries the
    search too: a 307 sends the same body back to the panel (or the full search), which shows
    the search again; the caller's location stays out of every address."""
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    try:
        service_id = UUID(request.POST.get("service_id", ""))
    except ValueError:
        raise BadRequest("service_id is not a service's id.") from None
    service = get_service_for(request.user, service_id)
    actions.refer(contact, service, actor=request.user)
    messages.success(request, _("Referral recorded: %s.") % service.name)
    if "search_directory" in request.POST:
        back = "directory_search" if request.POST.get("back") == "search" else "panel"
        url = reverse(f"contacts:{back}", args=[contact.pk])
        return HttpResponseRedirect(url, status=307)
    return redirect("contacts:detail", contact_id=contact.pk)


@require_perm("contacts.work")
@require_POST
def share(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    try:
        resource_id = int(request.POST.get("resource_id", ""))
    except ValueError:
        raise BadRequest("resource_id is not a resource's id.") from None
    resource = get_published_resource_by_id(resource_id)
    actions.share(contact, resource, actor=request.user)
    messages.success(request, _("Resource shared: %s.") % resource.title)
    return redirect("contacts:detail", contact_id=contact.pk)


@require_perm("contacts.work")
@require_POST
def add_note(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id, "contacts.add_note")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            actions.add_note(contact, form.cleaned_data["text"], actor=request.user)
        except ValidationError as error:
            form.add_error("text", error)
    if form.errors:
        return _detail(request, contact, note_form=form)
    messages.success(request, _("Note added."))
    return redirect("contacts:detail", contact_id=contact.pk)


# --- Supervisors ----------------------------------------------------------------------------------


def _rows(contacts: ContactQuerySet) -> ContactQuerySet:
    return contacts.select_related("sla_policy", "assigned_to").only(*ROW_FIELDS)


def _bounded(contacts: ContactQuerySet) -> tuple[int, bool]:
    """How many, counted up to COUNT_LIMIT (a count that stays cheap however many there are),
    and whether the limit was reached."""
    n = contacts.order_by()[:COUNT_LIMIT].count()
    return n, n >= COUNT_LIMIT


def _listed(rows: list[Contact], total: int, capped: bool) -> dict[str, Any]:
    shown = rows[:SUPERVISOR_LIST]
    return {"rows": shown, "more": max(total - len(shown), 0), "capped": capped}


@require_perm("contacts.supervise")
@require_safe
def supervisor(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate()
    contacts = Contact.objects.all()
    # One grouped query, read from the open contacts' index alone (COUNT(*): COUNT(id) would
    # make PostgreSQL read the rows for their ids).
    counts = {
        (row["urgency"], row["status"]): row["n"]
        for row in contacts.open().values("urgency", "status").annotate(n=Count("*")).order_by()
    }
    statuses = [s for s in Status if s != Status.CLOSED]
    table = [
        (label, [counts.get((urgency, status), 0) for status in statuses])
        for urgency, label in Urgency.choices
    ]
    # Missed: the resolution is past, or the first response is past and not given. Each part
    # reads its own index; a contact late on both counts once (in the first). No OR: each
    # condition is an index condition, so that the index alone leaves out what is not listed.
    late_resolution = contacts.late_resolution(now)
    late_first = contacts.late_first_response(now)
    late_parts = [
        (late_resolution, "resolution_due"),
        (late_first.filter(resolution_due__gte=now), "first_response_due"),
        (late_first.filter(resolution_due__isnull=True), "first_response_due"),
    ]
    breached_rows = sorted(
        (c for part, due in late_parts for c in _rows(part).order_by(due)[:SUPERVISOR_LIST]),
        key=lambda c: (c.next_due() or now, c.pk),
    )
    bounded = [_bounded(part) for part, _ in late_parts]
    breached = _listed(
        breached_rows, sum(n for n, _ in bounded), any(capped for _, capped in bounded)
    )
    # At risk: a deadline within the longest warning time; each contact's policy decides.
    soon = now + dt.timedelta(minutes=max_warning_minutes())
    near = [
        *_rows(
            contacts.sla_running().filter(resolution_due__gte=now, resolution_due__lt=soon)
        ).order_by("resolution_due")[:COUNT_LIMIT],
        *_rows(
            contacts.sla_running().filter(
                first_response_at__isnull=True,
                first_response_due__gte=now,
                first_response_due__lt=soon,
            )
        ).order_by("first_response_due")[:COUNT_LIMIT],
    ]
    unique = {c.pk: c for c in near if c.sla_state(now) == "at_risk"}
    at_risk_rows = sorted(unique.values(), key=lambda c: (c.next_due() or now, c.pk))
    at_risk = _listed(at_risk_rows, len(at_risk_rows), len(near) >= COUNT_LIMIT)
    oldest = list(_rows(contacts.open().unassigned()).queue_order()[:5])
    due_follow_ups = contacts.open().filter(follow_up_needed=True, follow_up_on__lte=today)
    follow_ups = _listed(
        list(_rows(due_follow_ups).order_by("follow_up_on", "received_at")[:SUPERVISOR_LIST]),
        *_bounded(due_follow_ups),
    )
    every_row = [*breached["rows"], *at_risk["rows"], *oldest, *follow_ups["rows"]]
    _label_rows(every_row, now)
    duty = getattr(request.user, "duty", None)
    record("contact.list", actor=request.user, detail={"page": "supervisor"})
    return _no_store(
        render(
            request,
            "contacts/supervisor.html",
            {
                "statuses": statuses,
                "table": table,
                "breached": breached,
                "at_risk": at_risk,
                "oldest": oldest,
                "follow_ups": follow_ups,
                "on_duty": bool(duty and duty.on_duty),
                "now": now,
                "sections": sections.supervisor_sections(request),
            },
        )
    )


@require_perm("contacts.supervise")
@require_POST
def duty(request: AuthenticatedHttpRequest) -> HttpResponse:
    actions.set_duty(request.user, request.POST.get("on_duty") == "1")
    return redirect("contacts:supervisor")


@require_perm("contacts.work")
@never_cache
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        actions.mark_notifications_read(user)
        return redirect("contacts:notifications")
    items = list(
        Notification.objects.filter(user=user)
        .select_related("contact")
        .only("kind", "created_at", "read_at", "contact__reference")[:100]
    )
    kinds, times, base = _labels(NotificationKind), ShortTimes(), _detail_base()
    for n in items:
        n.kind_label = kinds.get(n.kind, n.kind)  # type: ignore[attr-defined]
        n.created_text = times.text(n.created_at)  # type: ignore[attr-defined]
        n.url = f"{base}{n.contact_id}/"  # type: ignore[attr-defined]
    # The page lists contacts (by reference), as the queue does.
    record("contact.list", actor=user, detail={"page": "notifications", "count": len(items)})
    return render(request, "contacts/notifications.html", {"notifications": items})
