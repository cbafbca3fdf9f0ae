"""Contacts ("signals"): every call, text, email, chat, web form or API submission, with its
triage, safe-contact plan, referrals, shared resources and service-level deadlines."""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.lib import lookup, upsert
from hotline.lib.idempotency import IdempotencyRecord


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat")
    WEBFORM = "webform", _("Web form")
    API = "api", _("API")
    OTHER = "other", _("Other")


class RequestType(models.TextChoices):
    CRISIS = "crisis", _("Crisis")
    TIP = "tip", _("Tip")
    TTA = "tta", _("Training & technical assistance")
    REFERRAL = "referral", _("Referral")
    GENERAL_INFO = "general_info", _("General information")
    HIGH_RISK = "high_risk", _("High risk / related issue")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NON_URGENT = "non_urgent", _("Non-urgent")


class CallerType(models.TextChoices):
    COMMUNITY_MEMBER = "community_member", _("Community member")
    SURVIVOR = "survivor", _("Victim/survivor of trafficking")
    CRIME_VICTIM = "crime_victim", _("Victim of another crime")
    LABOR_EXPLOITATION = "labor_exploitation", _("Victim of labor exploitation")
    FAMILY = "family", _("Family member of victim")
    FRIEND = "friend", _("Friend of victim")
    NGO = "ngo", _("NGO/service provider")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    GOVERNMENT = "government", _("Government official")
    FOREIGN_GOVERNMENT = "foreign_government", _("Foreign government official")
    MEDICAL = "medical", _("Medical professional")
    MENTAL_HEALTH = "mental_health", _("Mental health professional")
    LEGAL = "legal", _("Legal professional")
    EDUCATOR = "educator", _("Educator")
    STUDENT = "student", _("Student/researcher")
    FAITH_BASED = "faith_based", _("Faith-based")
    BUSINESS = "business", _("Business")
    TRUCKER = "trucker", _("Trucker / truck-stop employee")
    AIRLINE = "airline", _("Airline/airport staff")
    MEDIA = "media", _("Press/media")
    POLICYMAKER = "policymaker", _("Policymaker")
    OPERATOR_211 = "operator_211", _("211/311 operator")
    TRAFFICKER_ACQUAINTANCE = "trafficker_acquaintance", _("Acquaintance of trafficker")
    BUYER = "buyer", _("Buyer of commercial sex")
    POTENTIAL_TRAFFICKER = "potential_trafficker", _("Potential trafficker")
    OTHER = "other", _("Other")
    NOT_SPECIFIED = "not_specified", _("Not specified")


class HeardFrom(models.TextChoices):
    INTERNET_SEARCH = "internet_search", _("Internet search")
    SOCIAL_MEDIA = "social_media", _("Social media")
    POSTED_SIGN = "posted_sign", _("Posted sign")
    PAMPHLET = "pamphlet", _("Know-your-rights pamphlet")
    ORGANIZATION = "organization", _("Referral by an organization")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    NEWS_MEDIA = "news_media", _("News media")
    WORD_OF_MOUTH = "word_of_mouth", _("Word of mouth")
    TRAINING = "training", _("Training")
    EARLIER_CONTACT = "earlier_contact", _("Earlier contact")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_FOLLOW_UP = "awaiting_follow_up", _("Awaiting follow-up")
    MESSAGE_TAKEN = "message_taken", _("Message taken")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """Proposed: no authoritative list was found."""

    INFORMATION = "information", _("Information provided")
    REFERRALS = "referrals", _("Referrals provided")
    RESOURCES = "resources", _("Resources sent")
    TIP_RECORDED = "tip_recorded", _("Tip recorded")
    EMERGENCY_SERVICES = "emergency_services", _("Connected to emergency services")
    MESSAGE_TAKEN = "message_taken", _("Message taken")
    DISCONNECTED = "disconnected", _("Caller disconnected")
    NOT_SUBSTANTIVE = "not_substantive", _("Hang-up, wrong number or prank")
    OTHER = "other", _("Other")


OPEN_STATUSES = [s for s in Status if s != Status.CLOSED]

# Dates a person could mean: nothing this hotline records happened before 2000, a contact is not
# received in the future (a day's grace for clocks), and a follow-up is planned within 5 years.
# Outside these, business-time arithmetic would overflow the calendar.
EARLIEST_DATE = dt.date(2000, 1, 1)


