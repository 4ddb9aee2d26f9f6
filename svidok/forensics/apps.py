from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "svidok.forensics"
    label = "forensics"
    verbose_name = "Election forensics"
