from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "svidok.ingest"
    label = "ingest"
    verbose_name = "News: articles read into sources"

    def ready(self):
        from svidok.ingest import audit_names

        audit_names.register()
