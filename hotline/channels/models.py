"""Channels as data, and the messages that come and go through them.

A channel is one way in (a text number, later a mailbox or a phone line): its kind, its provider,
its number or address, the name of the file or environment variable that holds its secret (never
the secret itself), and a random id of its own that names it in its webhook addresses, so that
the credentials to verify a request are known from the URL before its body is read.

A text thread is a Conversation: one number writing to one channel, handed to the contacts room
as one contact (signal) in the queue. Every message in or out is a Message; a number's opt-out
(STOP) lives on its Correspondent row, which is also what serialises two texts from one number
arriving at once.
"""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.contacts.models import Contact, Urgency
from hotline.lib import lookup
from hotline.lib.cache import Shared
from hotline.lib.idempotency import IdempotencyRecord


class Kind(models.TextChoices):
    SMS = "sms", _("Text messages (SMS)")
    EMAIL = "email", _("Email")
    VOICE = "voice", _("Phone calls")


class Provider(models.TextChoices):
    TWILIO = "twilio", _("Twilio")
    # A phone system that posts its calls' facts to the API (POST /api/calls/) with a bearer
    # token: no webhook, no secret of its own.
    API = "api", _("Another phone system, through the API")
    MAILBOX = "mailbox", _("Mailbox (IMAP in, SMTP out)")


