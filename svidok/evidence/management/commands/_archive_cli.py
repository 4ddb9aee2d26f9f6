"""Arguments and run of ``svidok import-archive`` and ``svidok evidence import-archive`` (one code).

Each file is checked (every record read and its digests recomputed; a WACZ read inside the ZIP,
never unpacked) before it is stored byte-exact.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.evidence.archives import import_archive
from svidok.evidence.commands import find_targets


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(message for messages in exc.message_dict.values() for message in messages)
    return " ".join(exc.messages)


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE")
    parser.add_argument("--incident", help="link the items to this incident (SV-...)")
    parser.add_argument("--source", help="link the items to this source (its id)")
    parser.add_argument("--description", default="", help="what the archives are")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON object per item")
    parser.add_argument("--as", dest="username", help="act as this user (default: the system account)")


def run(command: BaseCommand, *, paths, incident, source, description, as_json, username, **_) -> None:
    actor = find_actor(username)
    incident_obj, source_obj = find_targets(incident, source)
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
    for path in files:
        try:
            item = import_archive(actor=actor, file=path, name=path.name, incident=incident_obj, source=source_obj,
                                  description=description)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not add evidence.") from None
        except ValidationError as exc:
            raise CommandError(f"{path}: {_message(exc)}") from None
        facts = item.metadata["web_archive"]
        if as_json:
            command.stdout.write(json.dumps({
                "id": item.public_id, "sha256": item.blob.sha256, "size": item.blob.size, "media_type": item.blob.media_type,
                "name": item.original_name, "format": facts["format"], "records": facts["records"],
                "captures": facts["captures"], "first_date": facts["first_date"], "last_date": facts["last_date"],
                "urls": facts["urls"]}, ensure_ascii=False))
        else:
            command.stdout.write(f"{item.public_id}  {item.blob.sha256}  {facts['format']}  {facts['captures']} captures "
                                 f"{facts['first_date']} .. {facts['last_date']}  {path}")
