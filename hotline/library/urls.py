from django.urls import path

from hotline.library import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("r/<slug:slug>/", views.resource, name="resource"),
    path("r/<slug:slug>/file", views.resource_file, name="file"),
    path("collections/<slug:slug>/", views.collection, name="collection"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.manage_new, name="manage_new"),
    path("manage/<int:resource_id>/", views.manage_edit, name="manage_edit"),
    path("manage/<int:resource_id>/delete", views.manage_delete, name="manage_delete"),
]
