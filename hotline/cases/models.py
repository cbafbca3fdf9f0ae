"""Cases (situations), their victims, consent records, reports to agencies with their immutable
snapshots, the reporting policy, and the link from a liaison's agency to a directory
organization. Writes go through `actions.py`; what may be shared is decided in `gate.py`."""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.cases.vocabularies import (
    AgeGroup,
    Basis,
    CaseStatus,
    Citizenship,
    ConsentGiver,
    ConsentMethod,
    ConsentState,
    DeliveryState,
    Exception_,
    Gender,
    IndicatorLevel,
    Level,
    Recruitment,
    ReportOutcome,
    ReportStatus,
    TraffickingType,
    Venue,
)
from hotline.lib import lookup

USER = settings.AUTH_USER_MODEL


class ReportingPolicy(models.Model):
    """The consent rules as data (one row). The law sets the floor; an administrator may only
    tighten it: see docs/reporting-policy.md."""

    require_approval_with_consent = models.BooleanField(
        _("supervisor approval even with consent"), default=False
    )
    allow_minor_exception = models.BooleanField(
        _("allow a full report for a minor without consent (with approval)"), default=True
    )
    allow_imminent_danger_exception = models.BooleanField(
        _("allow a full report in imminent danger without consent (with approval)"), default=True
    )
    max_consent_age_days = models.PositiveIntegerField(
        _("maximum age of a consent (days)"),
        null=True,
        blank=True,
        help_text=_("A consent given longer ago than this no longer counts, even if unexpired."),
    )
    share_code_word = models.BooleanField(
        _("include a victim's code word in full reports"),
        default=False,
        help_text=_(
            "The code word belongs to the safe-contact plan: it protects the person from the "
            "trafficker, and by default it never leaves the hotline."
        ),
    )
    share_safe_times = models.BooleanField(
        _("include the caller's safe times in full reports"),
        default=False,
        help_text=_(
            "When it is safe to call belongs to the safe-contact plan too: by default it never "
            "leaves the hotline."
        ),
    )
    recipient_kinds = models.JSONField(
        _("kinds of directory organization offered as recipients"),
        default=list,
        blank=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reporting policy")
        verbose_name_plural = _("reporting policy")

    def __str__(self) -> str:
        return str(_("Reporting policy"))

    @classmethod
    def current(cls) -> "ReportingPolicy":
        found = ReportingPolicy.objects.filter(pk=1).first()
        return found or ReportingPolicy(pk=1, recipient_kinds=list(DEFAULT_RECIPIENT_KINDS))


DEFAULT_RECIPIENT_KINDS = ("law_enforcement", "task_force", "government")


class AgencyLink(models.Model):
    """Which directory organization a liaison's agency is: reports sent to that organization are
    delivered to the agency's liaisons. Kept here so that accounts needs no change."""

    agency = models.OneToOneField(
        "accounts.Agency", on_delete=models.CASCADE, related_name="directory_link"
    )
    organization = models.OneToOneField(
        "directory.Organization", on_delete=models.PROTECT, related_name="agency_link"
    )

    class Meta:
        verbose_name = _("agency's directory organization")
        verbose_name_plural = _("agencies' directory organizations")

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.organization_id}"


def is_case_worker(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.has_perm("cases.work"))


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> "CaseQuerySet":
        return self.exclude(status=CaseStatus.CLOSED)

    def reached_at(self, phone_hash: str = "", email_hash: str = "") -> "CaseQuerySet":
        """Cases with a victim, or a contact on the case, reached at this phone or email (by
        their keyed hashes, hotline/lib/lookup.py); none for no hash. One subquery per hash
        column, each read from that column's index, joined by UNION: an OR of IN subqueries
        made PostgreSQL read every case in the list's order to test each (20-60 ms at 100,000
        cases), where the union's few ids are looked up directly (3 ms)."""
        parts: list[models.QuerySet[Any, Any]] = []
        if phone_hash:
            parts.append(Victim.objects.filter(phone_hash=phone_hash))
            parts.append(CaseContact.objects.filter(contact__caller_phone_hash=phone_hash))
        if email_hash:
            parts.append(Victim.objects.filter(email_hash=email_hash))
            parts.append(CaseContact.objects.filter(contact__caller_email_hash=email_hash))
        if not parts:
            return self.none()
        first, *rest = [part.order_by().values("case_id") for part in parts]
        return self.filter(pk__in=first.union(*rest))

    def visible_to(self, user: User | AnonymousUser | None) -> "CaseQuerySet":
        # Specialists and supervisors only; a liaison sees reports, never a case.
        return self if is_case_worker(user) else self.none()


