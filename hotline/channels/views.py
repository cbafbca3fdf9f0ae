"""The console's texts: a reply, and a referral or resource sent by text, from a contact's page;
and the email reply in an email conversation.
Both go through `outbound.send_text`, whose gate refuses (and audits) what may not be sent; the
page then says why. Nothing is sent from the request: the worker sends it.

The console's calls: the screen pop (the calls coming in, with their callers' history), and an
interpreter's part recorded on a call."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from hotline.accounts.access import AuthenticatedHttpRequest, background, require_perm
from hotline.audit.actions import record
from hotline.channels import actions, attachments, compose, outbound, phone
from hotline.channels.access import get_attachment_of, get_call_for
from hotline.channels.forms import InterpreterForm, ReplyForm, SendForm
from hotline.channels.models import Purpose
from hotline.contacts.access import get_contact_for, get_referral_of, get_share_of
from hotline.contacts.models import Contact


def _back(contact: Contact) -> HttpResponse:
    return redirect(reverse("contacts:detail", args=[contact.pk]) + "#texts")


def _send(
    request: AuthenticatedHttpRequest,
    contact: Contact,
    body: str,
    purpose: str,
    done: str,
    asked_safe: bool = False,
) -> HttpResponse:
    try:
        outbound.send_text(
            contact, body, actor=request.user, purpose=purpose, asked_safe=asked_safe
        )
    except outbound.Refused as refused:
        messages.error(request, _("Not sent: %(reason)s") % {"reason": refused.reason})
    else:
        messages.success(request, done)
    return _back(contact)


@require_perm("contacts.work")
@require_POST
def reply(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    form = ReplyForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    return _send(
        request,
        contact,
        body,
        Purpose.REPLY,
        _("Reply queued: it is sent in a moment; its delivery shows below."),
    )


@require_perm("contacts.work")
@require_POST
def email_reply(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """An email answer in the contact's email conversation, threaded to the person's mail."""
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    form = ReplyForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    try:
        outbound.send_email(contact, body, actor=request.user)
    except outbound.Refused as refused:
        messages.error(request, _("Not sent: %(reason)s") % {"reason": refused.reason})
    else:
        messages.success(
            request, _("Email queued: it is sent in a moment; its delivery shows below.")
        )
    return redirect(reverse("contacts:detail", args=[contact.pk]) + "#emails")


@require_perm("contacts.work")
@require_GET
def attachment(
    request: AuthenticatedHttpRequest, contact_id: int, attachment_id: int
) -> FileResponse:
    """An email attachment, as a download for whoever may see the contact: always
    application/octet-stream and `Content-Disposition: attachment` under a generated name, so
    that no browser opens or renders it here; audited."""
    contact = get_contact_for(request.user, contact_id)
    kept = get_attachment_of(contact, attachment_id)
    record(
        "channels.attachment_download",
        actor=request.user,
        obj=kept,
        detail={"contact": contact.pk, "type": kept.detected_type},
    )
    extension = mimetypes.guess_extension(kept.detected_type) or ".bin"
    return FileResponse(
        attachments.path_of(kept.stored_name).open("rb"),
        as_attachment=True,
        filename=f"attachment-{kept.pk}{extension}",
        content_type="application/octet-stream",
    )


@require_perm("contacts.work")
@require_POST
def send(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """A referral or a resource already given to the contact, sent by text in their language."""
    contact = get_contact_for(request.user, contact_id, "contacts.change_contact")
    form = SendForm(request.POST)
    if not form.is_valid():
        raise BadRequest("Choose one referral or one resource to send.")
    data = form.cleaned_data
    if data["referral"]:
        referral = get_referral_of(contact, data["referral"])
        body, purpose = compose.referral_text(contact, referral), Purpose.REFERRAL
        done = _("Referral queued by text: %(name)s.") % {"name": referral.service.name}
    else:
        shared = get_share_of(contact, data["resource"])
        body, purpose = compose.resource_text(contact, shared), Purpose.RESOURCE
        done = _("Resource queued by text: %(title)s.") % {"title": shared.resource.title}
    return _send(request, contact, body, purpose, done, asked_safe=data["asked_safe"])


@require_perm("contacts.work")
@require_safe
@never_cache
def calls(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The screen pop: who is calling now, and what the hotline knows of their number."""
    return render(request, "channels/calls.html", {"pops": phone.screen_pop(request)})


@background
@require_perm("contacts.work")
@require_safe
@never_cache
def calls_rows(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The screen pop's calls alone, for the page's own refresh script."""
    return render(request, "channels/_screen_pop.html", {"pops": phone.screen_pop(request)})


@require_perm("contacts.work")
@require_POST
def interpreter(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for(request.user, call_id, "contacts.change_contact")
    form = InterpreterForm(request.POST, prefix=f"call{call.pk}")
    back = redirect(reverse("contacts:detail", args=[call.contact_id]) + "#calls")
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request,
                _("Interpreter not recorded: %(field)s: %(error)s")
                % {"field": label, "error": " ".join(str(e) for e in errors)},
            )
        return back
    actions.record_interpreter(
        call, form.cleaned_data["language"], form.cleaned_data["minutes"], actor=request.user
    )
    messages.success(request, _("Interpreter recorded on the call."))
    return back
