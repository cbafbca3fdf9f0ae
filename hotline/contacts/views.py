from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.db import IntegrityError
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
from hotline.contacts import actions
from hotline.contacts.access import get_contact_for, get_submitted_contact
from hotline.contacts.forms import (
    HelpForm,
    IntakeForm,
    LibrarySearchForm,
    NoteForm,
    PublicForm,
    TipForm,
)
from hotline.contacts.models import Contact, Notification, Status, Urgency
from hotline.contacts.ratelimit import MemoryRateLimiter
from hotline.contacts.timeline import timeline
from hotline.directory.access import get_service_for
from hotline.directory.details import attach_details
from hotline.directory.forms import SearchForm, search_choices
from hotline.directory.search import Results
from hotline.directory.search import search as search_directory
from hotline.lib.throttle import client_address
from hotline.library.access import get_published_resource_by_id
from hotline.library.models import Resource
from hotline.library.search import search as search_library

QUEUE_LIMIT = 200
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
            try:
                existing = actions.receive(form.contact())
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


def _queue(user: User) -> list[Contact]:
    return list(
        Contact.objects.visible_to(user)
        .open()
        .queue_order()
        .select_related("assigned_to", "sla_policy")
        .only(
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
            "assigned_to__username",
            "sla_policy__warning_minutes",
        )[:QUEUE_LIMIT]
    )


@require_perm("contacts.work")
@require_safe
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    contacts = _queue(request.user)
    record("contact.list", actor=request.user, detail={"page": "queue", "count": len(contacts)})
    return _no_store(
        render(request, "contacts/queue.html", {"contacts": contacts, "now": timezone.now()})
    )


@background
@require_perm("contacts.work")
@require_safe
def queue_rows(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue's rows alone, for the page's own refresh script."""
    return _no_store(
        render(
            request,
            "contacts/_queue_rows.html",
            {"contacts": _queue(request.user), "now": timezone.now()},
        )
    )


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


@require_perm("contacts.supervise")
@require_safe
def supervisor(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate()
    open_contacts = Contact.objects.open()
    counts = {
        (row["urgency"], row["status"]): row["n"]
        for row in open_contacts.values("urgency", "status").annotate(n=Count("pk"))
    }
    statuses = [s for s in Status if s != Status.CLOSED]
    table = [
        (label, [counts.get((urgency, status), 0) for status in statuses])
        for urgency, label in Urgency.choices
    ]
    watched = list(
        open_contacts.filter(sla_paused_since__isnull=True, resolution_due__isnull=False)
        .select_related("sla_policy", "assigned_to")
        .order_by("resolution_due")[:500]
    )
    breached = [c for c in watched if c.sla_state(now) == "breached"]
    at_risk = [c for c in watched if c.sla_state(now) == "at_risk"]
    oldest = list(open_contacts.unassigned().queue_order().select_related("sla_policy")[:5])
    follow_ups = list(
        open_contacts.filter(follow_up_needed=True, follow_up_on__lte=today)
        .select_related("assigned_to")
        .order_by("follow_up_on", "received_at")[:100]
    )
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
    items = list(Notification.objects.filter(user=user).select_related("contact")[:100])
    # The page lists contacts (by reference), as the queue does.
    record("contact.list", actor=user, detail={"page": "notifications", "count": len(items)})
    return render(request, "contacts/notifications.html", {"notifications": items})
