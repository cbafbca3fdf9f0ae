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


class Provider(models.TextChoices):
    TWILIO = "twilio", _("Twilio")


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
        _("number"), max_length=200, help_text=_("The number people text, as +15551234567.")
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
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.secret_file) == bool(self.secret_env):
            raise ValidationError(
                _("Name either a file or an environment variable that holds the secret.")
            )
        normalized = lookup.normalize_phone(self.address)
        if self.kind == Kind.SMS and not normalized:
            raise ValidationError({"address": _("Enter the number as +15551234567.")})
        self.address = normalized or self.address

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
    kind, so that two such senders never share the empty hash."""
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
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.MESSAGE)
    # The provider's id (Twilio's MessageSid); an outbound message has none until accepted.
    provider_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    body = models.TextField(blank=True)  # personal data
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


class WebhookKey(IdempotencyRecord):
    """A provider request already taken (its idempotency token, or its message id and status):
    a retry gets the first response and stores nothing new."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="one_webhook_per_key")
        ]
