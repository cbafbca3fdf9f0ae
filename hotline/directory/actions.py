"""Writes to the directory. Each is one transaction with its HSDS metadata entries (the
per-field change log that travels with the data) and its audit event (ids and codes only)."""

import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.directory import emails, index, profile
from hotline.directory.models import (
    Address,
    ApplicationStatus,
    Attribute,
    FlagStatus,
    HSDSModel,
    JoinApplication,
    Language,
    ListingFlag,
    ListingStatus,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# The rows of a new listing that get a "create" metadata entry, by the HSDS table's name.
LOGGED_ON_CREATE: dict[type[HSDSModel], str] = {
    Organization: "organization",
    Service: "service",
    Location: "location",
    Address: "address",
    Phone: "phone",
}


def _who(actor: User | None) -> str:
    return actor.get_username() if actor is not None and actor.is_authenticated else "applicant"


def log_change(
    actor: User | None,
    resource_type: str,
    resource_id: uuid.UUID,
    field_name: str,
    previous: Any,
    replacement: Any,
    action: str = "update",
) -> Metadata:
    return Metadata.objects.create(
        resource_id=resource_id,
        resource_type=resource_type,
        last_action_date=timezone.localdate(),
        last_action_type=action,
        field_name=field_name,
        previous_value="" if previous is None else str(previous),
        replacement_value="" if replacement is None else str(replacement),
        updated_by=_who(actor),
    )


@transaction.atomic
def flag_listing(actor: User, service: Service, reason: str, note: str = "") -> ListingFlag:
    flag = ListingFlag.objects.create(
        organization_id=service.organization_id,
        service=service,
        reason=reason,
        note=note,
        created_by=actor,
    )
    record(
        "directory.flag",
        actor=actor,
        obj=flag,
        detail={"service": str(service.pk), "reason": reason},
    )
    return flag


@transaction.atomic
def resolve_flag(actor: User, flag: ListingFlag, note: str) -> bool:
    """The flag resolved with the curator's note of what they did; False if another curator
    resolved it first (the row is claimed with a conditional update)."""
    now = timezone.now()
    claimed = ListingFlag.objects.filter(pk=flag.pk, status=FlagStatus.OPEN).update(
        status=FlagStatus.RESOLVED, resolved_by=actor, resolved_at=now, resolution_note=note
    )
    if not claimed:
        return False
    flag.status, flag.resolved_by, flag.resolved_at, flag.resolution_note = (
        FlagStatus.RESOLVED,
        actor,
        now,
        note,
    )
    record("directory.flag_resolve", actor=actor, obj=flag)
    return True


# The HSDS table of each row the edit screen writes, for the metadata log.
RESOURCE_TYPES: dict[type[HSDSModel], str] = {
    Organization: "organization",
    Service: "service",
    Location: "location",
    Address: "address",
    ServiceAtLocation: "service_at_location",
    Phone: "phone",
    Schedule: "schedule",
}


def _save_logged(actor: User, row: HSDSModel) -> int:
    """Saves a new or changed row with one metadata entry per changed field (HSDS column names:
    a foreign key as `service_id`); returns how many entries it wrote."""
    resource_type = RESOURCE_TYPES[type(row)]
    previous = type(row)._default_manager.select_for_update().filter(pk=row.pk).first()
    if previous is None:
        row.save(force_insert=True)
        log_change(actor, resource_type, row.pk, "id", "", row.pk, action="create")
        return 1
    changed = []
    for field in row._meta.concrete_fields:
        if field.primary_key:
            continue
        old, new = field.value_from_object(previous), field.value_from_object(row)
        if old != new:
            log_change(actor, resource_type, row.pk, field.attname, old, new)
            changed.append(field.attname)
    if changed:
        row.save(update_fields=changed)
    return len(changed)


def _delete_logged(actor: User, row: HSDSModel) -> None:
    log_change(actor, RESOURCE_TYPES[type(row)], row.pk, "id", row.pk, "", action="delete")
    row.delete()


@transaction.atomic
def edit_listing(
    actor: User,
    organization: Organization,
    rows: list[HSDSModel],
    deleted: list[HSDSModel],
    offered: dict[uuid.UUID, set[uuid.UUID]],
) -> int:
    """A curator's edit of a listing (`edit.ListingEditor.changes()`): each new, changed or
    deleted row with its metadata entries, the services offered at each edited location, the
    search index of every service touched and one audit event (counts only). Returns the number
    of metadata entries written; none when nothing changed, and then no audit event either."""
    entries = 0
    for row in rows:
        entries += _save_logged(actor, row)
    for row in deleted:
        entries += 1
        _delete_logged(actor, row)
    own_services = set(organization.services.values_list("id", flat=True))
    touched_services = set(own_services)
    for location_id, wanted in offered.items():
        wanted &= own_services
        links = {
            link.service_id: link
            for link in ServiceAtLocation.objects.filter(
                location_id=location_id, service_id__in=own_services
            )
        }
        for service_id in wanted - set(links):
            entries += _save_logged(
                actor, ServiceAtLocation(service_id=service_id, location_id=location_id)
            )
        for service_id in set(links) - wanted:
            entries += 1
            _delete_logged(actor, links[service_id])
    if not entries:
        return 0
    # Services of other organizations offered at an edited location search by its address too.
    touched_services |= set(
        ServiceAtLocation.objects.filter(
            location_id__in=[row.pk for row in rows if isinstance(row, Location)]
        ).values_list("service_id", flat=True)
    )
    index.refresh(touched_services)
    record(
        "directory.listing_edit",
        actor=actor,
        obj=organization,
        detail={"changes": entries, "deleted": len(deleted)},
    )
    return entries


@transaction.atomic
def verify_organization(actor: User, organization: Organization) -> None:
    """A curator confirmed the listing is current: the organization's last verified date, and
    each service's HSDS assured_date and assurer_email."""
    now, today = timezone.now(), timezone.localdate()
    earlier = organization.last_verified_at
    log_change(
        actor,
        "organization",
        organization.pk,
        "last_verified",
        timezone.localdate(earlier).isoformat() if earlier else "",
        today.isoformat(),
        action="verify",
    )
    organization.last_verified_at, organization.verification_due_since = now, None
    organization.save(update_fields=["last_verified_at", "verification_due_since"])
    for service in organization.services.all():
        if service.assured_date != today:
            log_change(actor, "service", service.pk, "assured_date", service.assured_date, today)
            service.assured_date = today
            service.assurer_email = actor.email or ""
            service.save(update_fields=["assured_date", "assurer_email"])
    index.refresh_organization(organization)
    record("directory.verify", actor=actor, obj=organization)


@transaction.atomic
def set_listing_status(actor: User, organization: Organization, status: ListingStatus) -> None:
    if organization.listing_status == status:
        return
    log_change(
        actor,
        "organization",
        organization.pk,
        "listing_status",
        organization.listing_status,
        status,
    )
    organization.listing_status = status
    organization.save(update_fields=["listing_status"])
    index.refresh_organization(organization)
    record("directory.listing_status", actor=actor, obj=organization, detail={"status": status})


# --- Applications to join ----------------------------------------------------------------------


@transaction.atomic
def submit_application(application: JoinApplication) -> JoinApplication:
    application.token = secrets.token_urlsafe(32)
    application.status = ApplicationStatus.PENDING
    application.save()
    record("directory.apply", obj=application)
    return application


@transaction.atomic
def resubmit_application(application: JoinApplication) -> None:
    application.status = ApplicationStatus.PENDING
    application.updated_at = timezone.now()
    application.save()
    record("directory.apply_resubmit", obj=application)


@transaction.atomic
def request_changes(actor: User, application: JoinApplication, message: str) -> None:
    application.status = ApplicationStatus.CHANGES_REQUESTED
    application.curator_message = message
    application.decided_by = actor
    application.updated_at = timezone.now()
    application.save()
    record("directory.application_changes", actor=actor, obj=application)
    emails.changes_requested.send(application.pk)


@transaction.atomic
def decline(actor: User, application: JoinApplication, message: str) -> None:
    application.status = ApplicationStatus.DECLINED
    application.curator_message = message
    application.decided_by = actor
    application.updated_at = timezone.now()
    application.save()
    record("directory.application_decline", actor=actor, obj=application)
    emails.declined.send(application.pk)


def ensure_taxonomy() -> None:
    """Our taxonomy and its terms, created where missing (their names as `profile` has them)."""
    rows = profile.taxonomy_rows()
    for row in rows["taxonomy"]:
        Taxonomy.objects.get_or_create(id=row.pop("id"), defaults=row)
    existing = set(TaxonomyTerm.objects.values_list("id", flat=True))
    for row in rows["taxonomy_term"]:
        if uuid.UUID(str(row["id"])) not in existing:
            row["taxonomy_detail_id"] = row.pop("taxonomy_id")  # HSDS's name for the column
            TaxonomyTerm(**row).save()


def _listing_from(application: JoinApplication, org_id: uuid.UUID) -> list[HSDSModel]:
    """The HSDS rows an approved application becomes, saved, in the order they were saved.
    Their ids are derived from the organization's, as they always were."""
    ns = uuid.uuid5(profile.NAMESPACE, f"application:{org_id}")

    def uid(name: str) -> uuid.UUID:
        return uuid.uuid5(ns, name)

    def attribute(link_id: uuid.UUID, code: str) -> Attribute:
        return Attribute(**profile.attribute_row(link_id, profile.TERM_BY_CODE[code]))

    organization = Organization(
        id=org_id,
        name=application.organization_name,
        description=application.description,
        email=application.email,
        website=application.website,
    )
    service = Service(
        id=uid("service"),
        organization=organization,
        name=application.organization_name,
        description=application.description,
        status="active",
        email=application.email,
        url=application.website,
    )
    rows: list[HSDSModel] = [
        organization,
        service,
        Phone(id=uid("phone"), service=service, number=application.phone, type="voice"),
    ]
    rows += [
        Language(
            id=uid(f"language-{code}"),
            service=service,
            code=code,
            name=profile.LANGUAGE_ENGLISH_NAMES.get(code, code),
        )
        for code in application.languages
    ]
    attributes = [attribute(org_id, f"org_kind:{application.kind}")]
    for group, values in [
        ("category", application.categories),
        ("population", application.populations),
        ("trafficking_type", application.trafficking_types),
        ("feature", application.features),
    ]:
        attributes += [attribute(service.id, f"{group}:{value}") for value in values]
    if application.national:
        rows.append(ServiceArea(id=uid("area"), service=service, name="United States"))
    else:
        location = Location(
            id=uid("location"),
            organization=organization,
            location_type="physical",
            name=application.city,
        )
        rows += [
            location,
            Address(
                id=uid("address"),
                location=location,
                address_1=application.address_1 or "-",
                city=application.city,
                state_province=application.state,
                postal_code=application.postal_code,
                country="US",
                address_type="physical",
            ),
            ServiceAtLocation(id=uid("sal"), service=service, location=location),
        ]
        if application.confidential_location:
            attributes.append(attribute(location.id, profile.CONFIDENTIAL.code))
    rows += attributes
    for row in rows:
        row.save()
    return rows


@transaction.atomic
def approve(actor: User, application: JoinApplication, message: str = "") -> Organization:
    """The application becomes a listing; the applicant is told, with the curator's message."""
    ensure_taxonomy()
    org_id = application.organization_id or uuid.uuid4()
    rows = _listing_from(application, org_id)
    for model, name in LOGGED_ON_CREATE.items():
        for row in rows:
            if type(row) is model:
                log_change(actor, name, row.pk, "id", "", row.pk, action="create")
    organization = Organization.objects.get(pk=org_id)
    organization.listing_status = ListingStatus.LISTED
    organization.last_verified_at = timezone.now()
    organization.save(update_fields=["listing_status", "last_verified_at"])
    index.refresh_organization(organization)
    application.status = ApplicationStatus.APPROVED
    application.curator_message = message
    application.organization = organization
    application.decided_by = actor
    application.updated_at = timezone.now()
    application.save()
    record(
        "directory.application_approve",
        actor=actor,
        obj=application,
        detail={"organization": str(organization.pk)},
    )
    emails.listed.send(application.pk)
    return organization
