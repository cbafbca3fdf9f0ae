import io
import json
import zipfile
from collections import defaultdict
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.accounts.access import AuthenticatedHttpRequest, public, require_perm
from hotline.audit.actions import record
from hotline.directory import actions, exporter, profile
from hotline.directory.access import (
    get_application_for,
    get_application_to_edit,
    get_flag_for,
    get_organization_for,
    get_service_for,
)
from hotline.directory.details import attach_details
from hotline.directory.edit import ListingEditor
from hotline.directory.forms import (
    DecisionForm,
    ExportForm,
    FlagForm,
    FlagResolveForm,
    ImportForm,
    JoinForm,
    SearchForm,
    search_choices,
)
from hotline.directory.importer import ImportFailed, run_import, upload_source
from hotline.directory.models import (
    Address,
    ApplicationStatus,
    Attribute,
    FlagStatus,
    JoinApplication,
    ListingFlag,
    ListingStatus,
    Location,
    Organization,
    Phone,
    ServiceAtLocation,
)
from hotline.directory.search import search
from hotline.lib.throttle import Throttle, client_address

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


# --- Search --------------------------------------------------------------------------------------


def _search_page(request: HttpRequest, template: str, public_only: bool) -> HttpResponse:
    results = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            results = search(form.query(public=public_only))
            attach_details(results, staff=not public_only)
            if not public_only:  # staff results show street addresses, confidential ones too
                hits = len(results.local) + len(results.national)
                record("directory.search", actor=request.user, detail={"results": hits})
    else:
        form = SearchForm()
    context = {"form": form, "results": results, "flag_form": FlagForm(), **search_choices(form)}
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@require_perm("directory.search")
@never_cache
def search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The caller's location arrives in the POST body only, never in the address."""
    return _search_page(request, "directory/search.html", public_only=False)


@public
@never_cache
def public_search(request: HttpRequest) -> HttpResponse:
    return _search_page(request, "directory/public_search.html", public_only=True)


# --- Listings ------------------------------------------------------------------------------------


def _listing_context(organization: Organization, staff: bool) -> dict[str, Any]:
    services = list(organization.services.order_by("name"))
    service_ids = [service.pk for service in services]
    locations = {
        location.pk: location
        for location in Location.objects.filter(
            Q(organization=organization) | Q(service_at_locations__service_id__in=service_ids)
        ).distinct()
    }
    # Confidential by its attribute, the source of truth (the column is a search-index copy).
    secret = set(Attribute.objects.confidential_location_ids().filter(link_id__in=list(locations)))
    for pk, location in locations.items():
        location.confidential = pk in secret
    if not staff:
        locations = {pk: loc for pk, loc in locations.items() if pk not in secret}
    addresses: dict[Any, list[Address]] = defaultdict(list)
    for address in Address.objects.filter(location_id__in=locations):
        addresses[address.location_id].append(address)
    codes: dict[Any, list[str]] = defaultdict(list)
    for link_id, term_id in Attribute.objects.filter(
        link_id__in=[organization.pk, *service_ids]
    ).values_list("link_id", "taxonomy_term_id"):
        term = profile.TERM_BY_ID.get(term_id)
        if term is not None:
            codes[link_id].append(str(term.label))
    phones: dict[Any, list[Phone]] = defaultdict(list)
    for phone in Phone.objects.filter(
        Q(organization=organization) | Q(service_id__in=service_ids) | Q(location_id__in=locations)
    ):
        phones[phone.service_id or phone.location_id or phone.organization_id].append(phone)
    sal_locations: dict[Any, list[Location]] = defaultdict(list)
    hidden: dict[Any, bool] = {}
    for service_id, location_id in ServiceAtLocation.objects.filter(
        service_id__in=service_ids
    ).values_list("service_id", "location_id"):
        if location_id in locations:
            sal_locations[service_id].append(locations[location_id])
        else:
            hidden[service_id] = True
    rows = [
        {
            "service": service,
            "terms": sorted(codes.get(service.pk, [])),
            "phones": phones.get(service.pk, []),
            "locations": [
                {
                    "location": loc,
                    "addresses": addresses.get(loc.pk, []),
                    "phones": phones.get(loc.pk, []),
                }
                for loc in sal_locations.get(service.pk, [])
            ],
            "location_withheld": hidden.get(service.pk, False),
        }
        for service in services
        if staff or service.status == "active"
    ]
    return {
        "organization": organization,
        "kinds": sorted(codes.get(organization.pk, [])),
        "services": rows,
        "organization_phones": phones.get(organization.pk, []),
    }


