"""The intake API: create contacts, list and read those the token's account may see, update a
contact's status. Bearer tokens per staff or integration account (only a hash is stored), each
limited to its scopes and to what its account's role permits. A POST needs an `Idempotency-Key`:
a replay returns the first response, the same key with another body is refused (422), and a
retry sent while the first is in flight waits for it (hotline.lib.idempotency)."""

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import field_validator

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts import actions
from hotline.contacts.access import get_contact_for
from hotline.contacts.models import (
    ApiToken,
    CallerType,
    Channel,
    Contact,
    HeardFrom,
    IdempotencyKey,
    RequestType,
    Scope,
    Status,
    Urgency,
    token_hash,
    validate_follow_up_on,
    validate_received_at,
)
from hotline.lib import idempotency

TOKEN_PREFIX = "htk_"
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
LAST_USED_EVERY = dt.timedelta(minutes=1)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.objects.usable().select_related("user").filter(hash=token_hash(token))
        api_token = found.first()
        if api_token is None:
            return None
        # Written at most once a minute: a busy integration must not write on every request.
        now = timezone.now()
        if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_EVERY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token


router = Router(auth=TokenAuth(), tags=["Contacts"])


class Error(Schema):
    detail: str


class Issue(Schema):
    type: str
    loc: list[str | int]
    msg: str


class Invalid(Schema):
    """422: the body or a parameter did not validate (a list of issues, as pydantic reports
    them), or the Idempotency-Key was used with another body (a sentence)."""

    detail: list[Issue] | str


def _django_validator(check: Callable[[Any], None]) -> Callable[[Any], Any]:
    """A model field's validator as a pydantic one: the API refuses what the console refuses."""

    def validate(value: Any) -> Any:
        if value is not None:
            try:
                check(value)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from None
        return value

    return validate


class ContactIn(Schema):
    channel: Channel = Channel.API
    received_at: dt.datetime | None = None
    caller_type: CallerType = CallerType.NOT_SPECIFIED
    request_types: list[RequestType] = Field(default_factory=list, max_length=7)
    urgency: Urgency = Urgency.NON_URGENT
    substantive: bool = True
    language: str = Field("en", max_length=10)
    interpreter_used: bool = False
    state: str = Field("", max_length=2)
    city: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=10)
    heard_from: HeardFrom = HeardFrom.UNKNOWN
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=30)
    caller_email: str = Field("", max_length=254)
    safe_to_call: bool | None = None
    safe_to_text: bool | None = None
    voicemail_ok: bool | None = None
    safe_times: str = Field("", max_length=200)
    code_word: str = Field("", max_length=100)
    narrative: str = Field("", max_length=20000)
    follow_up_needed: bool = False
    follow_up_on: dt.date | None = None

    _received_at = field_validator("received_at")(_django_validator(validate_received_at))
    _follow_up_on = field_validator("follow_up_on")(_django_validator(validate_follow_up_on))

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store a NUL character in text, and no person types one.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Text must not contain NUL characters.")
        return value


class ContactSummary(Schema):
    id: int
    reference: str
    channel: str
    urgency: str
    request_types: list[str]
    status: str
    received_at: dt.datetime
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None


class ContactOut(ContactSummary):
    caller_type: str
    substantive: bool
    language: str
    interpreter_used: bool
    state: str
    city: str
    postal_code: str
    heard_from: str
    caller_name: str
    caller_phone: str
    caller_email: str
    safe_to_call: bool | None
    safe_to_text: bool | None
    voicemail_ok: bool | None
    safe_times: str
    code_word: str
    narrative: str
    outcome: str
    follow_up_needed: bool
    follow_up_on: dt.date | None
    acknowledged: bool
    policy: str | None
    assigned_to: str | None
    referrals: list[str]
    shared_resources: list[int]

    @staticmethod
    def resolve_acknowledged(obj: Contact) -> bool:
        return obj.acknowledged_at is not None

    @staticmethod
    def resolve_policy(obj: Contact) -> str | None:
        return obj.sla_policy.name if obj.sla_policy else None

    @staticmethod
    def resolve_assigned_to(obj: Contact) -> str | None:
        return obj.assigned_to.username if obj.assigned_to else None

    # A contact created by this request (context "created") has none yet: no need to ask.
    @staticmethod
    def resolve_referrals(obj: Contact, context: dict[str, Any] | None) -> list[str]:
        if context and context.get("created"):
            return []
        return [str(r.service_id) for r in obj.referrals.all()]

    @staticmethod
    def resolve_shared_resources(obj: Contact, context: dict[str, Any] | None) -> list[int]:
        if context and context.get("created"):
            return []
        return [s.resource_id for s in obj.shared_resources.all()]


