from django.apps import AppConfig
from django.core.management import call_command


class ForensicsConfig(AppConfig):
    name = "svidok.forensics"
    label = "forensics"
    verbose_name = "Election forensics"
    setup_order = 20

    def ready(self):
        from svidok.forensics import sections

        sections.register()

    def setup_data(self, *, demo: bool, stdout) -> None:
        """``svidok setup --demo``: the official results of the demo elections."""
        if demo:
            call_command("load_demo_results", stdout=stdout)
