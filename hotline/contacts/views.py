from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from hotline.contacts.forms import HelpForm, IntakeForm, LibrarySearchForm, PublicForm, TipForm
from hotline.contacts.models import Contact, Notification, Status, Urgency
from hotline.contacts.ratelimit import MemoryRateLimiter
from hotline.directory.access import get_service_for
from hotline.directory.forms import SearchForm
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


def _detail(request: AuthenticatedHttpRequest, contact: Contact, **extra: Any) -> HttpResponse:
    actions.record_view(contact, request.user)
    place = {"postal_code": contact.postal_code, "city": contact.city, "state": contact.state}
    context = {
        "contact": contact,
        "referrals": contact.referrals.select_related("service__organization"),
        "shared": contact.shared_resources.select_related("resource"),
        "directory_form": extra.pop("directory_form", None) or SearchForm(initial=place),
        "library_form": extra.pop("library_form", None) or LibrarySearchForm(),
        "can_change": request.user.has_perm("contacts.change_contact", contact),
        "can_claim": request.user.has_perm("contacts.claim_contact", contact)
        and contact.assigned_to_id != request.user.pk,
        "sla_state": contact.sla_state(),
        **extra,
    }
    return _no_store(render(request, "contacts/detail.html", context))


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
        if directory_form.is_valid():
            results = search_directory(directory_form.query(), limit=20)
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
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    try:
        service_id = UUID(request.POST.get("service_id", ""))
    except ValueError:
        raise BadRequest("service_id is not a service's id.") from None
    service = get_service_for(request.user, service_id)
    actions.refer(contact, service, actor=request.user)
    messages.success(request, _("Referral recorded: %s.") % service.name)
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