@require_perm("directory.search")
def listing(request: AuthenticatedHttpRequest, organization_id: UUID) -> HttpResponse:
    organization = get_organization_for(request.user, organization_id)
    context = _listing_context(organization, staff=True)
    record("directory.listing_view", actor=request.user, obj=organization)
    context["flags"] = ListingFlag.objects.open().filter(organization=organization)
    context["flag_form"] = FlagForm()
    return render(request, "directory/listing.html", context)


@public
def public_listing(request: HttpRequest, organization_id: UUID) -> HttpResponse:
    organization = get_organization_for(None, organization_id)
    return render(request, "directory/public_listing.html", _listing_context(organization, False))


@require_perm("directory.search")
def flag(request: AuthenticatedHttpRequest, service_id: UUID) -> HttpResponse:
    service = get_service_for(request.user, service_id)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.flag_listing(
            request.user, service, form.cleaned_data["reason"], form.cleaned_data["note"]
        )
        messages.success(request, _("Thank you: the curators will check this listing."))
        return redirect("directory:listing", service.organization_id)
    return render(request, "directory/flag.html", {"service": service, "form": form})


# --- Curators ------------------------------------------------------------------------------------


@require_perm("directory.curate")
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    due = Organization.objects.due_for_verification().order_by("last_verified_at", "name")
    page = Paginator(due, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/queue.html",
        {
            "applications": JoinApplication.objects.filter(
                status__in=[ApplicationStatus.PENDING, ApplicationStatus.CHANGES_REQUESTED]
            ),
            "flags": ListingFlag.objects.open().select_related(
                "service", "organization", "created_by"
            ),
            "due": page,
        },
    )


