from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "svidok.sanctions"
    label = "sanctions"
    verbose_name = "Sanctions: reference lists and proposals"
    setup_order = 40  # after the incidents demo; before the accounts, whose passwords end the output

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from svidok.audit import display
        from svidok.people import suggest
        from svidok.sanctions import sections

        sections.register()
        display.register_labels({"matches_checked": _("Possible list matches checked")})
        suggest.register_list_suggester(_list_entries)

    def setup_data(self, *, demo: bool, stdout) -> None:
        """``svidok setup --demo``: the EU 269/2014 annex shipped in ``data/sanctions/`` as the
        reference list ``eu-269`` (imported again only when the file changed)."""
        if demo:
            from svidok.sanctions.demo import load_demo_list

            load_demo_list(stdout=stdout)


def _list_entries(name: str) -> list:
    """The person picker's reference-list entries for a typed name (``people.suggest``)."""
    from svidok.sanctions.listcheck import match_names

    return match_names([name], persons=True, per_list=3)
