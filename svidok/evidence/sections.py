"""What the evidence app adds to the pages of the apps below it (``common.extensions``).
Registered in ``EvidenceConfig.ready()``.

- ``incidents.incident``: the evidence of the incident (exhibits the reader may see, with type,
  size, hash, status and who added them; "Add files" for editors, "Court bundle" for leads), then
  the web captures of the incident (address, who asked, when, status in words, the stored files)
  and the "Capture a web page" form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.accounts import rules
from svidok.audit import display
from svidok.common import extensions
from svidok.common.validation import is_uuid
from svidok.evidence import metadata
from svidok.evidence.capture import reason_text
from svidok.evidence.models import Capture, EvidenceItem
from svidok.evidence.queries import items_of_incident, visible_items
from svidok.evidence.services import EXHIBIT_RE
from svidok.evidence.words import type_in_words
from svidok.incidents.queries import visible_incidents
from svidok.people import freetext
from svidok.people.consent import known_partners

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


def _exhibit_order(exhibit: str) -> tuple:
    match = EXHIBIT_RE.match(exhibit or "")
    return (0, int(match.group(1)), "") if match else (1, 0, exhibit or "")


def _near_duplicates(user, items) -> set[int]:
    """The pks of ``items`` that look like another image the reader may see (other bytes)."""
    hashed = [item for item in items if item.phash]
    if not hashed:
        return set()
    others = list(visible_items(user).exclude(phash="").values_list("pk", "blob_id", "phash"))
    return {item.pk for item in hashed
            if any(blob_id != item.blob_id and metadata.hamming(item.phash, phash) <= metadata.NEAR_DUPLICATE_BITS
                   for _pk, blob_id, phash in others)}


def incident_evidence(request, incident, context) -> dict | None:
    """The evidence section's context: the exhibits of the incident that the reader may see."""
    user = request.user
    if not rules.can(user, "evidence.view"):
        return None
    rows = []
    items = list(items_of_incident(user, incident).select_related("created_by"))
    near = _near_duplicates(user, items)
    for item in items:
        link = next((link for link in item.links.all() if link.incident_id == incident.pk), None)
        erased = item.blob.purged_at is not None or item.status == EvidenceItem.Status.PURGED
        rows.append({"item": item, "exhibit": link.exhibit if link else "", "shows": link.description if link else "",
                     "type": type_in_words(item.blob.media_type), "erased": erased, "near": item.pk in near})
    rows.sort(key=lambda row: (_exhibit_order(row["exhibit"]), row["item"].pk))
    # What each exhibit shows and why it was withdrawn may name a protected person (people.freetext).
    freetext.reader_for(request).expect(t for row in rows for t in (row["shows"], row["item"].status_reason))
    return {"evidence_rows": rows, "evidence_incident": incident,
            "can_add_evidence": rules.can(user, "evidence.add"),
            "can_bundle": rules.can(user, "evidence.bundle"),
            "bundle_partners": known_partners() if rules.can(user, "evidence.bundle") else []}


def withhold_entry(actor, entry) -> str:
    """Why ``actor`` may not read an audit entry's content: it is about an evidence item, or a
    capture for an incident, they may not see (``accounts.audit_log``)."""
    if entry.object_type == "evidence.evidenceitem":
        if not is_uuid(entry.object_id) or not visible_items(actor).filter(uuid=entry.object_id).exists():
            return _("It is about an evidence item you may not see.")
    elif entry.object_type == "evidence.capture":
        capture = Capture.objects.filter(uuid=entry.object_id).first() if is_uuid(entry.object_id) else None
        if capture is None or (capture.incident_id and not visible_incidents(actor).filter(pk=capture.incident_id).exists()):
            return _("It is about an evidence item you may not see.")
    return ""


def register() -> None:
    extensions.provide("audit.withhold_entry", withhold_entry)
    extensions.add_section("incidents.incident", context=incident_evidence, template="evidence/_evidence.html", order=55)
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