@require_perm("directory.curate")
def application(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    item = get_application_for(request.user, application_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if item.status in {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED}:
            messages.error(request, _("This application was already decided."))
            return redirect("directory:queue")
        decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
        if decision == "approve":
            organization = actions.approve(request.user, item, message)
            messages.success(request, _("Approved and listed."))
            return redirect("directory:listing", organization.pk)
        if decision == "changes":
            actions.request_changes(request.user, item, message)
            messages.success(request, _("The applicant was asked for changes."))
        else:
            actions.decline(request.user, item, message)
            messages.success(request, _("Declined."))
        return redirect("directory:queue")
    return render(
        request,
        "directory/application.html",
        {"application": item, "form": form, "labels": _application_labels(item)},
    )


def _application_labels(item: JoinApplication) -> dict[str, str]:
    def labels(group: str, values: list[str]) -> str:
        return ", ".join(
            str(profile.TERM_BY_CODE[f"{group}:{v}"].label)
            for v in values
            if f"{group}:{v}" in profile.TERM_BY_CODE
        )

    return {
        "kind": labels("org_kind", [item.kind]),
        "categories": labels("category", item.categories),
        "populations": labels("population", item.populations),
        "trafficking_types": labels("trafficking_type", item.trafficking_types),
        "features": labels("feature", item.features),
        "languages": ", ".join(str(profile.LANGUAGE_NAMES.get(c, c)) for c in item.languages),
    }


@require_perm("directory.curate")
def flag_resolve(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    """The flag with the curator's note of what they did: "Resolve" back to the queue, or
    "Resolve and edit" on to the listing's edit screen."""
    item = get_flag_for(request.user, flag_id)
    form: FlagResolveForm | None = FlagResolveForm(request.POST or None)
    if item.status == FlagStatus.RESOLVED:
        form = None
    elif request.method == "POST" and form is not None and form.is_valid():
        if actions.resolve_flag(request.user, item, form.cleaned_data["note"]):
            messages.success(request, _("Flag resolved."))
        else:
            messages.error(request, _("Another curator resolved this flag first."))
        if request.POST.get("then") == "edit":
            return redirect("directory:listing_edit", item.organization_id)
        return redirect("directory:queue")
    return render(
        request,
        "directory/flag_resolve.html",
        {"flag": item, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@require_perm("directory.curate")
def listing_edit(request: AuthenticatedHttpRequest, organization_id: UUID) -> HttpResponse:
    """The curators' edit of an organization and its services, locations, phones and hours.
    Every part is validated before anything is written; a bad submit changes nothing."""
    organization = get_organization_for(request.user, organization_id)
    editor = ListingEditor(organization, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if editor.is_valid():
            changes = editor.changes()
            entries = actions.edit_listing(
                request.user, organization, changes.rows, changes.deleted, changes.offered
            )
            if entries:
                messages.success(request, _("Listing saved. The referral search shows it now."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("directory:listing", organization.pk)
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
    else:
        # The edit screen shows every address, confidential ones too.
        record("directory.listing_view", actor=request.user, obj=organization)
    flags = ListingFlag.objects.open().filter(organization=organization)
    return render(
        request,
        "directory/listing_edit.html",
        {"organization": organization, "editor": editor, "flags": flags},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@require_perm("directory.curate")
def verify(request: AuthenticatedHttpRequest, organization_id: UUID) -> HttpResponse:
    organization = get_organization_for(request.user, organization_id)
    actions.verify_organization(request.user, organization)
    messages.success(request, _("Marked as verified today."))
    return redirect("directory:listing", organization.pk)


@require_POST
@require_perm("directory.curate")
def listing_status(request: AuthenticatedHttpRequest, organization_id: UUID) -> HttpResponse:
    organization = get_organization_for(request.user, organization_id)
    status = request.POST.get("status", "")
    if status not in ListingStatus.values:
        return HttpResponse(status=400)
    actions.set_listing_status(request.user, organization, ListingStatus(status))
    messages.success(request, _("Listing updated."))
    return redirect("directory:listing", organization.pk)


@require_perm("directory.curate")
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, result, warnings = None, None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is larger than 200 MB: use the command line."))
        else:
            # The upload itself (in memory or a temporary file): a zip is read as a stream.
            source = upload_source(upload.name, upload, form.cleaned_data["kind"])
            try:
                result = run_import(source, actor=request.user)
                warnings = result.warnings
            except ImportFailed as failure:
                problems, warnings = failure.problems, failure.warnings
    status = 400 if problems or form.errors else 200
    return render(
        request,
        "directory/import.html",
        {"form": form, "problems": problems, "result": result, "warnings": warnings},
        status=status,
    )


@require_perm("directory.curate")
def export_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scope = exporter.Scope(
            include_confidential=form.cleaned_data["include_confidential"],
            listed_only=not form.cleaned_data["include_withdrawn"],
        )
        fmt = form.cleaned_data["format"]
        # The one write: record() is a transaction of its own when none is open.
        record(
            "directory.export",
            actor=request.user,
            detail={"format": fmt, "confidential": scope.include_confidential},
        )
        if fmt == "csv":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                exporter.write_datapackage(scope, archive)
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="hsds-datapackage.zip"'
        else:
            data = exporter.tabular(scope) if fmt == "tabular-json" else exporter.full_json(scope)
            response = HttpResponse(json.dumps(data), content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="hsds.json"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "directory/export.html", {"form": form})


# --- Joining -------------------------------------------------------------------------------------


# Applications per address per hour: enough for a coalition applying for its members, not for
# a flood.
JOIN_THROTTLE = Throttle("directory-join", limit=20, seconds=3600)


@public
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if JOIN_THROTTLE.take(address) is None:
            return render(
                request, "directory/join.html", {"form": form, "throttled": True}, status=429
            )
        actions.submit_application(form.save(commit=False))
        return render(request, "directory/join_thanks.html")
    return render(request, "directory/join.html", {"form": form})


@public
def join_edit(request: HttpRequest, token: str) -> HttpResponse:
    item = get_application_to_edit(token)
    form = JoinForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        actions.resubmit_application(form.save(commit=False))
        return render(request, "directory/join_thanks.html")
    return render(request, "directory/join.html", {"form": form, "application": item})
