from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "svidok.evidence"
    label = "evidence"
    verbose_name = "Evidence: files, custody, web captures, court bundles"

    def ready(self):
        from svidok.evidence import audit_names, sections

        audit_names.register()
        sections.register()