class Case(models.Model):
    # Given from the primary key just after the insert; NULL until then (NULLs never collide).
    reference = models.CharField(  # noqa: DJ001
        _("reference"), max_length=20, unique=True, null=True
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    assigned_to = models.ForeignKey(
        USER,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    trafficking_type = models.CharField(
        _("trafficking type"),
        max_length=16,
        choices=TraffickingType.choices,
        default=TraffickingType.NOT_SPECIFIED,
    )
    typologies = models.JSONField(_("typology"), default=list, blank=True)
    venue = models.CharField(
        _("venue"), max_length=16, choices=Venue.choices, default=Venue.UNKNOWN
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    address = models.CharField(_("exact address"), max_length=300, blank=True)
    means = models.JSONField(_("force, fraud, coercion"), default=list, blank=True)
    control_methods = models.JSONField(_("control methods"), default=list, blank=True)
    recruitment = models.CharField(
        _("recruitment"), max_length=20, choices=Recruitment.choices, blank=True
    )
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    imminent_danger = models.BooleanField(_("someone is in imminent danger"), default=False)
    summary = models.TextField(
        _("situation summary"),
        blank=True,
        help_text=_("May hold names and places: it goes only into full reports."),
    )
    # The specialist's decision on the suggestion (None: not decided yet).
    potential_trafficking = models.BooleanField(_("potential trafficking"), null=True)
    potential_decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    potential_decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="case_status_opened"),
            # The cases list, newest first, a page at a time.
            models.Index(fields=["-opened_at", "-id"], name="case_opened"),
        ]

    def __str__(self) -> str:
        return self.reference or f"case {self.pk}"

    @property
    def has_minor(self) -> bool:
        return any(v.age_group == AgeGroup.MINOR for v in self.victims.all())


class CaseContact(models.Model):
    """A contact on a case's timeline. A contact belongs to at most one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_contacts")
    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.PROTECT, related_name="case_link"
    )
    attached_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attached_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.contact_id}"


class StatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    old = models.CharField(max_length=12, choices=CaseStatus.choices, blank=True)
    new = models.CharField(max_length=12, choices=CaseStatus.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.old} → {self.new}"


class Note(models.Model):
    """Internal notes: never part of any report."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class Victim(models.Model):
    """One person in the situation, counted on their own. Identifying fields are marked
    `IDENTIFYING` and only ever leave in a full report."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims")
    name = models.CharField(_("name"), max_length=200, blank=True)
    alias = models.CharField(_("alias or nickname"), max_length=100, blank=True)
    age_group = models.CharField(
        _("age group"), max_length=8, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN
    )
    emancipated = models.BooleanField(
        _("emancipated minor"), default=False, help_text=_("Only for a minor.")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender.choices, default=Gender.UNKNOWN
    )
    citizenship = models.CharField(
        _("citizenship"), max_length=20, choices=Citizenship.choices, default=Citizenship.UNKNOWN
    )
    indicator_level = models.CharField(
        _("indicator level"), max_length=8, choices=IndicatorLevel.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Keyed hashes of the normalised phone and email (hotline/lib/lookup.py), set by save().
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    code_word = models.CharField(_("code word"), max_length=100, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Free text: only in full reports.")
    )

    IDENTIFYING = (
        "name",
        "alias",
        "date_of_birth",
        "phone",
        "email",
        "address",
        "code_word",
        "description",
    )

    class Meta:
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"victim {self.pk}"

    LOOKUP_HASHES = {"phone": "phone_hash", "email": "email_hash"}

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_hash = lookup.phone_hash(self.phone)
        self.email_hash = lookup.email_hash(self.email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = lookup.with_hash_fields(
                kwargs["update_fields"], self.LOOKUP_HASHES
            )
        super().save(*args, **kwargs)

    @property
    def needs_guardian_consent(self) -> bool:
        return self.age_group == AgeGroup.MINOR and not self.emancipated


class ConsentQuerySet(models.QuerySet["Consent"]):
    def in_force(self, at: dt.datetime, max_age_days: int | None = None) -> "ConsentQuerySet":
        """Not revoked, not expired, given before `at` and no older than the policy allows."""
        qs = self.filter(revoked_at__isnull=True, expires_at__gt=at, given_at__lte=at)
        if max_age_days is not None:
            qs = qs.filter(given_at__gte=at - dt.timedelta(days=max_age_days))
        return qs


class Consent(models.Model):
    """One person's informed, time-limited, revocable consent (VAWA standard): for a victim who is
    an unemancipated minor, both the minor's and a parent's or guardian's are needed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(_("given by"), max_length=10, choices=ConsentGiver.choices)
    giver_name = models.CharField(_("name of the parent or guardian"), max_length=200, blank=True)
    recipients = models.ManyToManyField(
        "directory.Organization", verbose_name=_("recipients"), related_name="+"
    )
    purposes = models.JSONField(_("purposes"), default=list)
    method = models.CharField(_("how"), max_length=16, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["given_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="consent_expires_after_given", condition=Q(expires_at__gt=models.F("given_at"))
            )
        ]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def state(self, at: dt.datetime | None = None) -> str:
        at = at or timezone.now()
        if self.revoked_at is not None:
            return ConsentState.REVOKED
        if self.expires_at <= at:
            return ConsentState.EXPIRED
        return ConsentState.IN_FORCE


class ReportQuerySet(models.QuerySet["Report"]):
    def awaiting_approval(self) -> "ReportQuerySet":
        return self.filter(status=ReportStatus.AWAITING_APPROVAL)

    def visible_to(self, user: User | AnonymousUser | None) -> "ReportQuerySet":
        """Case workers see every report; a liaison only those sent to their own agency (the
        agency recorded on the report when it was sent), and nothing still awaiting approval or
        declined."""
        if user is None or not user.is_authenticated:
            return self.none()
        if is_case_worker(user):
            return self
        if user.has_perm("cases.use_portal") and user.agency_id is not None:
            return self.filter(
                status=ReportStatus.SENT, agency_id=user.agency_id, snapshot__isnull=False
            )
        return self.none()

    def awaiting_delivery(self) -> "ReportQuerySet":
        """Sent reports to a recipient with no portal that nobody has delivered by phone yet:
        the specialists' delivery tasks."""
        return self.filter(
            status=ReportStatus.SENT, delivered_to_portal=False, delivered_at__isnull=True
        )


class Report(models.Model):
    """A report of one case to one recipient organization. What it carries is decided by the
    consent gate when it is sent, and kept in its snapshot."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    recipient = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The liaisons' agency the report went to, as linked to the recipient when it was sent:
    # their access follows this, not the link as it is later. None until sent, and for a
    # recipient with no agency in the portal.
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices)
    exception = models.CharField(
        _("exception invoked"), max_length=16, choices=Exception_.choices, blank=True
    )
    exception_reason = models.TextField(_("documented reason"), blank=True)
    redacted_summary = models.TextField(
        _("redacted summary"),
        blank=True,
        help_text=_("Sent in a de-identified report instead of the case's free text."),
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices, blank=True)
    delivered_to_portal = models.BooleanField(_("delivered to the portal"), default=False)
    # A recipient with no portal: a specialist delivers the report by phone and says so.
    delivered_at = models.DateTimeField(_("delivered by phone"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_note = models.CharField(_("delivery note"), max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=ReportOutcome.choices, blank=True
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"RP-{self.pk:06d}" if self.pk else "RP-new"

    @property
    def delivery(self) -> str:
        """How the report reaches its recipient ("" while it is not sent)."""
        if self.status != ReportStatus.SENT:
            return ""
        if self.delivered_to_portal:
            return DeliveryState.PORTAL
        if self.delivered_at is None:
            return DeliveryState.BY_PHONE
        return DeliveryState.DELIVERED


class ImmutableError(Exception):
    """An attempt to change or delete a sent report's snapshot."""


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError("A report's snapshot never changes.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A report's snapshot never changes.")


class Snapshot(models.Model):
    """Exactly what was sent: canonical JSON bytes (as UTF-8 text) and their SHA-256, with the
    basis the gate gave and the consents it relied on."""

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="snapshot")
    payload = models.TextField()
    sha256 = models.CharField(max_length=64)
    level = models.CharField(max_length=12, choices=Level.choices)
    basis = models.CharField(max_length=16, choices=Basis.choices)
    consent_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SnapshotQuerySet.as_manager()

    def __str__(self) -> str:
        return f"snapshot {self.report_id} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("A report's snapshot never changes.")
        self.sha256 = hashlib.sha256(self.payload.encode()).hexdigest()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A report's snapshot never changes.")

    @property
    def payload_bytes(self) -> bytes:
        return self.payload.encode()


class CaseAlert(models.Model):
    """An in-app alert to a supervisor that a case was marked potential trafficking. It names
    the case by reference only."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="case_alerts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"alert {self.case_id} → {self.user_id}"
