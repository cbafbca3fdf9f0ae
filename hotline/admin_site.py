from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase


class HotlineAdminSite(admin.AdminSite):
    """Django admin for administrators only, behind the same sign-in and two-factor as the
    console (the staff gate runs first): there is no separate admin login page."""

    site_header = "Hotline administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hotline.use_django_admin")

    # django-stubs promise that admin_view gives back a callable of the view's own type; Django's
    # (and this) wraps it in another function, which mypy cannot see as that type.
    def admin_view(  # type: ignore[override]
        self, view: Callable[..., HttpResponseBase], cacheable: bool = False
    ) -> Callable[..., HttpResponseBase]:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", "/admin/"))
