from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "hotline.site"
    label = "hotline_site"
