"""``svidok evidence``: add files to the vault, verify them, withdraw, restore or purge an item, clean up.

    svidok evidence add photos/ order.pdf --incident SV-2018-000123 --as documenter --json
    svidok evidence verify --all
    svidok evidence withdraw 3f2c... --reason "Wrong incident" --as coordinator
    svidok evidence purge 3f2c... --reason "Court order 12/2026" --as admin
    svidok evidence cleanup
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.evidence import services
from svidok.evidence.bundle import remove_partial_bundles
from svidok.evidence.commands import find_targets
from svidok.evidence.management.commands import _archive_cli
from svidok.evidence.models import EvidenceItem


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(message for messages in exc.message_dict.values() for message in messages)
    return " ".join(exc.messages)


def _files(paths: list[str]) -> list[Path]:
    """Every file named, folders walked recursively in name order; a missing path is an error before anything is stored."""
    found = []
    for text in paths:
        if text == "-":
            found.append(STDIN)
            continue
        path = Path(text)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{text}: no such file or folder.")
    if not found:
        raise CommandError("No files to add.")
    return found


STDIN = Path("-")


def _item(text: str) -> EvidenceItem:
    try:
        return EvidenceItem.objects.select_related("blob").get(uuid=uuid.UUID(text))
    except (ValueError, EvidenceItem.DoesNotExist):
        raise CommandError(f"No evidence item {text!r}.") from None


def _summary(item: EvidenceItem) -> dict:
    return {"id": item.public_id, "sha256": item.blob.sha256, "size": item.blob.size,
            "media_type": item.blob.media_type, "name": item.original_name}


class Command(BaseCommand):
    help = "The evidence vault: add files, verify stored originals, withdraw, restore or purge items, clean up."
    # The system checks import every view of the project (PDF, plotting...): over 100 MB for a
    # command that only needs the models. ``svidok check`` and the test suite run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{add,verify,withdraw,restore,purge,cleanup,import-archive}")

        p = sub.add_parser("add", help="store files (folders recursively) as evidence items")
        p.add_argument("paths", nargs="+", metavar="PATH")
        p.add_argument("--incident", help="link every item to this incident (SV-...)")
        p.add_argument("--source", help="link every item to this source (its id)")
        p.add_argument("--name", default="", help="the file name of what is read from standard input (PATH '-')")
        p.add_argument("--description", default="", help="what the files are")
        p.add_argument("--collected-by", default="", help="who collected the files")
        p.add_argument("--origin", default="", help="where they come from: a URL, a device, an archive")
        p.add_argument("--json", action="store_true", help="print one JSON object per item")
        p.add_argument("--as", dest="username", help="act as this user (default: the system account)")

        p = sub.add_parser("verify", help="re-hash stored originals against their recorded SHA-256")
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every item")
        which.add_argument("item", nargs="?", help="one item's id")
        p.add_argument("--json", action="store_true")
        p.add_argument("--as", dest="username")

        for name, text in (("withdraw", "take an item out of use (the original is kept)"),
                           ("restore", "put a withdrawn item back in use"),
                           ("purge", "erase an item's original for a legal takedown (admin)")):
            p = sub.add_parser(name, help=text)
            p.add_argument("item", help="the item's id")
            p.add_argument("--reason", required=True)
            p.add_argument("--as", dest="username")

        p = sub.add_parser("cleanup", help="remove what interrupted uploads left in the storage")
        p.add_argument("--grace", type=float, default=services.CLEANUP_GRACE.total_seconds() / 3600,
                       help="leave files younger than this many hours (default: %(default)s)")
        p.add_argument("--as", dest="username")

        p = sub.add_parser("import-archive", help="import WARC or WACZ web archives, each checked before it is stored")
        _archive_cli.add_arguments(p)

    def handle(self, *args, subcommand, **options):
        if subcommand == "import-archive":
            return _archive_cli.run(self, **options)
        handler = getattr(self, f"handle_{subcommand}")
        actor = find_actor(options.pop("username", None))
        try:
            return handler(actor=actor, **options)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not {subcommand} evidence.") from None
        except ValidationError as exc:
            raise CommandError(_message(exc)) from None

    def handle_add(self, *, actor, paths, incident, source, name, description, collected_by, origin, json: bool, **_):
        files = _files(paths)
        if STDIN in files and not name.strip():
            raise CommandError("Reading standard input ('-') needs --name, the file's name.")
        incident_obj, source_obj = find_targets(incident, source)
        for path in files:
            try:
                item = services.add_item(
                    actor=actor, file=sys.stdin.buffer if path == STDIN else path, name=name if path == STDIN else path.name, incident=incident_obj, source=source_obj,
                    description=description, method=EvidenceItem.Method.COMMAND, collected_at=None,
                    collected_by=collected_by, origin=origin)
            except ValidationError as exc:
                raise CommandError(f"{path}: {_message(exc)}") from None
            if json:
                self.stdout.write(_json(_summary(item)))
            else:
                self.stdout.write(f"{item.public_id}  {item.blob.sha256}  {item.blob.size:>12}  {item.blob.media_type}  {path}")

    def handle_verify(self, *, actor, all: bool, item, json: bool, **_):
        items = EvidenceItem.objects.select_related("blob").order_by("id") if all else [_item(item)]
        results = services.verify_items(actor=actor, items=items.iterator() if all else items)
        bad = 0
        for result in results:
            bad += not result.ok
            if json:
                self.stdout.write(_json({"id": result.item.public_id, "outcome": result.outcome, "sha256": result.item.blob.sha256}))
            else:
                self.stdout.write(f"{result.item.public_id}  {result.outcome}  {result.item.original_name}")
        if bad:
            raise CommandError(f"{bad} of {len(results)} items failed verification.")

    def handle_withdraw(self, *, actor, item, reason, **_):
        services.withdraw_item(actor=actor, item=_item(item), reason=reason)
        self.stdout.write("Withdrawn.")

    def handle_restore(self, *, actor, item, reason, **_):
        services.restore_item(actor=actor, item=_item(item), reason=reason)
        self.stdout.write("Restored.")

    def handle_purge(self, *, actor, item, reason, **_):
        purged = services.purge_item(actor=actor, item=_item(item), reason=reason)
        if purged.blob.purged_at:
            self.stdout.write("Erased: the original's bytes are deleted; the record and its hash stay.")
        else:
            self.stdout.write("Erased this item; the bytes stay because other items hold the same file.")

    def handle_cleanup(self, *, actor, grace: float, **_):
        if grace < 0:
            raise CommandError("--grace cannot be negative.")
        report = services.cleanup(actor=actor, grace=dt.timedelta(hours=grace))
        bundles = remove_partial_bundles()
        self.stdout.write(f"Removed {report.temporaries} unfinished uploads, {report.orphans} unrecorded files, "
                          f"{report.erased} erased originals left behind"
                          + (f", and {len(bundles)} unfinished court bundle{'s' if len(bundles) != 1 else ''}." if bundles else "."))


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
