"""The referral directory, modelled on Open Referral HSDS 3.0.

Every HSDS table is a model with the standard's UUID ids and field names, so that importing and
exporting is lossless: a foreign key `organization` is stored in the column `organization_id`,
exactly the HSDS field. Fields that HSDS does not have (listing state, verification, the search
index) are ours and never appear in exports. What HSDS cannot say about anti-trafficking work
(populations, trafficking types, 24/7, warm transfers, confidential locations, kinds of
organization) is said with attributes under our own taxonomy (`profile.py`).
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.directory.box import Box


def text(label: Any) -> Any:
    return models.TextField(label, blank=True, default="")


def short(label: Any, length: int = 255) -> Any:
    return models.CharField(label, max_length=length, blank=True, default="")


def fk(to: str, label: Any, related_name: str, null: bool = True, **extra: Any) -> Any:
    return models.ForeignKey(
        to,
        verbose_name=label,
        on_delete=extra.pop("on_delete", models.CASCADE),
        null=null,
        blank=null,
        related_name=related_name,
        **extra,
    )


class HSDSModel(models.Model):
    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "name", "") or self.id)


class ListingStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def listed(self) -> "OrganizationQuerySet":
        return self.filter(listing_status=ListingStatus.LISTED)

    def due_for_verification(self, now: Any = None) -> "OrganizationQuerySet":
        cutoff = (now or timezone.now()) - datetime.timedelta(days=365)
        return self.listed().filter(
            Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff)
        )

    def marked_due(self) -> "OrganizationQuerySet":
        """Listed organizations the sweep marked due for re-verification (verification.py)."""
        return self.listed().filter(verification_due_since__isnull=False)


class Organization(HSDSModel):
    name = models.CharField(_("name"), max_length=255)
    alternate_name = short(_("alternate name"))
    description = text(_("description"))
    email = short(_("email"))
    website = short(_("website"), 500)
    tax_status = short(_("tax status"))
    tax_id = short(_("tax id"))
    year_incorporated = models.IntegerField(_("year incorporated"), null=True, blank=True)
    legal_status = short(_("legal status"))
    logo = short(_("logo"), 500)
    uri = short(_("URI"), 500)
    parent_organization = fk(
        "self", _("parent organization"), "children", on_delete=models.SET_NULL
    )
    # Ours, not HSDS.
    listing_status = models.CharField(
        _("listing status"), max_length=12, choices=ListingStatus.choices, default="listed"
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    # Set by the sweep when the listing came due for re-verification (verification.mark_due),
    # cleared when a curator verifies it: the curators are told once per listing.
    verification_due_since = models.DateTimeField(
        _("due for re-verification since"), null=True, blank=True
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        indexes = [models.Index(fields=["listing_status", "last_verified_at"])]


class Program(HSDSModel):
    organization = fk("Organization", _("organization"), "programs", null=False)
    name = models.CharField(_("name"), max_length=255)
    alternate_name = short(_("alternate name"))
    description = text(_("description"))

    class Meta:
        verbose_name = _("program")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class Service(HSDSModel):
    organization = fk("Organization", _("organization"), "services", null=False)
    program = fk("Program", _("program"), "services", on_delete=models.SET_NULL)
    name = models.CharField(_("name"), max_length=255)
    alternate_name = short(_("alternate name"))
    description = text(_("description"))
    url = short(_("URL"), 500)
    email = short(_("email"))
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default="active"
    )
    interpretation_services = text(_("interpretation services"))
    application_process = text(_("application process"))
    fees_description = text(_("fees description"))
    wait_time = text(_("wait time"))
    fees = text(_("fees"))
    accreditations = text(_("accreditations"))
    eligibility_description = text(_("eligibility"))
    minimum_age = models.FloatField(_("minimum age"), null=True, blank=True)
    maximum_age = models.FloatField(_("maximum age"), null=True, blank=True)
    assured_date = models.DateField(_("assured date"), null=True, blank=True)
    assurer_email = short(_("assurer email"))
    licenses = text(_("licenses"))
    alert = text(_("alert"))
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    POSTAL = "postal", _("Postal")
    VIRTUAL = "virtual", _("Virtual")


class Location(HSDSModel):
    location_type = models.CharField(
        _("location type"), max_length=10, choices=LocationType.choices, default="physical"
    )
    url = short(_("URL"), 500)
    organization = fk("Organization", _("organization"), "locations")
    name = short(_("name"))
    alternate_name = short(_("alternate name"))
    description = text(_("description"))
    transportation = text(_("transportation"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    external_identifier = short(_("external identifier"))
    external_identifier_type = short(_("external identifier type"))
    # Ours: a copy of `Attribute.objects.confidential_location_ids()`, kept by the search index.
    confidential = models.BooleanField(_("confidential"), default=False)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")


class ServiceAtLocation(HSDSModel):
    service = fk("Service", _("service"), "service_at_locations", null=False)
    location = fk("Location", _("location"), "service_at_locations", null=False)
    description = text(_("description"))

    class Meta:
        verbose_name = _("service at location")


class Contact(HSDSModel):
    organization = fk("Organization", _("organization"), "contacts")
    service = fk("Service", _("service"), "contacts")
    service_at_location = fk("ServiceAtLocation", _("service at location"), "contacts")
    location = fk("Location", _("location"), "contacts")
    name = short(_("name"))
    title = short(_("title"))
    department = short(_("department"))
    email = short(_("email"))

    class Meta:
        verbose_name = _("contact")


class Phone(HSDSModel):
    location = fk("Location", _("location"), "phones")
    service = fk("Service", _("service"), "phones")
    organization = fk("Organization", _("organization"), "phones")
    contact = fk("Contact", _("contact"), "phones")
    service_at_location = fk("ServiceAtLocation", _("service at location"), "phones")
    number = models.CharField(_("number"), max_length=64)
    extension = models.FloatField(_("extension"), null=True, blank=True)
    type = short(_("type"), 32)
    description = text(_("description"))

    class Meta:
        verbose_name = _("phone")


class Address(HSDSModel):
    location = fk("Location", _("location"), "addresses")
    attention = short(_("attention"))
    address_1 = short(_("address"))
    address_2 = short(_("address line 2"))
    city = short(_("city"))
    region = short(_("region"))
    state_province = short(_("state"))
    postal_code = short(_("postal code"), 32)
    country = short(_("country"), 8)
    address_type = short(_("address type"), 16)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")


class Schedule(HSDSModel):
    service = fk("Service", _("service"), "schedules")
    location = fk("Location", _("location"), "schedules")
    service_at_location = fk("ServiceAtLocation", _("service at location"), "schedules")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    dtstart = models.DateField(_("start"), null=True, blank=True)
    timezone = models.FloatField(_("UTC offset"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.FloatField(_("count"), null=True, blank=True)
    wkst = short(_("week start"), 2)
    freq = short(_("frequency"), 10)
    interval = models.FloatField(_("interval"), null=True, blank=True)
    byday = short(_("by day"))
    byweekno = short(_("by week number"))
    bymonthday = short(_("by month day"))
    byyearday = short(_("by year day"))
    description = text(_("description"))
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    schedule_link = short(_("schedule link"), 500)
    attending_type = short(_("attending type"))
    notes = text(_("notes"))

    class Meta:
        verbose_name = _("schedule")


class Language(HSDSModel):
    service = fk("Service", _("service"), "languages")
    location = fk("Location", _("location"), "languages")
    phone = fk("Phone", _("phone"), "languages")
    name = short(_("name"))
    code = short(_("code"), 16)
    note = text(_("note"))

    class Meta:
        verbose_name = _("language")


class ServiceArea(HSDSModel):
    service = fk("Service", _("service"), "service_areas")
    name = short(_("name"))
    description = text(_("description"))
    extent = text(_("extent"))
    extent_type = short(_("extent type"), 32)
    uri = short(_("URI"), 500)

    class Meta:
        verbose_name = _("service area")


class Funding(HSDSModel):
    organization = fk("Organization", _("organization"), "funding")
    service = fk("Service", _("service"), "funding")
    source = text(_("source"))

    class Meta:
        verbose_name = _("funding")


class CostOption(HSDSModel):
    service = fk("Service", _("service"), "cost_options", null=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    option = text(_("option"))
    currency = short(_("currency"), 3)
    amount = models.FloatField(_("amount"), null=True, blank=True)
    amount_description = text(_("amount description"))

    class Meta:
        verbose_name = _("cost option")


class RequiredDocument(HSDSModel):
    service = fk("Service", _("service"), "required_documents")
    document = text(_("document"))
    uri = short(_("URI"), 500)

    class Meta:
        verbose_name = _("required document")


class Accessibility(HSDSModel):
    location = fk("Location", _("location"), "accessibility")
    description = text(_("description"))
    details = text(_("details"))
    url = short(_("URL"), 500)

    class Meta:
        verbose_name = _("accessibility")


class OrganizationIdentifier(HSDSModel):
    organization = fk("Organization", _("organization"), "organization_identifiers", null=False)
    identifier_scheme = short(_("identifier scheme"))
    identifier_type = models.CharField(_("identifier type"), max_length=255)
    identifier = models.CharField(_("identifier"), max_length=255)

    class Meta:
        verbose_name = _("organization identifier")


class Taxonomy(HSDSModel):
    name = models.CharField(_("name"), max_length=255)
    description = text(_("description"))
    uri = short(_("URI"), 500)
    version = short(_("version"), 64)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")


class TaxonomyTerm(HSDSModel):
    code = short(_("code"))
    name = models.CharField(_("name"), max_length=255)
    description = text(_("description"))
    parent = fk("self", _("parent"), "children")
    taxonomy = short(_("taxonomy name"))
    language = short(_("language"), 16)
    # HSDS names this column taxonomy_id while `taxonomy` is a free-text name.
    taxonomy_detail = fk("Taxonomy", _("taxonomy"), "terms", db_column="taxonomy_id")
    term_uri = short(_("term URI"), 500)

    class Meta:
        verbose_name = _("taxonomy term")
        indexes = [models.Index(fields=["code"])]


class AttributeQuerySet(models.QuerySet["Attribute"]):
    def confidential_location_ids(self) -> "models.QuerySet[Attribute, uuid.UUID]":
        """The one rule for what is confidential: a location that carries our "confidential
        location" attribute. `Location.confidential` and `SearchEntry.confidential` are copies
        the search index keeps (`index.sync_confidential`)."""
        from hotline.directory.profile import CONFIDENTIAL

        return self.filter(taxonomy_term_id=CONFIDENTIAL.id).values_list("link_id", flat=True)


class Attribute(HSDSModel):
    """A taxonomy term applied to any row: link_entity names the table, link_id the row."""

    link_id = models.UUIDField(_("link id"))
    taxonomy_term = fk("TaxonomyTerm", _("taxonomy term"), "attributes", null=False)
    link_type = short(_("link type"), 64)
    link_entity = models.CharField(_("link entity"), max_length=64)
    value = text(_("value"))

    objects = AttributeQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribute")
        indexes = [models.Index(fields=["link_id"])]


class Metadata(HSDSModel):
    """HSDS's per-field change log."""

    resource_id = models.UUIDField(_("resource id"))
    resource_type = models.CharField(_("resource type"), max_length=64)
    last_action_date = models.DateField(_("date"))
    last_action_type = models.CharField(_("action"), max_length=64)
    field_name = models.CharField(_("field"), max_length=64)
    previous_value = text(_("previous value"))
    replacement_value = text(_("replacement value"))
    updated_by = models.CharField(_("updated by"), max_length=255)

    class Meta:
        verbose_name = _("metadata")
        verbose_name_plural = _("metadata")
        indexes = [models.Index(fields=["resource_id"])]


