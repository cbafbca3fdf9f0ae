from django.urls import path

from hotline.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/", views.console, name="console"),
]
