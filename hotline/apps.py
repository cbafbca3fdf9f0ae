from django.contrib.admin.apps import AdminConfig


class HotlineAdminConfig(AdminConfig):
    default_site = "hotline.admin_site.HotlineAdminSite"
