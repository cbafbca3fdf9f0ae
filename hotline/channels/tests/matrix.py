from hotline.contacts.tests.matrix import WORKERS, a_contact
from hotline.tests.matrix import Row, everyone, only


def an_unknown_channel(personas: dict) -> dict:
    return {"public_id": "0" * 32}


# Provider webhooks: no session, the provider's signature is the check (test_sms_inbound.py and
# test_sms_status.py sign them); a person signed in or not gets the same answers.
ROWS = [
    Row("channels:sms_inbound", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_inbound", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(404), method="post", kwargs=an_unknown_channel),
    # The console's texts: whoever works contacts and may change this one (an open, unassigned
    # contact). With no text channel the gate refuses, and the page says why (a redirect).
    Row(
        "texts:reply",
        only(WORKERS, 302),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"body": "Matrix reply (fictional)"},
    ),
    Row("texts:reply", only(WORKERS, 405), kwargs=a_contact),
    # No such referral of this contact: 404 once the contact is allowed.
    Row(
        "texts:send",
        only(WORKERS, 404),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"referral": "999999"},
    ),
    Row("texts:send", only(WORKERS, 405), kwargs=a_contact),
]
