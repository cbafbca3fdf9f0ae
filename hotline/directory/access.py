"""Access helpers: how a view gets an organization, a service, an application to join or a flag.
Each returns the object or raises Http404. The views' `require_perm` decides who may open the
page; a user of None stands for the public, who sees listed organizations only."""

from uuid import UUID

from django.http import Http404

from hotline.accounts.access import Viewer
from hotline.directory.models import (
    ApplicationStatus,
    JoinApplication,
    ListingFlag,
    ListingStatus,
    Organization,
    Service,
)


def get_organization_for(user: Viewer | None, organization_id: UUID) -> Organization:
    """Staff who search see every listing; the public sees listed ones only (user None)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    if user is None and organization.listing_status != ListingStatus.LISTED:
        raise Http404
    return organization


def get_service_for(user: Viewer | None, service_id: UUID) -> Service:
    service = Service.objects.select_related("organization").filter(pk=service_id).first()
    if service is None:
        raise Http404
    return service


def get_application_for(user: Viewer | None, application_id: int) -> JoinApplication:
    application = JoinApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


def get_application_to_edit(token: str) -> JoinApplication:
    """The application its applicant reopens with the link the curators sent: only while they
    asked for changes."""
    application = JoinApplication.objects.filter(
        token=token, status=ApplicationStatus.CHANGES_REQUESTED
    ).first()
    if application is None:
        raise Http404
    return application


def get_flag_for(user: Viewer | None, flag_id: int) -> ListingFlag:
    flag = (
        ListingFlag.objects.select_related("service", "organization", "created_by", "resolved_by")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise Http404
    return flag
