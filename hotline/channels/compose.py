"""What a referral or a resource says by text, in the person's language: a referral's service
and organization, its phones and the street address of a location that is not confidential; a
resource's title and its address on the public site."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.contacts.models import Contact, Referral, SharedResource
from hotline.directory.details import service_card


def referral_text(contact: Contact, referral: Referral) -> str:
    service = referral.service
    card = service_card(service)
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        lines = [_("From %(hotline)s:") % {"hotline": settings.HOTLINE_NAME}]
        lines.append(f"{service.name} — {service.organization.name}")
        if card.phones:
            lines.append(_("Phone: %(phones)s") % {"phones": ", ".join(card.phones[:2])})
        if card.address:
            lines.append(_("Address: %(address)s") % {"address": card.address})
    return "\n".join(lines)


def resource_text(contact: Contact, shared: SharedResource) -> str:
    resource = shared.resource
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        # The public page's address in the person's language (/es/… for Spanish).
        link = settings.SITE_URL.rstrip("/") + resource.get_absolute_url()
        return "\n".join(
            [_("From %(hotline)s:") % {"hotline": settings.HOTLINE_NAME}, resource.title, link]
        )
