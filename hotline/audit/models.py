import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.lib import upsert

GENESIS_HASH = "0" * 64


def keyed_hash(message: bytes) -> str:
    return hmac.new(settings.AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing somebody did or saw. Holds ids and action codes, never the sensitive text.

    Each event's hash covers the previous event's hash and its own canonical form, keyed, so that
    editing, deleting or reordering any event breaks the chain (`manage.py verify_audit`), and
    checkpoints kept outside the database reveal a chain cut short (audit/checkpoints.py).
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")

    def canonical(self) -> bytes:
        return json.dumps(
            {
                "seq": self.seq,
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "request_id": self.request_id,
                "detail": self.detail,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        ).encode()

    def compute_hash(self) -> str:
        """HMAC-SHA-256 with the audit key (settings.AUDIT_KEY, never in the database) over the
        previous hash and this event: without the key nobody can recompute the chain."""
        return keyed_hash(self.prev_hash.encode() + self.canonical())


class ChainHeadManager(models.Manager["ChainHead"]):
    def advance(self) -> tuple[int, str]:
        """The next event's number and the newest event's hash. The head row stays locked until
        the caller's transaction ends: writers queue here, so the chain never forks."""
        seq, head_hash = upsert.increment(
            ChainHead, 1, "seq", read=["seq", "hash"], hash=GENESIS_HASH
        )
        return int(seq), str(head_hash)


class ChainHead(models.Model):
    """The single row that holds the newest event's number and hash. Writers lock it, so the
    chain never forks; it also reveals a deleted newest event."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = ChainHeadManager()

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
