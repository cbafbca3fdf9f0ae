from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from hotline.accounts.access import public, require_perm


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html")


@require_perm("site.view_console")
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "site/console.html")


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
