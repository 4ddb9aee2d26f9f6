"""How custody events (audit entries on evidence items) read in an item's history (``audit.display``).
Registered in ``EvidenceConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from svidok.audit import display


def register() -> None:
    display.register_type("evidence.evidenceitem", models=("evidence.EvidenceItem", "evidence.EvidenceLink"))
    display.register_labels({
        "sha256": _("SHA-256"), "size": _("Size in bytes"), "media_type": _("Type (read from the content)"),
        "claimed_type": _("Type given by the sender"), "stored": _("Bytes"), "outcome": _("Outcome"),
        "bytes_erased": _("Bytes erased"), "held_by_other_items": _("Kept for other items"),
        "file": _("File"), "incident": _("Incident"), "method": _("How collected"), "origin": _("Original location"),
    })
