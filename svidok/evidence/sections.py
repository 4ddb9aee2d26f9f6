"""What the evidence app adds to the pages of the apps below it (``common.extensions``).
Registered in ``EvidenceConfig.ready()``.

- ``incidents.incident``: the web captures of the incident (address, who asked, when, status in
  words, the stored files) and the "Capture a web page" form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.accounts import rules
from svidok.audit import display
from svidok.common import extensions
from svidok.evidence.capture import reason_text
from svidok.evidence.models import Capture

SHOWN_CAPTURES = 20


class CaptureForm(forms.Form):
    url = forms.CharField(label=_("Web address"), max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
                          help_text=_("The page and its images, styles and scripts are saved as a web archive (WARC), "
                                      "with a screenshot and a PDF, as evidence of this incident."))


def incident_captures(request, incident, context) -> dict | None:
    """The captures section's context, or None when the reader may neither see nor make captures."""
    can_view, can_capture = rules.can(request.user, "evidence.view"), rules.can(request.user, "evidence.add")
    if not (can_view or can_capture):
        return None
    captures = []
    if can_view:
        for capture in (Capture.objects.filter(incident=incident).select_related("requested_by")
                        .prefetch_related("items__blob")[:SHOWN_CAPTURES]):
            captures.append({"capture": capture, "reason": reason_text(capture.reason),
                             "notes": [reason_text(note) for note in capture.notes],
                             "items": sorted(capture.items.all(), key=lambda item: item.pk)})
    pending = any(row["capture"].status in (Capture.Status.QUEUED, Capture.Status.RUNNING) for row in captures)
    return {"captures": captures, "can_capture": can_capture, "captures_pending": pending,
            "capture_form": context.get("capture_form") or CaptureForm(), "capture_incident": incident}


def register() -> None:
    extensions.add_section("incidents.incident", context=incident_captures, template="evidence/_captures.html", order=60)
    # How the custody entries of captures and imported archives read in a history.
    display.register_type("evidence.capture", models=("evidence.Capture",))
    display.register_labels({
        "url": _("Web address"), "final_url": _("Address after redirects"), "http_status": _("HTTP status"),
        "remote_ip": _("Server address (IP)"), "captured_at": _("Captured at"), "user_agent": _("User agent"),
        "exchanges": _("HTTP exchanges"), "warc_records": _("WARC records"), "part": _("Part"), "format": _("Format"),
        "records": _("Records"), "captures": _("Captured responses"), "first_date": _("First capture"),
        "last_date": _("Last capture"), "urls": _("Addresses listed"), "reason": _("Reason"), "items": _("Files"),
    })
