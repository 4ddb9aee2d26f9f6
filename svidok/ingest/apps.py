from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "svidok.ingest"
    label = "ingest"
    verbose_name = "News: articles read into sources"
    setup_order = 30  # after the incidents demo: its vocabularies, gazetteer and demo account

    def setup_data(self, *, demo: bool, stdout) -> None:
        """``svidok setup --demo``: the seed article read by the news reader, its proposals in the queue."""
        if demo:
            from svidok.ingest.demo import load_demo

            outcome = load_demo()
            stdout.write("demo news: the seed article " + ("read, its proposals queued for review" if outcome == "stored"
                                                           else "already read, nothing to do"))

    def ready(self):
        from svidok.ingest import audit_names

        audit_names.register()
