"""The project's one django-ninja API, OpenAPI 3.1 at /api/openapi.json.

`StaffGateMiddleware` closes every view not marked public. The API authenticates on its own
(each router or operation declares its `auth`; the HSDS router serves public data only and needs
none), so every URL of the API is marked public for the gate. There is no interactive docs page:
ninja's would load scripts from a CDN, and no page of this site may make a third-party request.
"""

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from hotline.contacts.api import router as contacts_router
from hotline.directory.api import router as hsds_router


class HotlineAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback.hotline_access = "public"  # type: ignore[attr-defined]
        return urls


api = HotlineAPI(
    title="Hotline API",
    version="1",
    description=(
        "Read-only Open Referral HSDS 3.0 directory data (/api/hsds/); contact intake with "
        "bearer tokens (/api/contacts/)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
api.add_router("/hsds/", hsds_router, tags=["HSDS 3.0 directory"])
api.add_router("/contacts/", contacts_router)