# --- Ours: the search index, flags, applications ----------------------------------------------


class SearchEntryQuerySet(models.QuerySet["SearchEntry"]):
    def public(self) -> "SearchEntryQuerySet":
        return self.filter(public=True)

    def in_box(self, box: "Box") -> "SearchEntryQuerySet":
        return self.filter(box.q())

    def with_code(self, code: str) -> "SearchEntryQuerySet":
        return self.filter(codes__contains=f" {code} ")


class SearchEntry(models.Model):
    """One row per service at a physical location, or per national/virtual service: what search
    needs, precomputed, so that a search is one indexed range scan and no joins."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, related_name="+")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, null=True, related_name="+"
    )
    national = models.BooleanField(default=False)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    cell = models.IntegerField(null=True)  # geo.cell(latitude, longitude)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=64, blank=True)
    postal_code = models.CharField(max_length=32, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    # Space-delimited codes with a space at either end: " population:minors language:es ".
    codes = models.TextField(blank=True)
    # Lower-cased names and descriptions for keyword matching.
    text = models.TextField(blank=True)
    hours = models.JSONField(default=dict, blank=True)
    open_24_7 = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    public = models.BooleanField(default=False)
    service_name = models.CharField(max_length=255)
    organization_name = models.CharField(max_length=255)
    verified_at = models.DateTimeField(null=True)

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="directory_search_latlon"),
            # Everything a search's scan of a box reads but the keyword's text: the scan and
            # the counts read the index alone, in the order of the squares, not the table
            # (whose rows lie in the order they were built in).
            models.Index(
                fields=["cell", "latitude", "longitude", "public", "codes", "id"],
                name="directory_search_box",
            ),
            models.Index(fields=["national", "public"], name="directory_search_national"),
            models.Index(fields=["service"], name="directory_search_service"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name}: {self.service_name}"


class FlagReason(models.TextChoices):
    DISCONNECTED = "disconnected", _("Number disconnected")
    NO_MINORS = "no_minors", _("No longer serves minors")
    CLOSED = "closed", _("Closed or no longer offers this service")
    WRONG_ADDRESS = "wrong_address", _("Address or hours wrong")
    OTHER = "other", _("Other (describe)")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class FlagQuerySet(models.QuerySet["ListingFlag"]):
    def open(self) -> "FlagQuerySet":
        return self.filter(status=FlagStatus.OPEN)


class ListingFlag(models.Model):
    """A specialist's note that a listing looks wrong, for the curators' queue."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(_("what the curator did"), blank=True, max_length=2000)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing flag")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.service_id})"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class ApplicationQuerySet(models.QuerySet["JoinApplication"]):
    def to_review(self) -> "ApplicationQuerySet":
        return self.filter(status=ApplicationStatus.PENDING)


class JoinApplication(models.Model):
    """An organization's request to be listed, made on the public "Join the directory" form."""

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    token = models.CharField(max_length=64, unique=True)
    organization_name = models.CharField(_("organization name"), max_length=255)
    kind = models.CharField(_("kind of organization"), max_length=32)
    description = models.TextField(_("what you do"), max_length=4000)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public email"), blank=True)
    phone = models.CharField(_("public phone"), max_length=64)
    address_1 = models.CharField(_("street address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=255)
    state = models.CharField(_("state"), max_length=2)
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    confidential_location = models.BooleanField(_("confidential location"), default=False)
    national = models.BooleanField(_("serves callers nationally"), default=False)
    categories = models.JSONField(_("services"), default=list)
    populations = models.JSONField(_("populations"), default=list)
    trafficking_types = models.JSONField(_("trafficking types"), default=list)
    languages = models.JSONField(_("languages"), default=list)
    features = models.JSONField(_("features"), default=list)
    contact_name = models.CharField(_("your name"), max_length=255)
    contact_email = models.EmailField(_("your email"))
    curator_message = models.TextField(_("message to the applicant"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory application")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.organization_name
