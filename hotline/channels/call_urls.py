"""The console's call pages (inside the language prefix); the phone system's webhooks are in
webhook_urls.py."""

from django.urls import path

from hotline.channels import views

app_name = "calls"
urlpatterns = [
    path("console/calls/", views.calls, name="screen_pop"),
    path("console/calls/rows/", views.calls_rows, name="screen_pop_rows"),
    path("console/calls/<int:call_id>/interpreter/", views.interpreter, name="interpreter"),
]
