from django.urls import path

from hotline.directory import views

app_name = "directory"

urlpatterns = [
    # Public
    path("", views.public_search, name="public_search"),
    path("listing/<uuid:organization_id>/", views.public_listing, name="public_listing"),
    path("join/", views.join, name="join"),
    path("join/<str:token>/", views.join_edit, name="join_edit"),
    # Staff
    path("staff/search/", views.search_view, name="search"),
    path("staff/listing/<uuid:organization_id>/", views.listing, name="listing"),
    path("staff/listing/<uuid:organization_id>/edit/", views.listing_edit, name="listing_edit"),
    path("staff/service/<uuid:service_id>/flag/", views.flag, name="flag"),
    path("staff/queue/", views.queue, name="queue"),
    path("staff/application/<int:application_id>/", views.application, name="application"),
    path("staff/flag/<int:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("staff/listing/<uuid:organization_id>/verify/", views.verify, name="verify"),
    path(
        "staff/listing/<uuid:organization_id>/status/", views.listing_status, name="listing_status"
    ),
    path("staff/import/", views.import_view, name="import"),
    path("staff/export/", views.export_view, name="export"),
]
