"""``svidok capture URL``: capture a web page (WARC, screenshot, PDF) as evidence.

    svidok capture https://example.org/news/123 --incident SV-2018-000123 --as documenter
    svidok capture https://example.org/news/123 --wait --json

The capture is queued for the background worker (``svidok worker``; ``svidok serve`` starts one).
With ``--wait`` it is made here and now, and the command prints how it went.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.evidence import capture as capturing
from svidok.evidence.commands import find_targets
from svidok.evidence.models import Capture


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(message for messages in exc.message_dict.values() for message in messages)
    return " ".join(exc.messages)


def summary(capture: Capture) -> dict:
    return {
        "id": capture.public_id, "url": capture.url, "status": capture.status,
        "final_url": capture.final_url or None, "http_status": capture.http_status,
        "reason": capturing.reason_text(capture.reason) or None,
        "notes": [capturing.reason_text(note) for note in capture.notes],
        "items": [{"id": item.public_id, "name": item.original_name, "sha256": item.blob.sha256, "size": item.blob.size,
                   "media_type": item.blob.media_type} for item in capture.items.select_related("blob").order_by("id")],
    }


class Command(BaseCommand):
    help = "Capture a web page (WARC of the page and its resources, screenshot and PDF) as evidence."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--incident", help="link the captured files to this incident (SV-...)")
        parser.add_argument("--source", help="link the captured files to this source (its id)")
        parser.add_argument("--wait", action="store_true", help="make the capture now and report how it went")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print the capture as one JSON object")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system account)")

    def handle(self, *args, url, incident, source, wait, as_json, username, **options):
        actor = find_actor(username)
        incident_obj, source_obj = find_targets(incident, source)
        try:
            capture = capturing.request_capture(actor=actor, url=url, incident=incident_obj, source=source_obj)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not add evidence.") from None
        except ValidationError as exc:
            raise CommandError(_message(exc)) from None
        if wait:
            capturing.run_capture(capture.pk)
        capture.refresh_from_db()
        result = summary(capture)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(self._text(result))
        if capture.status == Capture.Status.FAILED:
            raise CommandError(result["reason"])

    @staticmethod
    def _text(result: dict) -> str:
        if result["status"] == Capture.Status.QUEUED:
            return f"Capture {result['id']} of {result['url']} is queued for the worker (svidok worker)."
        lines = [f"Capture {result['id']} of {result['url']}: {result['status']}"]
        lines += [f"{i['id']}  {i['sha256']}  {i['size']:>12}  {i['media_type']}  {i['name']}" for i in result["items"]]
        lines += [f"note: {note}" for note in result["notes"]]
        return "\n".join(lines)
