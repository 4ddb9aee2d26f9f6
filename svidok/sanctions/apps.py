from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "svidok.sanctions"
    label = "sanctions"
    verbose_name = "Sanctions: reference lists and proposals"

    def ready(self):
        from svidok.sanctions import audit_names, sections

        audit_names.register()
        sections.register()
