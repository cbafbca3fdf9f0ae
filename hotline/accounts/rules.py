"""The one place that answers "may this user do this to this object".

Every permission is a rule here, checked with `user.has_perm(name, obj)` through the `rules`
backend. Nobody is a superuser, so nothing bypasses these rules. Later apps add their object
rules here too (e.g. a liaison may read a report only if it was sent to their agency).
"""

import datetime as dt
from typing import Protocol

import rules
from django.contrib.auth.models import AnonymousUser

from hotline.accounts.models import Role, User

# The objects these rules look at belong to higher rooms (contacts, cases), which this module
# does not import: the rules name only the fields they read.


class _Worked(Protocol):
    """A contact or a case."""

    @property
    def status(self) -> str: ...


class _Claimable(Protocol):
    @property
    def assigned_to_id(self) -> int | None: ...


class _Reported(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def agency_id(self) -> int | None: ...
    @property
    def acknowledged_at(self) -> dt.datetime | None: ...


def has_role(*roles: Role) -> rules.Predicate:
    names = {str(role) for role in roles}

    @rules.predicate(name=f"has_role({','.join(sorted(names))})")
    def predicate(user: User | AnonymousUser) -> bool:
        return bool(user.is_authenticated and user.is_active and user.role in names)

    return predicate


is_staff_member = has_role(*Role)
is_administrator = has_role(Role.ADMINISTRATOR)

rules.add_perm("site.view_console", is_staff_member)
rules.add_perm("accounts.manage_staff", is_administrator)
rules.add_perm("hotline.use_django_admin", is_administrator)

# What Django admin asks for the models administrators keep there. Administrators manage staff
# and agencies, and may remove a lost authenticator so that its owner enrols again; they read
# the audit log and background task results but cannot change them.
for label in ["accounts.agency", "accounts.user"]:
    app, model = label.split(".")
    for verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"{app}.{verb}_{model}", is_administrator)
for app, model in [("otp_totp", "totpdevice"), ("otp_static", "staticdevice")]:
    for verb in ["view", "delete"]:
        rules.add_perm(f"{app}.{verb}_{model}", is_administrator)
rules.add_perm("audit.view_auditevent", is_administrator)
rules.add_perm("django_tasks_database.view_dbtaskresult", is_administrator)

# Library: curators and administrators keep the resources (console pages; administrators also in
# Django admin, with collections and vocabularies); administrators set the public site's numbers
# and quick-exit address.
is_library_curator = has_role(Role.CURATOR, Role.ADMINISTRATOR)
rules.add_perm("library.manage", is_library_curator)
for model in ["resource", "collection", "publisher", "audience", "topic", "language"]:
    for verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"library.{verb}_{model}", is_library_curator)
rules.add_perm("hotline_site.manage_public_settings", is_administrator)
for verb in ["view", "change"]:
    rules.add_perm(f"hotline_site.{verb}_publicsettings", is_administrator)

# Directory: staff who refer callers search it and flag listings; curators keep it.
is_directory_searcher = has_role(
    Role.SPECIALIST, Role.SUPERVISOR, Role.PROGRAM_STAFF, Role.CURATOR, Role.ADMINISTRATOR
)
is_directory_curator = has_role(Role.CURATOR, Role.ADMINISTRATOR)
rules.add_perm("directory.search", is_directory_searcher)
rules.add_perm("directory.curate", is_directory_curator)

# Contacts: specialists, supervisors and program staff work the queue and may open any contact;
# nobody else sees one (curators, administrators, liaisons: none). A claimed contact is changed
# by its assignee; a supervisor may change or reassign any open one and reopen a closed one.
is_contact_worker = has_role(Role.SPECIALIST, Role.SUPERVISOR, Role.PROGRAM_STAFF)
is_supervisor = has_role(Role.SUPERVISOR)


@rules.predicate
def contact_is_open(user: User | AnonymousUser, contact: _Worked | None) -> bool:
    return contact is not None and contact.status != "closed"


