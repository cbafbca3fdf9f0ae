from django.urls import path

from hotline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("password/new/", views.first_password, name="first_password"),
    path("password/change/", views.change_password, name="change_password"),
    path("invite/<str:uidb64>/<str:token>/", views.accept_invite, name="invite"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:user_id>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:user_id>/invite/", views.staff_reinvite, name="staff_reinvite"),
    path(
        "staff/<int:user_id>/reset-two-factor/",
        views.staff_reset_two_factor,
        name="staff_reset_two_factor",
    ),
]
