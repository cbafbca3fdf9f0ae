"""One adapter per provider: verify a webhook, read what it says, send, and answer it.

The rest of the channels room speaks only these types; `for_channel(channel)` gives the adapter
that the channel's provider names (texts), `voice_for_channel(channel)` its phone calls'.
Another provider is one more module with the same methods, listed in the functions below.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.http import HttpResponse

if TYPE_CHECKING:
    from hotline.channels.models import Channel


@dataclass(frozen=True)
class Media:
    content_type: str
    url: str


@dataclass(frozen=True)
class Inbound:
    """A message a person sent, as the provider reported it."""

    provider_id: str
    sender: str  # as the provider gave it (E.164 for SMS)
    to: str
    body: str
    media: list[Media] = field(default_factory=list)
    segments: int | None = None


@dataclass(frozen=True)
class StatusReport:
    """The provider's news of a message sent: its id, its status (one of MessageStatus's codes),
    the provider's error code when it failed, and whether that code means an opt-out."""

    provider_id: str
    status: str
    error_code: str = ""
    # The provider refused to send because the person opted out (Twilio's error 21610).
    opted_out: bool = False


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str  # a MessageStatus code: queued, sent, ...


class SendError(Exception):
    """Sending failed. `retry` says whether trying later may work (an outage, a timeout, a rate
    limit) or not (a refused number, an opt-out); `detail` says why in words without personal
    data; `code` is the provider's error code, if it gave one; `opted_out` that the provider
    refused because the person asked to receive no more texts (Twilio's 21610)."""

    def __init__(
        self, detail: str, *, retry: bool, code: str = "", opted_out: bool = False
    ) -> None:
        super().__init__(detail)
        self.detail, self.retry, self.code, self.opted_out = detail, retry, code, opted_out


@dataclass(frozen=True)
class CallEvent:
    """What the phone system says of one call: its id, its status now (one of CallStatus's
    codes), and whatever facts came with it. `at` is when it happened by the provider's clock,
    None when it did not say."""

    provider_id: str
    status: str
    caller: str = ""
    to: str = ""
    at: dt.datetime | None = None
    talk_seconds: int | None = None
    recorded: bool = False


class Verifier(Protocol):
    def verify(
        self, channel: "Channel", url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> bool:
        """Whether the request is the provider's, signed with the channel's secret."""
        ...

    def idempotency_key(self, headers: Mapping[str, str]) -> str:
        """The provider's own retry token, or "" when it sent none."""
        ...


class Adapter(Verifier, Protocol):
    def inbound(self, params: Mapping[str, str]) -> Inbound:
        """Raises ValueError when the request is not a message."""
        ...

    def status(self, params: Mapping[str, str]) -> StatusReport:
        """Raises ValueError when the request is not a status report."""
        ...

    def send(
        self, channel: "Channel", to: str, body: str, *, status_url: str, timeout: dt.timedelta
    ) -> Sent:
        """Hand one message to the provider. Raises SendError."""
        ...

    def reply(self, text: str | None) -> HttpResponse:
        """The webhook's answer: a message back to the sender, or none."""
        ...


class VoiceAdapter(Verifier, Protocol):
    def call_event(self, params: Mapping[str, str]) -> CallEvent:
        """Raises ValueError when the request is not news of a call."""
        ...

    def event_key(self, params: Mapping[str, str]) -> str:
        """What makes a callback one: the call's id and its status, as the provider wrote
        them."""
        ...

    def answer_call(self, channel: "Channel", *, status_url: str, record: bool) -> HttpResponse:
        """The answer to an incoming call: put it through to the channel's call center (with
        its progress reported to `status_url`), or only acknowledge it."""
        ...

    def acknowledge(self) -> HttpResponse:
        """The answer to a status callback."""
        ...


def voice_for_channel(channel: "Channel") -> VoiceAdapter:
    from hotline.channels.providers import twilio

    adapters: dict[str, VoiceAdapter] = {"twilio": twilio.ADAPTER}
    return adapters[channel.provider]


def for_channel(channel: "Channel") -> Adapter:
    from hotline.channels.providers import twilio

    adapters: dict[str, Adapter] = {"twilio": twilio.ADAPTER}
    return adapters[channel.provider]
