from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "svidok.reports"
    label = "reports"
