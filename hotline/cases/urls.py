from django.urls import path

from hotline.cases import views

app_name = "cases"

urlpatterns = [
    path("console/cases/", views.case_list, name="list"),
    path("console/cases/supervisor/", views.supervisor, name="supervisor"),
    path("console/cases/recipients/", views.recipient_matches, name="recipient_matches"),
    path(
        "console/contacts/<int:contact_id>/open-case/",
        views.open_from_contact,
        name="open_from_contact",
    ),
    path(
        "console/contacts/<int:contact_id>/attach-case/",
        views.attach_contact,
        name="attach_contact",
    ),
    path("console/cases/<int:case_id>/", views.detail, name="detail"),
    path("console/cases/<int:case_id>/edit/", views.edit, name="edit"),
    path("console/cases/<int:case_id>/status/", views.set_status, name="set_status"),
    path("console/cases/<int:case_id>/notes/", views.add_note, name="add_note"),
    path("console/cases/<int:case_id>/potential/", views.decide_potential, name="potential"),
    path("console/cases/<int:case_id>/access/", views.access_history, name="access_history"),
    path("console/cases/<int:case_id>/victims/new/", views.victim_add, name="victim_add"),
    path("console/cases/<int:case_id>/victims/<int:victim_id>/", views.victim, name="victim"),
    path("console/cases/<int:case_id>/consents/new/", views.consent_add, name="consent_add"),
    path("console/cases/<int:case_id>/consents/<int:consent_id>/", views.consent, name="consent"),
    path(
        "console/cases/<int:case_id>/consents/<int:consent_id>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("console/cases/<int:case_id>/reports/new/", views.report_new, name="report_new"),
    path("console/reports/deliveries/", views.deliveries, name="deliveries"),
    path("console/reports/<int:report_id>/", views.report, name="report"),
    path(
        "console/reports/<int:report_id>/delivered/",
        views.report_delivered,
        name="report_delivered",
    ),
    path("console/reports/<int:report_id>/approve/", views.report_approve, name="report_approve"),
    path("console/reports/<int:report_id>/decline/", views.report_decline, name="report_decline"),
    path("portal/", views.portal, name="portal"),
    path("portal/reports/<int:report_id>/", views.portal_report, name="portal_report"),
    path("portal/reports/<int:report_id>/payload/", views.portal_payload, name="portal_payload"),
    path(
        "portal/reports/<int:report_id>/acknowledge/",
        views.portal_acknowledge,
        name="portal_acknowledge",
    ),
    path("portal/reports/<int:report_id>/outcome/", views.portal_outcome, name="portal_outcome"),
]
