from hotline.tests.matrix import Row, everyone, only

WORKERS = {"specialist", "supervisor", "program_staff"}


def a_contact(personas: dict) -> dict:
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact

    contact = receive(Contact(channel="phone", narrative="Matrix contact (fictional)"))
    return {"contact_id": contact.pk}


def a_service(personas: dict) -> dict:
    from hotline.directory.models import Organization, Service

    org = Organization.objects.create(name="Matrix Org (fictional)", description="d")
    service = Service.objects.create(organization=org, name="Matrix service", status="active")
    return {"service_id": str(service.pk)}


ROWS = [
    Row("contacts:tip", everyone(200)),
    Row("contacts:tip", everyone(400), method="post"),
    Row("contacts:help", everyone(200)),
    Row("contacts:help", everyone(400), method="post"),
    Row("contacts:queue", only(WORKERS)),
    # A background view: a signed-out script is told to send the page to sign-in (401).
    Row("contacts:queue_rows", {**only(WORKERS), "anonymous": 401}),
    Row("contacts:intake", only(WORKERS)),
    Row("contacts:detail", only(WORKERS), kwargs=a_contact),
    Row("contacts:edit", only(WORKERS), kwargs=a_contact),
    Row("contacts:claim", only(WORKERS, 302), method="post", kwargs=a_contact),
    Row("contacts:claim", only(WORKERS, 405), kwargs=a_contact),
    Row("contacts:panel", only(WORKERS), method="post", kwargs=a_contact),
    Row("contacts:refer", only(WORKERS, 302), method="post", kwargs=a_contact, data=a_service),
    Row("contacts:directory_search", only(WORKERS), kwargs=a_contact),
    Row("contacts:directory_search", only(WORKERS), method="post", kwargs=a_contact),
    Row(
        "contacts:share",
        only(WORKERS, 404),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"resource_id": "999999"},
    ),
    Row(
        "contacts:add_note",
        only(WORKERS, 302),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"text": "Matrix note (fictional)"},
    ),
    Row("contacts:add_note", only(WORKERS, 405), kwargs=a_contact),
    Row("contacts:supervisor", only({"supervisor"})),
    Row("contacts:duty", only({"supervisor"}, 302), method="post"),
    Row("contacts:notifications", only(WORKERS)),
    # The intake API authenticates with bearer tokens only: a signed-in session is not enough.
    Row("api:contacts-create", everyone(401), method="post"),
    Row("api:contacts-list", everyone(401)),
    Row("api:contacts-detail", everyone(401), kwargs=lambda p: {"contact_id": 1}),
    Row("api:contacts-status", everyone(401), kwargs=lambda p: {"contact_id": 1}),
]
