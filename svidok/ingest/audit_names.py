"""How news-reader entries read in a history (``audit.display``). Registered in ``IngestConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from svidok.audit import display


def register() -> None:
    display.register_type("ingest.article", models=("ingest.Article",), source_keys=("source",))
    display.register_type("ingest.candidate", models=("ingest.Candidate",), vocabulary_keys={"type": "incident_type"})
    display.register_labels({
        "text_sha256": _("Text SHA-256"), "duplicate_of": _("Near-duplicate of"),
    })
    display.register_type("ingest.fetchrun", models=("ingest.FetchRun",))
    # The audit app has no registry of actions; its table is extended here, as its labels are.
    display.ACTION_LABELS.update({"fetch_queued": _("news fetch queued"), "fetch_finished": _("news fetch finished")})
    display.register_type("ingest.importrun", models=("ingest.ImportRun",))
    display.ACTION_LABELS.update({"import_queued": _("file uploaded for import"), "import_finished": _("import finished")})
