"""The console's text and email pages (inside the language prefix); the providers' webhooks are in
webhook_urls.py."""

from django.urls import path

from hotline.channels import views

app_name = "texts"
urlpatterns = [
    path("console/contacts/<int:contact_id>/texts/reply/", views.reply, name="reply"),
    path("console/contacts/<int:contact_id>/texts/send/", views.send, name="send"),
    path("console/contacts/<int:contact_id>/emails/reply/", views.email_reply, name="email_reply"),
    path(
        "console/contacts/<int:contact_id>/emails/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
