"""Access helpers: how a view gets a contact. Each returns the object or raises Http404 (the user
may not know it exists) or PermissionDenied (they may see it but not do this to it)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from hotline.accounts.access import Viewer
from hotline.contacts.models import Contact, Referral, SharedResource


def get_contact_for(user: Viewer, contact_id: int, perm: str = "contacts.view_contact") -> Contact:
    """The contact if `user` may see it (404 otherwise) and holds `perm` on it (403)."""
    contact = (
        Contact.objects.visible_to(user)
        .select_related("assigned_to", "sla_policy")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None or not user.has_perm("contacts.view_contact", contact):
        raise Http404
    if not user.has_perm(perm, contact):
        raise PermissionDenied
    return contact


def get_submitted_contact(token_hash: str) -> Contact | None:
    """The contact that a public form carrying this token already created, if any: a double
    submit is shown the first one's receipt (its reference only), not a second contact."""
    return Contact.objects.filter(form_token_hash=token_hash).first()


def get_referral_of(contact: Contact, referral_id: int) -> Referral:
    """One of the contact's referrals (the caller checked the contact), or Http404."""
    referral = (
        contact.referrals.select_related("service__organization").filter(pk=referral_id).first()
    )
    if referral is None:
        raise Http404
    return referral


def get_share_of(contact: Contact, share_id: int) -> SharedResource:
    """One of the resources shared with the contact (the caller checked the contact), or 404."""
    shared = contact.shared_resources.select_related("resource").filter(pk=share_id).first()
    if shared is None:
        raise Http404
    return shared
