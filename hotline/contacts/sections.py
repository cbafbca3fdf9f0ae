"""Parts of a contact's page, and of the supervisor's view, that higher rooms add: channels adds
the text conversation and the phone calls to the one, the abandoned calls to the other. The
contacts room may not import them, so a room registers a provider here (from its
AppConfig.ready), as the timeline's and the caller history's sources do.

A provider gets the request and the contact (which the view has already checked the user may
see) and returns a Section, or None when it has nothing for this contact or this user. It
decides itself what the user may see and do, audits what it shows, and makes a constant number
of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hotline.accounts.access import AuthenticatedHttpRequest
from hotline.contacts.models import Contact


@dataclass(frozen=True)
class Section:
    template: str  # included by the contact's page, with `section` bound to `context`
    context: dict[str, Any]


Provider = Callable[[AuthenticatedHttpRequest, Contact], Section | None]
PROVIDERS: list[Provider] = []
# The supervisor's view: a provider gets the request of a user who may supervise.
SupervisorProvider = Callable[[AuthenticatedHttpRequest], Section | None]
SUPERVISOR_PROVIDERS: list[SupervisorProvider] = []


def register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def register_supervisor(provider: SupervisorProvider) -> None:
    if provider not in SUPERVISOR_PROVIDERS:
        SUPERVISOR_PROVIDERS.append(provider)


def sections(request: AuthenticatedHttpRequest, contact: Contact) -> list[Section]:
    return [s for provider in PROVIDERS if (s := provider(request, contact)) is not None]


def supervisor_sections(request: AuthenticatedHttpRequest) -> list[Section]:
    return [s for provider in SUPERVISOR_PROVIDERS if (s := provider(request)) is not None]
