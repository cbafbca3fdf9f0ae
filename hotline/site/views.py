from django.contrib import messages
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from hotline.accounts.access import AuthenticatedHttpRequest, public, require_perm
from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.library.access import get_audience
from hotline.library.models import Audience, Collection, Resource, ResourceType
from hotline.site import landing
from hotline.site.actions import update_public_settings
from hotline.site.forms import ConsoleSearchForm, PublicSettingsForm
from hotline.site.models import PublicSettings
from hotline.site.search import RESULTS_LIMIT, case_rows, contact_rows, find


@public
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    audiences = Audience.objects.all()
    collections = Collection.objects.all()
    return render(request, "site/home.html", {"audiences": audiences, "collections": collections})


@public
@require_safe
def audience(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published resource that serves one audience, grouped by type."""
    found = get_audience(slug)
    resources = list(
        Resource.objects.published().filter(audiences=found).for_listing().order_by("title")
    )
    groups = [
        (label, [r for r in resources if r.resource_type == code])
        for code, label in ResourceType.choices
    ]
    return render(
        request,
        "site/audience.html",
        {
            "audience": found,
            "current_audience": found.code,
            "groups": [(label, items) for label, items in groups if items],
            "count": len(resources),
        },
    )


@public
@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "site/about.html")


@public
@require_safe
def safety(request: HttpRequest) -> HttpResponse:
    return render(request, "site/safety.html")


def form_refused(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form that could not be checked as ours, in words a visitor can act
    on. `reason` is for the log only."""
    return render(request, "site/form_refused.html", status=403)


@require_perm("site.view_console")
@require_safe
def console(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each role's work now (landing.py); a liaison's work is their agency's portal."""
    user = request.user
    assert isinstance(user, User)
    if user.has_perm("cases.use_portal"):
        return redirect("cases:portal")
    response = render(request, "site/console.html", {"sections": landing.sections_for(user)})
    # It lists contacts and reports: not kept by the browser (as the queue).
    response["Cache-Control"] = "no-store"
    return response


@require_perm("hotline.use_django_admin")
@require_safe
def settings_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every page where an administrator sets how the hotline works, in one list: the console's
    own pages, then every model Django admin keeps for them, app by app."""
    from django.contrib import admin

    return render(request, "site/settings.html", {"admin_apps": admin.site.get_app_list(request)})


@require_perm("site.search")
@never_cache
@require_http_methods(["GET", "POST"])
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The console's search box. What is typed comes by POST only (it may be a phone number or
    an email address) and is never logged, cached or put in a URL; a GET shows the empty form
    and ignores any query string. The audit event names the results by id, not the query."""
    form = ConsoleSearchForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"search_form": form, "limit": RESULTS_LIMIT}
    if form.is_bound and form.is_valid():
        found = find(request.user, form.cleaned_data["q"])
        record("console.search", actor=request.user, detail=found.audit_detail())
        if found.redirect_to:
            return redirect(found.redirect_to)
        context.update(
            found=found,
            contact_rows=contact_rows(found.contacts),
            case_rows=case_rows(found.cases),
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "site/search.html", context, status=status)


@require_perm("hotline_site.manage_public_settings")
def public_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PublicSettingsForm(request.POST or None, instance=PublicSettings.current())
    if request.method == "POST" and form.is_valid():
        update_public_settings(form, actor=request.user)
        messages.success(request, _("The public site settings were saved."))
        return redirect("site:public_settings")
    return render(request, "site/public_settings.html", {"form": form})


@public
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and every migration is applied, 503 otherwise."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    if pending:
        return HttpResponse("migrations pending\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