class StatusIn(Schema):
    status: Status


class Page(Schema):
    count: int
    page: int
    results: list[ContactSummary]


def _allow(request: HttpRequest, scope: Scope) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        raise HttpError(403, f"This token lacks the scope {scope.value}.")
    if not token.user.has_perm("contacts.work"):
        raise HttpError(403, "This token's account may not work with contacts.")
    return token


def _get(user: User, contact_id: int, perm: str = "contacts.view_contact") -> Contact:
    """The access helper's answer in JSON: 404 for a contact the account may not see, 403 for one
    it may see but not change."""
    try:
        return get_contact_for(user, contact_id, perm)
    except Http404:
        raise HttpError(404, "No such contact.") from None
    except PermissionDenied:
        raise HttpError(403, "This account may not change this contact.") from None


def _body(contact: Contact, *, created: bool = False) -> dict[str, Any]:
    return ContactOut.from_orm(contact, context={"created": created}).model_dump(mode="json")


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@router.post(
    "/",
    response={201: ContactOut, 400: Error, 401: Error, 403: Error, 422: Invalid},
    url_name="contacts-create",
    summary="Create a contact (requires an Idempotency-Key header)",
)
def create_contact(request: HttpRequest, payload: ContactIn) -> JsonResponse:
    token = _allow(request, Scope.CREATE)
    contact = Contact(**payload.model_dump())
    actions.triage(contact)  # before the transaction below: see triage()
    try:
        with idempotency.once(
            IdempotencyKey,
            request.headers.get("Idempotency-Key", ""),
            payload.model_dump(mode="json"),
            token=token,
        ) as attempt:
            if not attempt.replayed:
                actions.receive(contact, actor=token.user)
                attempt.done(201, _body(contact, created=True), contact=contact)
    except idempotency.Refused as refused:
        return _error(refused.status, refused.detail)
    status, body = attempt.response
    response = JsonResponse(body, status=status)
    if attempt.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.get(
    "/",
    response={200: Page, 401: Error, 403: Error, 422: Invalid},
    url_name="contacts-list",
    summary="List contacts (summaries)",
)
def list_contacts(
    request: HttpRequest,
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1,
    status: Status | None = None,
) -> Any:
    user = _allow(request, Scope.READ).user
    contacts = Contact.objects.visible_to(user).order_by("-received_at", "-pk")
    if status:
        contacts = contacts.filter(status=status)
    rows = list(contacts[(page - 1) * MAX_PER_PAGE : page * MAX_PER_PAGE])
    record("contact.list", actor=user, detail={"via": "api", "count": len(rows)})
    return {"count": contacts.count(), "page": page, "results": rows}


@router.get(
    "/{int:contact_id}",
    response={200: ContactOut, 401: Error, 403: Error, 404: Error},
    url_name="contacts-detail",
    summary="Read a contact",
)
def read_contact(request: HttpRequest, contact_id: int) -> Any:
    user = _allow(request, Scope.READ).user
    contact = _get(user, contact_id)
    actions.record_view(contact, user, via="api")
    return contact


@router.patch(
    "/{int:contact_id}",
    response={200: ContactOut, 400: Error, 401: Error, 403: Error, 404: Error, 422: Invalid},
    url_name="contacts-status",
    summary="Update a contact's status",
)
def update_status(request: HttpRequest, contact_id: int, payload: StatusIn) -> Any:
    user = _allow(request, Scope.UPDATE).user
    contact = _get(user, contact_id, "contacts.change_contact")
    return actions.set_status(contact, payload.status, actor=user)