def validate_received_at(value: dt.datetime) -> None:
    if value.date() < EARLIEST_DATE or value > timezone.now() + dt.timedelta(days=1):
        raise ValidationError(_("Enter a time between the year 2000 and now."))


def validate_follow_up_on(value: dt.date) -> None:
    if not EARLIEST_DATE <= value <= timezone.localdate() + dt.timedelta(days=5 * 366):
        raise ValidationError(_("Enter a date between the year 2000 and five years from now."))


# Every open contact is in the partial indexes below (Contact.Meta), whose condition is this one.
# Written as `NOT status = 'closed'` rather than `status IN (...)`: SQLite uses a partial index
# only when the query repeats its condition, and it cannot match an IN list of bound parameters
# to the index's literals (PostgreSQL matches either).
IS_OPEN = ~Q(status=Status.CLOSED)
# The deadlines that run: open and not paused.
SLA_RUNNING = IS_OPEN & Q(sla_paused_since__isnull=True)


class ContactQuerySet(models.QuerySet["Contact"]):
    def open(self) -> "ContactQuerySet":
        return self.filter(IS_OPEN)

    def sla_running(self) -> "ContactQuerySet":
        return self.filter(SLA_RUNNING)

    def late_resolution(self, now: dt.datetime) -> "ContactQuerySet":
        """Running deadlines whose resolution is past (index contact_open_resolution_due)."""
        return self.filter(SLA_RUNNING, resolution_due__lt=now)

    def late_first_response(self, now: dt.datetime) -> "ContactQuerySet":
        """Running deadlines still waiting for a first response that is past (index
        contact_open_first_response)."""
        return self.filter(SLA_RUNNING, first_response_at__isnull=True, first_response_due__lt=now)

    def urgent(self) -> "ContactQuerySet":
        return self.filter(urgency=Urgency.URGENT)

    def unassigned(self) -> "ContactQuerySet":
        return self.filter(assigned_to__isnull=True)

    def assigned_to_user(self, user: User) -> "ContactQuerySet":
        return self.filter(assigned_to=user)

    def non_urgent(self) -> "ContactQuerySet":
        return self.filter(urgency=Urgency.NON_URGENT)

    def with_request_type(self, code: str) -> "ContactQuerySet":
        # request_types is a JSON list of codes; "contains" on a JSON list is PostgreSQL-only,
        # so match the quoted code in its text (no code is another's substring with quotes).
        return self.filter(request_types__icontains=f'"{code}"')

    def messages_taken(self) -> "ContactQuerySet":
        return self.filter(status=Status.MESSAGE_TAKEN)

    def near_deadline(
        self, within: dt.timedelta, now: dt.datetime | None = None
    ) -> "ContactQuerySet":
        """Open, running and not yet late contacts whose nearest open deadline falls within
        `within` from now: the candidates for "at risk" (each policy warns at its own time,
        `Contact.sla_state`)."""
        now = now or timezone.now()
        soon = now + within
        return (
            self.open()
            .filter(sla_paused_since__isnull=True)
            .exclude(resolution_due__lt=now)
            .exclude(first_response_due__lt=now, first_response_at__isnull=True)
            .filter(
                Q(first_response_at__isnull=True, first_response_due__lt=soon)
                | Q(resolution_due__lt=soon)
            )
        )

    def queue_order(self) -> "ContactQuerySet":
        """Urgent first, then oldest. "urgent" sorts after "non_urgent", so urgency descending
        puts it first, in the order of the indexes contact_open_queue and contact_queue."""
        return self.order_by("-urgency", "received_at", "pk")

    def breached(self, now: dt.datetime | None = None) -> "ContactQuerySet":
        now = now or timezone.now()
        return self.filter(
            SLA_RUNNING,
            Q(resolution_due__lt=now)
            | Q(first_response_due__lt=now, first_response_at__isnull=True),
        )

    def reached_at(self, phone_hash: str = "", email_hash: str = "") -> "ContactQuerySet":
        """Contacts whose caller gave this phone or email, by their keyed hashes
        (hotline/lib/lookup.py); none for no hash."""
        matches = Q(pk__in=[])
        if phone_hash:
            matches |= Q(caller_phone_hash=phone_hash)
        if email_hash:
            matches |= Q(caller_email_hash=email_hash)
        return self.filter(matches) if phone_hash or email_hash else self.none()

    def visible_to(self, user: User | AnonymousUser | None) -> "ContactQuerySet":
        # A liaison, curator or administrator sees no contact (rules.py: contacts.work).
        if user is None or not user.has_perm("contacts.work"):
            return self.none()
        return self


