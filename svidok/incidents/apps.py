from django.apps import AppConfig
from django.core.management import call_command


class IncidentsConfig(AppConfig):
    name = "svidok.incidents"
    label = "incidents"
    verbose_name = "Incidents"
    setup_order = 10

    def ready(self):
        from svidok.incidents import audit_names, publication_views, search_index, sections

        audit_names.register()
        search_index.register()
        sections.register()
        publication_views.register()

    def setup_data(self, *, demo: bool, stdout) -> None:
        """``svidok setup``: the vocabularies and the gazetteer; with ``demo``, the demo incidents."""
        call_command("load_vocabularies", stdout=stdout)
        call_command("load_gazetteer", stdout=stdout)
        if demo:
            call_command("load_demo", stdout=stdout)
