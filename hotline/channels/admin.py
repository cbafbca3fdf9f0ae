"""Django admin for administrators: text and email channels (with their automatic replies), phone
lines, and canned replies. A channel's secret is never here: the row names the file or the
environment variable that holds it. A text channel's webhook addresses are shown to paste into
the provider's console; an email channel's mailbox, its last error and how far it was read. Every
change writes an audit event (AuditedAdmin)."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hotline.audit.admin import AuditedAdmin
from hotline.channels.models import AutoReply, CannedReply, Channel, Kind
from hotline.lib.forms import https_by_default


def _keyword_field(code: str) -> str:
    return f"keywords_{code}"


class _ChannelForm(forms.ModelForm[Channel]):
    """The information keywords as one field per language ("HELP, INFO"), not JSON; the fields
    are declared per language by ChannelForm below (Django admin needs them on the class)."""

    class Meta:
        model = Channel
        formfield_callback = https_by_default
        fields = [
            "name",
            "kind",
            "provider",
            "address",
            "active",
            "account",
            "secret_file",
            "secret_env",
            "api_base",
            "urgency",
            "conversation_days",
            "forward_to",
            "mail_host",
            "mail_port",
            "mail_security",
            "mail_user",
            "mail_folder",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        listed = self.instance.keywords if isinstance(self.instance.keywords, dict) else {}
        for code, _name in settings.LANGUAGES:
            self.initial[_keyword_field(code)] = ", ".join(listed.get(code, []))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        keywords: dict[str, list[str]] = {}
        for code, _name in settings.LANGUAGES:
            words = [w.strip().upper() for w in data.get(_keyword_field(code), "").split(",")]
            words = [w for w in words if w]
            if any(char.isspace() for word in words for char in word):
                self.add_error(_keyword_field(code), _("Each keyword is one word."))
            if words:
                keywords[code] = words
        self.instance.keywords = keywords
        return data


ChannelForm = type(
    "ChannelForm",
    (_ChannelForm,),
    {
        _keyword_field(code): forms.CharField(
            label=format_lazy("{} ({})", _("Information keywords"), name),
            required=False,
            help_text=_("Single words, separated by commas, such as HELP, INFO."),
        )
        for code, name in settings.LANGUAGES
    },
)


class AutoReplyInline(admin.StackedInline[AutoReply, Channel]):
    model = AutoReply
    extra = 0


@admin.register(Channel)
class ChannelAdmin(AuditedAdmin[Channel]):
    form = ChannelForm
    inlines = [AutoReplyInline]
    list_display = ["name", "kind", "provider", "address", "active"]
    list_filter = ["kind", "provider", "active"]
    readonly_fields = ["inbound_url", "status_url", "mail_error", "mail_taken"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "provider", "address", "active"]}),
        (
            _("Provider account"),
            {
                "fields": ["account", "secret_file", "secret_env", "api_base"],
                "description": _(
                    "The secret (for Twilio, the auth token) stays in a file or an environment "
                    "variable on the server: name one of them, never paste the secret here."
                ),
            },
        ),
        (
            _("Webhook addresses"),
            {
                "fields": ["inbound_url", "status_url"],
                "description": _(
                    "Paste the first into the provider's console as the address for incoming "
                    "messages (a text line) or for a call that comes in (a phone line). The "
                    "second is sent with every text, for its delivery status; a phone line that "
                    "forwards nowhere takes it as the number's call status callback."
                ),
            },
        ),
        (
            _("Mailbox (email channels)"),
            {
                "fields": [
                    "mail_host",
                    "mail_port",
                    "mail_security",
                    "mail_user",
                    "mail_folder",
                    "mail_error",
                    "mail_taken",
                ],
                "description": _(
                    "The mailbox the worker reads over IMAP; the password is the secret above "
                    "(a file or an environment variable). Replies go out through the server's "
                    "outgoing mail settings, from the channel's address."
                ),
            },
        ),
        (_("Conversations"), {"fields": ["urgency", "conversation_days"]}),
        (_("Phone calls"), {"fields": ["forward_to"]}),
    ]

    def get_fieldsets(self, request: Any, obj: Channel | None = None) -> Any:
        keyword_fields = [_keyword_field(code) for code, _name in settings.LANGUAGES]
        fieldsets = [*self.fieldsets, (_("Keywords"), {"fields": keyword_fields})]
        if obj is None:  # a new channel has no addresses until it is saved
            return [f for f in fieldsets if f[0] != _("Webhook addresses")]
        if obj.kind == Kind.EMAIL:  # read by the worker: no webhooks, no keywords
            hidden = (_("Webhook addresses"), _("Keywords"), _("Phone calls"))
            return [f for f in fieldsets if f[0] not in hidden]
        return [f for f in fieldsets if f[0] != _("Mailbox (email channels)")]

    @admin.display(description=_("messages taken"))
    def mail_taken(self, obj: Channel) -> str:
        if obj.mail_uidvalidity is None:
            return str(_("None yet: the mailbox has not been read."))
        return str(
            _("Up to UID %(uid)s of the folder (UIDVALIDITY %(validity)s).")
            % {"uid": obj.mail_last_uid, "validity": obj.mail_uidvalidity}
        )

    @admin.display(description=_("incoming messages or calls"))
    def inbound_url(self, obj: Channel) -> SafeString:
        return format_html("<code>{}</code>", obj.webhook_url("inbound"))

    @admin.display(description=_("status callbacks"))
    def status_url(self, obj: Channel) -> SafeString:
        return format_html("<code>{}</code>", obj.webhook_url("status"))


@admin.register(CannedReply)
class CannedReplyAdmin(AuditedAdmin[CannedReply]):
    list_display = ["title", "language", "active"]
    list_filter = ["language", "active"]
    search_fields = ["title", "text"]
