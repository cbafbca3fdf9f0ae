from hotline.tests.matrix import Row, everyone


def an_unknown_channel(personas: dict) -> dict:
    return {"public_id": "0" * 32}


# Provider webhooks: no session, the provider's signature is the check (test_sms_inbound.py and
# test_sms_status.py sign them); a person signed in or not gets the same answers.
ROWS = [
    Row("channels:sms_inbound", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_inbound", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(404), method="post", kwargs=an_unknown_channel),
]
