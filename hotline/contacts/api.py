"""The intake API: create contacts, list and read those the token's account may see, update a
contact's status. Bearer tokens per staff or integration account (only a hash is stored), each
limited to its scopes and to what its account's role permits. A POST needs an `Idempotency-Key`:
a replay returns the first response, the same key with another body is refused (422), and a
request still in flight answers 409."""

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts import actions
from hotline.contacts.models import (
    ApiToken,
    CallerType,
    Channel,
    Contact,
    HeardFrom,
    IdempotencyKey,
    IdempotencyState,
    RequestType,
    Scope,
    Status,
    Urgency,
    token_hash,
)
from hotline.lib.db import insert, non_durable_atomic, partial, update

TOKEN_PREFIX = "htk_"
MAX_PER_PAGE = 100
LAST_USED_EVERY = dt.timedelta(minutes=1)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# A usable token (ApiToken.objects.usable()) with what its account's role needs, in one
# written-out query: the same through the ORM cost more to compile than to run, every request.
TOKEN_QUERY = """
    SELECT t.id, t.scopes, t.last_used_at IS NULL OR t.last_used_at < %s,
           u.id, u.username, u.role, u.agency_id
    FROM contacts_apitoken t JOIN accounts_user u ON u.id = t.user_id
    WHERE t.hash = %s AND t.revoked_at IS NULL AND u.is_active
"""


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                TOKEN_QUERY,
                [
                    connection.ops.adapt_datetimefield_value(now - LAST_USED_EVERY),
                    token_hash(token),
                ],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        token_id, scopes, stale, user_id, username, role, agency_id = row
        # The fields not read here load on first use, as with the ORM's only(). Nobody is a
        # superuser (a database constraint), and has_perm() asks.
        user = partial(
            User,
            id=user_id,
            username=username,
            role=role,
            agency_id=agency_id,
            is_active=True,
            is_superuser=False,
        )
        found = partial(ApiToken, id=token_id, user_id=user_id, scopes=json.loads(scopes))
        found.user = user
        # Written at most once a minute: a busy integration must not write on every request.
        if stale:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = user
        return found


router = Router(auth=TokenAuth(), tags=["Contacts"])


class Error(Schema):
    detail: str


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


def _get(user: Any, contact_id: int) -> Contact:
    contact = (
        Contact.objects.visible_to(user)
        .select_related("sla_policy", "assigned_to")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None or not user.has_perm("contacts.view_contact", contact):
        raise HttpError(404, "No such contact.")
    return contact


def _body(contact: Contact, *, created: bool = False) -> dict[str, Any]:
    return ContactOut.from_orm(contact, context={"created": created}).model_dump(mode="json")


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


class _LeaseLost(Exception):
    """Another request took over this Idempotency-Key's lease."""


@router.post(
    "/",
    response={201: ContactOut, 400: Error, 403: Error, 409: Error, 422: Error},
    url_name="contacts-create",
    summary="Create a contact (requires an Idempotency-Key header)",
)
def create_contact(request: HttpRequest, payload: ContactIn) -> JsonResponse:
    token = _allow(request, Scope.CREATE)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 200:
        return _error(400, "An Idempotency-Key header (1 to 200 characters) is required.")
    fields = payload.model_dump()
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True)
    request_hash = hashlib.sha256(canonical.encode()).hexdigest()
    lease_seconds = getattr(settings, "IDEMPOTENCY_LEASE_SECONDS", 30)
    now = timezone.now()
    lease = secrets.token_hex(16)
    entry = IdempotencyKey(
        token=token,
        key=key,
        request_hash=request_hash,
        state=IdempotencyState.IN_FLIGHT,
        lease=lease,
        locked_until=now + dt.timedelta(seconds=lease_seconds),
    )
    # Everything that needs no database is made before each transaction: on SQLite the write
    # lock is held from its start to its end, and other writers wait.
    received_at = fields.pop("received_at") or now
    contact = Contact(**fields, received_at=received_at)
    try:
        # The lease only marks the request in flight: if a power cut loses it, the request is
        # lost with it and nothing was acknowledged, so its commit need not wait for the disk.
        with non_durable_atomic():
            insert(entry)
    except IntegrityError:
        entry = IdempotencyKey.objects.get(token=token, key=key)
        if entry.request_hash != request_hash:
            return _error(422, "This Idempotency-Key was already used with a different body.")
        if entry.state == IdempotencyState.DONE:
            response = JsonResponse(entry.response_body, status=entry.response_status or 201)
            response["Idempotent-Replayed"] = "true"
            return response
        taken = 0
        if entry.locked_until <= now:
            # The request holding the key died (its process was killed): take it over.
            taken = IdempotencyKey.objects.filter(
                pk=entry.pk, state=IdempotencyState.IN_FLIGHT, lease=entry.lease
            ).update(lease=lease, locked_until=now + dt.timedelta(seconds=lease_seconds))
        if not taken:
            return _error(409, "A request with this Idempotency-Key is still in progress.")
    try:
        with transaction.atomic(durable=True):
            actions.receive(contact, actor=token.user)
            body = _body(contact, created=True)
            # Still ours? Another request takes the key over only once the lease ran out.
            done = update(
                IdempotencyKey,
                {"pk": entry.pk, "lease": lease, "state": IdempotencyState.IN_FLIGHT},
                state=IdempotencyState.DONE,
                response_status=201,
                response_body=body,
                contact_id=contact.pk,
            )
            if not done:
                raise _LeaseLost
    except _LeaseLost:
        return _error(409, "A request with this Idempotency-Key is still in progress.")
    except Exception:
        IdempotencyKey.objects.filter(pk=entry.pk, lease=lease).delete()
        raise
    return JsonResponse(body, status=201)


@router.get("/", response=Page, url_name="contacts-list", summary="List contacts (summaries)")
def list_contacts(request: HttpRequest, page: int = 1, status: Status | None = None) -> Any:
    _allow(request, Scope.READ)
    contacts = Contact.objects.visible_to(request.user).order_by("-received_at", "-pk")
    if status:
        contacts = contacts.filter(status=status)
    page = max(1, page)
    rows = list(contacts[(page - 1) * MAX_PER_PAGE : page * MAX_PER_PAGE])
    record("contact.list", actor=request.user, detail={"via": "api", "count": len(rows)})
    return {"count": contacts.count(), "page": page, "results": rows}


@router.get(
    "/{int:contact_id}",
    response={200: ContactOut, 403: Error, 404: Error},
    url_name="contacts-detail",
    summary="Read a contact",
)
def read_contact(request: HttpRequest, contact_id: int) -> Any:
    _allow(request, Scope.READ)
    contact = _get(request.user, contact_id)
    actions.record_view(contact, request.user, via="api")
    return contact


@router.patch(
    "/{int:contact_id}",
    response={200: ContactOut, 403: Error, 404: Error},
    url_name="contacts-status",
    summary="Update a contact's status",
)
def update_status(request: HttpRequest, contact_id: int, payload: StatusIn) -> Any:
    _allow(request, Scope.UPDATE)
    contact = _get(request.user, contact_id)
    if not request.user.has_perm("contacts.change_contact", contact):
        raise HttpError(403, "This account may not change this contact.")
    return actions.set_status(contact, payload.status, actor=request.user)
