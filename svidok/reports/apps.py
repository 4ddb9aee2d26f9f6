from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "svidok.reports"
    label = "reports"

    def ready(self):
        from svidok.reports import sections

        sections.register()
