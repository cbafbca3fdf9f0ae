from django.urls import path

from hotline.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("for/<slug:slug>/", views.audience, name="audience"),
    path("about/", views.about, name="about"),
    path("safety/", views.safety, name="safety"),
    path("console/", views.console, name="console"),
    path("console/settings/", views.settings_index, name="settings"),
    path("console/search/", views.search, name="search"),
    path("console/public-settings/", views.public_settings, name="public_settings"),
]