class MailSecurity(models.TextChoices):
    TLS = "tls", _("TLS (usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    NONE = "none", _("None (a server on this machine only)")


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def new_public_id() -> str:
    return secrets.token_hex(16)


def default_keywords() -> dict[str, list[str]]:
    return {"en": ["HELP", "INFO"], "es": ["AYUDA", "INFO"]}


class ChannelQuerySet(models.QuerySet["Channel"]):
    def active(self) -> "ChannelQuerySet":
        return self.filter(active=True)


class Channel(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SMS)
    provider = models.CharField(
        _("provider"), max_length=20, choices=Provider.choices, default=Provider.TWILIO
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(
        _("number"),
        max_length=200,
        help_text=_("The number people text or call, as +15551234567."),
    )
    account = models.CharField(
        _("account id"),
        max_length=100,
        blank=True,
        help_text=_("The provider's account id (for Twilio, the Account SID, AC…)."),
    )
    secret_file = models.CharField(
        _("file holding the secret"),
        max_length=300,
        blank=True,
        help_text=_("Path of a file that holds the auth token (read when needed, never copied)."),
    )
    secret_env = models.CharField(
        _("environment variable holding the secret"),
        max_length=100,
        blank=True,
        help_text=_("Name of an environment variable that holds the auth token."),
    )
    api_base = models.URLField(
        _("provider API address"),
        blank=True,
        help_text=_("Leave empty for the provider's own; a test server or a compatible gateway."),
    )
    active = models.BooleanField(_("active"), default=True)
    # Texts are answered 24/7 like calls: a new conversation starts as this urgency, and the SLA
    # policies (which may match on channel) give its deadlines and first status.
    urgency = models.CharField(
        _("new conversations start as"),
        max_length=10,
        choices=Urgency.choices,
        default=Urgency.URGENT,
    )
    conversation_days = models.PositiveSmallIntegerField(
        _("days a conversation stays open"),
        default=3,
        help_text=_("A text within this many days of the last one joins the same contact."),
    )
    keywords = models.JSONField(
        _("information keywords"),
        default=default_keywords,
        blank=True,
        help_text=_("Per language, the single words that get the automatic information reply."),
    )
    # An email channel's mailbox (IMAP); the password is the channel's secret.
    mail_host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    mail_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True)
    mail_security = models.CharField(
        _("IMAP connection security"),
        max_length=10,
        choices=MailSecurity.choices,
        default=MailSecurity.TLS,
        blank=True,
    )
    mail_user = models.CharField(_("IMAP user name"), max_length=200, blank=True)
    mail_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX", blank=True)
    # What the worker has taken: the folder's UIDVALIDITY and the highest UID taken under it.
    mail_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    mail_last_uid = models.BigIntegerField(default=0, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last poll's failure in words (no personal data), "" after a poll that worked.
    mail_error = models.CharField(_("last mailbox error"), max_length=200, blank=True)
    # A phone line's calls go to the call center's number (TwiML <Dial>); empty: Hotline only
    # records the calls, which the phone system routes itself.
    forward_to = models.CharField(
        _("forward calls to"),
        max_length=30,
        blank=True,
        help_text=_("Phone lines: the call center's number that takes the calls, as +15551234567."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.provider == Provider.API:
            # Its requests carry an API token: the channel has no secret of its own.
            if self.kind != Kind.VOICE:
                raise ValidationError(
                    {"provider": _("Only a phone line can post its calls through the API.")}
                )
            if self.secret_file or self.secret_env:
                raise ValidationError(
                    _(
                        "A phone system that uses the API authenticates with an API token: leave "
                        "the secret's file and environment variable empty."
                    )
                )
        elif bool(self.secret_file) == bool(self.secret_env):
            raise ValidationError(
                _("Name either a file or an environment variable that holds the secret.")
            )
        if self.kind == Kind.EMAIL:
            self._clean_mailbox()
            return
        normalized = lookup.normalize_phone(self.address)
        if self.kind in (Kind.SMS, Kind.VOICE) and not normalized:
            raise ValidationError({"address": _("Enter the number as +15551234567.")})
        self.address = normalized or self.address
        if self.forward_to:
            if self.kind != Kind.VOICE:
                raise ValidationError({"forward_to": _("Only a phone line forwards calls.")})
            forward = lookup.normalize_phone(self.forward_to)
            if not forward.startswith("+"):
                raise ValidationError({"forward_to": _("Enter the number as +15551234567.")})
            self.forward_to = forward

    def _clean_mailbox(self) -> None:
        from django.core.validators import validate_email

        errors: dict[str, Any] = {}
        self.address = lookup.normalize_email(self.address)
        self.mail_security = self.mail_security or MailSecurity.TLS
        self.mail_folder = self.mail_folder.strip() or "INBOX"
        try:
            validate_email(self.address)
        except ValidationError:
            errors["address"] = _("Enter the address people write to, as help@example.org.")
        if self.provider != Provider.MAILBOX:
            errors["provider"] = _("An email channel reads a mailbox.")
        if not self.mail_host:
            errors["mail_host"] = _("Enter the IMAP server's host name.")
        if not self.mail_user:
            errors["mail_user"] = _("Enter the IMAP user name.")
        if self.mail_security == MailSecurity.NONE and self.mail_host not in LOOPBACK:
            errors["mail_security"] = _(
                "Without TLS the password would cross the network in the clear: only a server "
                "on this machine (127.0.0.1) may be read without it."
            )
        if errors:
            raise ValidationError(errors)
        if self.mail_port is None:
            self.mail_port = 993 if self.mail_security == MailSecurity.TLS else 143

    def secret(self) -> str:
        """The provider secret, read now from where the row says; never stored in the row."""
        import os

        if self.secret_file:
            try:
                value = Path(self.secret_file).read_text().strip()
            except OSError as error:
                raise ImproperlyConfigured(
                    f"Channel {self.pk}: the secret file cannot be read ({error.strerror})."
                ) from None
        else:
            value = os.environ.get(self.secret_env, "").strip()
        if not value:
            raise ImproperlyConfigured(f"Channel {self.pk}: its secret is empty or missing.")
        return value

    def webhook_path(self, hook: str) -> str:
        from django.urls import reverse

        return reverse(f"channels:{self.kind}_{hook}", args=[self.public_id])

    def webhook_url(self, hook: str) -> str:
        """The address the provider calls, as it must be pasted into its console."""
        return settings.SITE_URL.rstrip("/") + self.webhook_path(hook)


def _read_active() -> dict[tuple[str, str], Channel]:
    return {(channel.kind, channel.public_id): channel for channel in Channel.objects.active()}


# Every webhook names its channel, and channels change a few times a year: each process keeps the
# active ones until a Channel row changes, in whichever process (lib/cache.py). Shared by the
# process's requests: read them, never change them (a change goes through a row of its own).
ACTIVE = Shared("channels.active", _read_active, depends_on=[Channel])


def active_channel(kind: str, public_id: str) -> Channel | None:
    """The active channel of this kind with this public id, if there is one."""
    return ACTIVE.get().get((kind, public_id))


class AutoReply(models.Model):
    """The automatic answer to an information keyword (HELP, INFO, AYUDA), per language. What
    carriers require: the program's name, how to stop, that rates may apply, the number."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="auto_replies")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("text"), max_length=1600)

    class Meta:
        verbose_name = _("automatic reply")
        verbose_name_plural = _("automatic replies")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "language"], name="one_auto_reply_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} ({self.language})"


class CannedReply(models.Model):
    """A ready answer a specialist picks when replying, per language (administrators keep them)."""

    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("text"), max_length=1600)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "title"]

    def __str__(self) -> str:
        return self.title


class Correspondent(models.Model):
    """One number that has written to one channel: its opt-out, and the row that serialises its
    messages (select_for_update), so that two texts at once join one conversation."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200)  # the E.164 number: personal data
    address_hash = models.CharField(max_length=64, editable=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address_hash"], name="one_correspondent_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"correspondent {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address_hash = address_hash(self.address)
        super().save(*args, **kwargs)


def address_hash(address: str) -> str:
    """A correspondent's keyed hash: the phone number's (the same one the console searches
    with), or, for a sender that is no number (an alphanumeric sender id), a hash of its own
    kind, so that two such senders never share the empty hash; an email address's is the one
    the console searches with."""
    if "@" in address:
        return lookup.email_hash(address)
    return lookup.phone_hash(address) or lookup.lookup_hash("address", address.strip())


class Conversation(models.Model):
    """A text thread: one correspondent's messages on one channel, as one contact."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="conversations")
    correspondent = models.ForeignKey(
        Correspondent, on_delete=models.PROTECT, related_name="conversations"
    )
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="conversation")
    started_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["correspondent", "-last_message_at"], name="conversation_latest")
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class Purpose(models.TextChoices):
    """Why an outbound message was sent (inbound ones are `message`)."""

    MESSAGE = "message", _("Message")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    REPLY = "reply", _("Reply")
    REFERRAL = "referral", _("Referral")
    RESOURCE = "resource", _("Resource")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PENDING = "pending", _("Not sent yet")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")


# A status callback moves a message forward only: "sent" arriving after "delivered" changes
# nothing (providers do not promise their callbacks' order).
STATUS_RANK = {
    MessageStatus.RECEIVED: 0,
    MessageStatus.PENDING: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
}


class Message(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.MESSAGE)
    # The provider's id (Twilio's MessageSid; an email's Message-ID, without its brackets); an
    # outbound text has none until accepted, an outbound email has its own from the start.
    provider_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    subject = models.CharField(max_length=300, blank=True)  # an email's: personal data
    body = models.TextField(blank=True)  # personal data
    # An email's In-Reply-To and References (inbound), or those it was sent with (outbound).
    references = models.JSONField(default=list, blank=True)
    # Sent by a program, not a person (an auto-reply, a list): never answered automatically.
    automatic = models.BooleanField(default=False)
    # [{"type": "image/jpeg", "url": "https://api.twilio.com/..."}]: recorded, not fetched.
    media = models.JSONField(default=list, blank=True)
    segments = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=MessageStatus.choices)
    error_code = models.CharField(max_length=20, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_at = models.DateTimeField(default=timezone.now)
    # Outbound delivery by the worker: attempts so far, when to try next (None: not waiting),
    # the last failure in words (no personal data).
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"],
                condition=models.Q(provider_id__isnull=False),
                name="one_message_per_provider_id",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(next_attempt_at__isnull=False),
                name="message_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"


class AttachmentState(models.TextChoices):
    STORED = "stored", _("Kept")
    TOO_LARGE = "too_large", _("Not kept: larger than one file may be")
    MESSAGE_FULL = "message_full", _("Not kept: the message's attachments are too large together")
    EMPTY = "empty", _("Not kept: empty")


class Attachment(models.Model):
    """A file that came with an email. Kept (when within the limits) under a generated name in
    settings.EMAIL_ATTACHMENT_DIR, never under the sender's file name, which is kept only as
    text to show; its type is what its content is, whatever the sender declared. Staff download
    it; the server never opens, renders or previews it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    filename = models.CharField(max_length=200, blank=True)  # the sender's: personal data
    declared_type = models.CharField(max_length=100, blank=True)
    detected_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=20, choices=AttachmentState.choices)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"attachment {self.pk}"


class WebhookKey(IdempotencyRecord):
    """A provider request already taken (its idempotency token, or its message id and status):
    a retry gets the first response and stores nothing new."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="one_webhook_per_key")
        ]


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in_progress", _("Answered, in progress")
    COMPLETED = "completed", _("Answered, ended")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("Not answered")
    CANCELED = "canceled", _("Caller hung up before an answer")
    FAILED = "failed", _("Failed")


# A call moves forward only: "ringing" arriving after "completed" changes nothing (the
# provider does not promise its callbacks' order); every ending is final.
CALL_RANK = {
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    CallStatus.COMPLETED: 3,
    CallStatus.BUSY: 3,
    CallStatus.NO_ANSWER: 3,
    CallStatus.CANCELED: 3,
    CallStatus.FAILED: 3,
}
LIVE_CALL = [CallStatus.RINGING, CallStatus.IN_PROGRESS]
# Ended without anyone answering: the supervisor's abandoned calls.
UNANSWERED_CALL = [
    CallStatus.BUSY,
    CallStatus.NO_ANSWER,
    CallStatus.CANCELED,
    CallStatus.FAILED,
]


class CallQuerySet(models.QuerySet["Call"]):
    def live(self) -> "CallQuerySet":
        return self.filter(status__in=LIVE_CALL)

    def abandoned(self) -> "CallQuerySet":
        """Ended unanswered (busy, no answer, the caller hung up first, failed)."""
        return self.filter(status__in=UNANSWERED_CALL)


class Call(models.Model):
    """One phone call to a voice channel, as the phone system reported it, and the contact it
    is. Times are the provider's when it gives them (its callbacks may come in any order)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="phone_calls")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phone_calls")
    provider_id = models.CharField(max_length=64)  # Twilio's CallSid
    caller = models.CharField(max_length=30, blank=True)  # the E.164 number: personal data
    caller_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices)
    started_at = models.DateTimeField(_("rang at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ring_seconds = models.PositiveIntegerField(_("ring time (seconds)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk time (seconds)"), null=True, blank=True)
    # Whether the provider says a recording exists (recording is off unless the deployment
    # turns it on: HOTLINE_CALL_RECORDING); the recording itself stays at the provider.
    recorded = models.BooleanField(_("recording exists"), default=False)
    interpreter_language = models.CharField(_("interpreter's language"), max_length=10, blank=True)
    interpreter_minutes = models.PositiveSmallIntegerField(
        _("interpreter minutes"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_id"], name="one_call_per_sid")
        ]
        indexes = [models.Index(fields=["status", "-started_at"], name="call_status")]

    def __str__(self) -> str:
        return f"call {self.pk}"

    LOOKUP_HASHES = {"caller": "caller_hash"}

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.caller_hash = lookup.phone_hash(self.caller)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = lookup.with_hash_fields(
                kwargs["update_fields"], self.LOOKUP_HASHES
            )
        super().save(*args, **kwargs)

    @property
    def answered(self) -> bool:
        return self.answered_at is not None or self.status in (
            CallStatus.IN_PROGRESS,
            CallStatus.COMPLETED,
        )
