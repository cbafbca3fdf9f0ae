from django.urls import path

from hotline.contacts import views

app_name = "contacts"

urlpatterns = [
    path("report-a-tip/", views.tip, name="tip"),
    path("ask-for-help/", views.help_request, name="help"),
    path("console/contacts/", views.queue, name="queue"),
    path("console/contacts/rows/", views.queue_rows, name="queue_rows"),
    path("console/contacts/new/", views.intake, name="intake"),
    path("console/contacts/<int:contact_id>/", views.detail, name="detail"),
    path("console/contacts/<int:contact_id>/edit/", views.edit, name="edit"),
    path("console/contacts/<int:contact_id>/claim/", views.claim, name="claim"),
    path("console/contacts/<int:contact_id>/panel/", views.panel, name="panel"),
    path("console/contacts/<int:contact_id>/refer/", views.refer, name="refer"),
    path(
        "console/contacts/<int:contact_id>/directory/",
        views.directory_search,
        name="directory_search",
    ),
    path("console/contacts/<int:contact_id>/share/", views.share, name="share"),
    path("console/contacts/<int:contact_id>/notes/", views.add_note, name="add_note"),
    path("console/supervisor/", views.supervisor, name="supervisor"),
    path("console/supervisor/duty/", views.duty, name="duty"),
    path("console/notifications/", views.notifications, name="notifications"),
]