class Contact(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(
        _("received"), default=timezone.now, db_index=True, validators=[validate_received_at]
    )
    caller_type = models.CharField(
        _("caller type"),
        max_length=30,
        choices=CallerType.choices,
        default=CallerType.NOT_SPECIFIED,
    )
    request_types = models.JSONField(_("request types"), default=list, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NON_URGENT
    )
    substantive = models.BooleanField(_("substantive"), default=True)
    language = models.CharField(_("language"), max_length=10, blank=True, default="en")
    interpreter_used = models.BooleanField(_("interpreter used"), default=False)
    state = models.CharField(_("state"), max_length=2, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    heard_from = models.CharField(
        _("heard of the hotline from"),
        max_length=20,
        choices=HeardFrom.choices,
        default=HeardFrom.UNKNOWN,
    )
    # How the hotline may reach the caller (all optional) and the safe-contact plan.
    caller_name = models.CharField(_("name given"), max_length=100, blank=True)
    caller_phone = models.CharField(_("phone"), max_length=30, blank=True)
    caller_email = models.EmailField(_("email"), blank=True)
    # Keyed hashes of the normalised phone and email (hotline/lib/lookup.py), set by save(): how
    # the search box and the caller history find the same person again.
    caller_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    caller_email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    safe_to_call = models.BooleanField(_("safe to call"), null=True, blank=True)
    safe_to_text = models.BooleanField(_("safe to text"), null=True, blank=True)
    voicemail_ok = models.BooleanField(_("voicemail OK"), null=True, blank=True)
    safe_times = models.CharField(_("safe times"), max_length=200, blank=True)
    code_word = models.CharField(_("code word"), max_length=100, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_on = models.DateField(
        _("follow up on"), null=True, blank=True, validators=[validate_follow_up_on]
    )
    # Indexed by contact_queue, which starts with it.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_contacts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A hash of the public form's one-time token: a double submit finds the first contact.
    form_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Service level: the policy that applies and its deadlines, in business time.
    sla_policy = models.ForeignKey(
        "hours.SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    sla_paused_since = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(default=0)
    breached_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    crisis_alerted_at = models.DateTimeField(null=True, blank=True)
    # The deadline whose nearness was last announced (alerts.warn_at_risk): once per deadline.
    warned_for = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-received_at"]
        indexes = [
            # One status (a queue filter), in queue order.
            models.Index(fields=["status", "-urgency", "received_at", "id"], name="contact_queue"),
            models.Index(fields=["resolution_due"], name="contact_resolution_due"),
            # Only open contacts, a small share of all ever received: the queue in its order,
            # the supervisor's counts, each person's open contacts (and nobody's), the running
            # deadlines and the follow-ups (ContactQuerySet.open repeats IS_OPEN).
            models.Index(
                fields=["-urgency", "received_at", "id"],
                condition=IS_OPEN,
                name="contact_open_queue",
            ),
            models.Index(
                fields=["status", "urgency"], condition=IS_OPEN, name="contact_open_counts"
            ),
            models.Index(
                fields=["assigned_to", "-urgency", "received_at", "id"],
                condition=IS_OPEN,
                name="contact_open_assignee",
            ),
            models.Index(
                fields=["resolution_due"], condition=SLA_RUNNING, name="contact_open_resolution_due"
            ),
            models.Index(
                # With the resolution: the supervisor's "missed" list leaves out, from the index
                # alone, the contacts it lists as late on their resolution.
                fields=["first_response_due", "resolution_due"],
                condition=SLA_RUNNING & Q(first_response_at__isnull=True),
                name="contact_open_first_response",
            ),
            models.Index(
                fields=["follow_up_on", "received_at"],
                condition=IS_OPEN & Q(follow_up_needed=True),
                name="contact_open_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    LOOKUP_HASHES = {"caller_phone": "caller_phone_hash", "caller_email": "caller_email_hash"}

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.caller_phone_hash = lookup.phone_hash(self.caller_phone)
        self.caller_email_hash = lookup.email_hash(self.caller_email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = lookup.with_hash_fields(
                kwargs["update_fields"], self.LOOKUP_HASHES
            )
        super().save(*args, **kwargs)

    @property
    def is_crisis(self) -> bool:
        return RequestType.CRISIS in self.request_types

    def deadlines(self) -> list[dt.datetime]:
        """The contact's due dates, earliest first."""
        return sorted({d for d in (self.first_response_due, self.resolution_due) if d is not None})

    def language_label(self) -> str:
        """The caller's language by its name in the reader's language ("Spanish" for "es");
        a code Django does not know is shown as it was recorded."""
        try:
            return str(translation.get_language_info(self.language)["name_translated"])
        except KeyError:
            return self.language

    def request_type_labels(self) -> list[str]:
        labels = dict(RequestType.choices)
        return [str(labels.get(code, code)) for code in self.request_types]

    def next_due(self) -> dt.datetime | None:
        """The nearest open deadline: the first response while none was given, then the
        resolution."""
        dues = [self.resolution_due]
        if self.first_response_at is None:
            dues.append(self.first_response_due)
        return min((due for due in dues if due is not None), default=None)

    def sla_state(self, now: dt.datetime | None = None) -> str:
        """ "breached", "at_risk" or "" for the nearest open deadline."""
        if self.status == Status.CLOSED or self.sla_paused_since:
            return ""
        nearest = self.next_due()
        if nearest is None:
            return ""
        now = now or timezone.now()
        if nearest < now:
            return "breached"
        warning = self.sla_policy.warning_minutes if self.sla_policy else 60
        if (nearest - now).total_seconds() < warning * 60:
            return "at_risk"
        return ""


class StatusChange(models.Model):
    """One change of a contact's status, as the timeline tells it (old is blank when the contact
    was received)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="status_changes")
    old = models.CharField(max_length=20, choices=Status.choices, blank=True)
    new = models.CharField(max_length=20, choices=Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.old} → {self.new}"


class Assignment(models.Model):
    """A contact given to someone: claimed, or taken by whoever recorded it live."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.assignee_id}"


class FollowUpChange(models.Model):
    """A follow-up planned for a day (`due`), or no longer needed (`due` empty): done."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="follow_ups")
    due = models.DateField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.due or 'done'}"


NOTE_MAX_LENGTH = 5000


class Note(models.Model):
    """What a specialist, supervisor or program staff member adds to a contact. Never changed
    or deleted once written: a correction is a new note."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class ReferenceCounterManager(models.Manager["ReferenceCounter"]):
    def next(self, year: int) -> int:
        """The year's next number. The counter row stays locked until the caller's transaction
        ends, so a number is never given twice."""
        (number,) = upsert.increment(ReferenceCounter, year, "last", read=["last"])
        return int(number)


class ReferenceCounter(models.Model):
    """The last reference number given out in a year."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    objects = ReferenceCounterManager()

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Referral(models.Model):
    # Indexed by one_referral_per_service, which starts with it.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="referrals", db_index=False
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="contact_referrals"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referred_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "service"], name="one_referral_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.service_id}"


class SharedResource(models.Model):
    # Indexed by one_share_per_resource, which starts with it.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="shared_resources", db_index=False
    )
    resource = models.ForeignKey(
        "library.Resource", on_delete=models.PROTECT, related_name="contact_shares"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shared_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "resource"], name="one_share_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.resource_id}"


class NotificationKind(models.TextChoices):
    CRISIS = "crisis", _("Crisis contact waiting")
    BREACH = "breach", _("Deadline missed")
    AT_RISK = "at_risk", _("Deadline near")
    MESSAGE = "message", _("New message")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app alert to one staff member; it names a contact by reference only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.contact_id}"


class Duty(models.Model):
    """Which supervisors are on duty: crisis alerts go to them (to every supervisor when none
    is)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty"
    )
    on_duty = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.on_duty}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Scope(models.TextChoices):
    CREATE = "contacts:create", _("Create contacts")
    READ = "contacts:read", _("Read contacts")
    UPDATE = "contacts:update", _("Update contact status")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token of one staff account or integration account. Only its hash is stored; it
    can do what its scopes allow and its account's role permits, never more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(IdempotencyRecord):
    """The first response to a POST with an `Idempotency-Key`, per token
    (hotline.lib.idempotency)."""

    # Indexed by one_response_per_key, which starts with it.
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="one_response_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
