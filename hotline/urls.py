from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from hotline.api import api
from hotline.site.views import healthz

# Pages live under a language prefix (/es/...) for every language but the default, so that the
# visitor's language is remembered by the address itself and no cookie is needed.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Called by providers at one fixed address each: no language prefix.
    path("channels/", include("hotline.channels.webhook_urls")),
    *i18n_patterns(
        path("", include("hotline.site.urls")),
        path("accounts/", include("hotline.accounts.urls")),
        path("library/", include("hotline.library.urls")),
        path("directory/", include("hotline.directory.urls")),
        path("", include("hotline.contacts.urls")),
        path("", include("hotline.cases.urls")),
        path("", include("hotline.channels.urls")),
        path("", include("hotline.channels.call_urls")),
        prefix_default_language=False,
    ),
]
