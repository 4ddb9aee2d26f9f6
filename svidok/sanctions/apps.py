from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "svidok.sanctions"
    label = "sanctions"
    verbose_name = "Sanctions: reference lists and proposals"

    def ready(self):
        from svidok.sanctions import sections

        sections.register()
