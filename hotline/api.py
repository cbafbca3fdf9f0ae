"""The project's one django-ninja API, OpenAPI 3.1 at /api/openapi.json.

`StaffGateMiddleware` closes every view not marked public. The API authenticates on its own
(each router or operation declares its `auth`; the HSDS router serves public data only and needs
none), so every URL of the API is marked public for the gate. There is no interactive docs page:
ninja's would load scripts from a CDN, and no page of this site may make a third-party request.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser

from hotline.channels.api import router as calls_router
from hotline.contacts.api import router as contacts_router
from hotline.directory.api import router as hsds_router


class NotAnObject(ValueError):
    """A request body that is valid JSON but not an object."""


class ObjectParser(Parser):
    """Request bodies are JSON objects. ninja reads the fields of a body schema out of whatever
    was sent, so `false`, `[]` or `"x"` would pass as an empty object with every default filled
    in: a blank contact."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise NotAnObject
        return data


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
        "bearer tokens (/api/contacts/); phone calls reported by a phone system other than "
        "Twilio (/api/calls/)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    parser=ObjectParser(),
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NotAnObject):  # ninja wraps every parser error in a 400
        issue = {"type": "model_type", "loc": ["body"], "msg": "The body must be a JSON object."}
        return api.create_response(request, {"detail": [issue]}, status=422)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


api.add_router("/hsds/", hsds_router, tags=["HSDS 3.0 directory"])
api.add_router("/contacts/", contacts_router)
api.add_router("/calls/", calls_router)
