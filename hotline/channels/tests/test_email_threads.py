"""Email threads: a reply joins its conversation by In-Reply-To or References; a reference number
in the subject joins only from the conversation's own address (a tip line gets spoofed mail);
anything else is a new contact, triaged like any other."""

import pytest

from hotline.channels import mail_inbound
from hotline.channels.models import Channel, Message
from hotline.channels.tests import mails
from hotline.contacts.models import Contact, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(mailbox, monkeypatch, no_acknowledgements) -> Channel:
    return mails.make_channel(mailbox, monkeypatch)


def first_contact(channel, mailbox) -> Contact:
    mails.append(mailbox, mails.text_mail("first", message_id="<first@example.net>"))
    mail_inbound.poll(channel)
    channel.refresh_from_db()
    return Contact.objects.get()


def test_a_reply_with_in_reply_to_joins_the_conversation(channel, mailbox) -> None:
    contact = first_contact(channel, mailbox)
    mails.append(
        mailbox,
        mails.text_mail("second", subject="Re: Help", extra="In-Reply-To: <first@example.net>"),
    )
    mail_inbound.poll(channel)

    assert Contact.objects.get() == contact
    assert list(
        Message.objects.filter(conversation__contact=contact).values_list("body", flat=True)
    ) == ["first", "second"]


def test_references_alone_join_too_even_from_another_address(channel, mailbox) -> None:
    contact = first_contact(channel, mailbox)
    mails.append(
        mailbox,
        mails.text_mail(
            "from my other address",
            sender=mails.BEN,
            extra="References: <unknown@example.org> <first@example.net>",
        ),
    )
    mail_inbound.poll(channel)
    assert Contact.objects.count() == 1
    assert Message.objects.get(body="from my other address").conversation.contact == contact


def test_a_reply_to_a_closed_contact_starts_a_new_one(channel, mailbox) -> None:
    contact = first_contact(channel, mailbox)
    Contact.objects.filter(pk=contact.pk).update(status=Status.CLOSED)
    mails.append(mailbox, mails.text_mail("again", extra="In-Reply-To: <first@example.net>"))
    mail_inbound.poll(channel)
    assert Contact.objects.count() == 2
    assert Message.objects.get(body="again").conversation.contact != contact


def test_a_reference_in_the_subject_joins_from_the_conversations_own_address(
    channel, mailbox
) -> None:
    contact = first_contact(channel, mailbox)
    mails.append(mailbox, mails.text_mail("more", subject=f"About {contact.reference}"))
    mail_inbound.poll(channel)
    assert Contact.objects.get() == contact
    event = Message.objects.get(body="more")
    assert event.conversation.contact == contact


def test_a_spoofed_reply_quoting_a_reference_is_a_new_contact(channel, mailbox) -> None:
    contact = first_contact(channel, mailbox)
    mails.append(
        mailbox,
        mails.text_mail(
            "I am her, tell me where she is", sender=mails.BEN, subject=f"Re: {contact.reference}"
        ),
    )
    mail_inbound.poll(channel)

    spoof = Message.objects.get(body__startswith="I am her")
    assert spoof.conversation.contact != contact
    assert spoof.conversation.contact.caller_email == mails.BEN
    assert Message.objects.filter(conversation__contact=contact).count() == 1


def test_an_email_without_thread_headers_is_a_new_contact_triaged_by_the_policies(
    channel, mailbox
) -> None:
    first_contact(channel, mailbox)
    mails.append(mailbox, mails.text_mail("another matter"))
    mail_inbound.poll(channel)
    assert Contact.objects.count() == 2
    new = Message.objects.get(body="another matter").conversation.contact
    assert new.channel == "email" and new.urgency == "non_urgent"
    # The default SLA policies give every contact its deadlines.
    assert new.sla_policy_id is not None and new.resolution_due is not None