@rules.predicate
def contact_is_unassigned(user: User | AnonymousUser, contact: _Claimable | None) -> bool:
    return contact is not None and contact.assigned_to_id is None


@rules.predicate
def contact_is_theirs(user: User | AnonymousUser, contact: _Claimable | None) -> bool:
    return contact is not None and contact.assigned_to_id == user.pk


rules.add_perm("contacts.work", is_contact_worker)
# The console's search box: whoever works contacts (case workers among them); each result is
# then checked by its own rules.
rules.add_perm("site.search", is_contact_worker)
rules.add_perm("contacts.supervise", is_supervisor)
rules.add_perm("contacts.view_contact", is_contact_worker)
rules.add_perm(
    "contacts.claim_contact",
    (is_contact_worker & contact_is_open & contact_is_unassigned)
    | (is_supervisor & contact_is_open),
)
rules.add_perm(
    "contacts.change_contact",
    (is_contact_worker & contact_is_open & (contact_is_unassigned | contact_is_theirs))
    | is_supervisor,
)
# Anyone who works contacts may add a note to an open one, whoever holds it (a note changes
# nothing else); a supervisor also to a closed one.
rules.add_perm("contacts.add_note", (is_contact_worker & contact_is_open) | is_supervisor)

# Text channels, their automatic replies and the canned replies are administrators' (Django
# admin); a channel is switched off, never deleted (its conversations keep it).
for model in ["channel", "autoreply", "cannedreply"]:
    for verb in ["view", "add", "change", "delete"]:
        if (model, verb) != ("channel", "delete"):
            rules.add_perm(f"channels.{verb}_{model}", is_administrator)

# Service hours and SLA policies are data that administrators keep in Django admin.
for model in ["calendar", "openinghours", "holiday", "slapolicy"]:
    for verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"hours.{verb}_{model}", is_administrator)

# Cases: specialists and supervisors work cases (program staff, curators, administrators and
# liaisons see none). Supervisors approve reports made without consent and read a case's access
# history. A liaison uses the portal and sees a report only if it was sent to their own agency.
is_case_worker = has_role(Role.SPECIALIST, Role.SUPERVISOR)
is_liaison = has_role(Role.LIAISON)


@rules.predicate
def case_is_open(user: User | AnonymousUser, case: _Worked | None) -> bool:
    return case is not None and case.status != "closed"


@rules.predicate
def report_sent_to_their_agency(user: User, report: _Reported | None) -> bool:
    # Only ever asked after is_liaison (rules stops at the first false), so `user` is an account.
    if report is None or user.agency_id is None or report.status != "sent":
        return False
    # The agency recorded when it was sent, not the recipient's link as it is now.
    return report.agency_id == user.agency_id


@rules.predicate
def report_not_acknowledged(user: User | AnonymousUser, report: _Reported | None) -> bool:
    return report is not None and report.acknowledged_at is None


rules.add_perm("cases.work", is_case_worker)
rules.add_perm("cases.supervise", is_supervisor)
rules.add_perm("cases.view_case", is_case_worker)
rules.add_perm("cases.change_case", (is_case_worker & case_is_open) | is_supervisor)
rules.add_perm("cases.view_access_history", is_supervisor)
rules.add_perm("cases.approve_report", is_supervisor)
rules.add_perm("cases.use_portal", is_liaison)
rules.add_perm("cases.view_report", is_case_worker | (is_liaison & report_sent_to_their_agency))
rules.add_perm(
    "cases.acknowledge_report",
    is_liaison & report_sent_to_their_agency & report_not_acknowledged,
)
rules.add_perm("cases.record_outcome", is_liaison & report_sent_to_their_agency)
# The reporting policy and the agencies' directory links are data administrators keep in Django
# admin.
for model in ["reportingpolicy", "agencylink"]:
    for verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"cases.{verb}_{model}", is_administrator)
