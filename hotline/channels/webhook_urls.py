"""The providers' webhook addresses, outside the language prefix: a provider calls one fixed
address per channel, named by the channel's random public id."""

from django.urls import path

from hotline.channels import webhooks

app_name = "channels"
urlpatterns = [
    path("<slug:public_id>/sms/inbound", webhooks.sms_inbound, name="sms_inbound"),
    path("<slug:public_id>/sms/status", webhooks.sms_status, name="sms_status"),
    path("<slug:public_id>/voice/inbound", webhooks.voice_inbound, name="voice_inbound"),
    path("<slug:public_id>/voice/status", webhooks.voice_status, name="voice_status"),
]
