"""``svidok find_duplicates``: propose pairs of person records that may be one person.

    svidok find_duplicates                    # replace the open proposals, print them best first
    svidok find_duplicates --threshold 0.9 --json
    svidok find_duplicates --dry-run          # print what would be proposed, write nothing

The pairs wait for a coordinator's verdict on the review page (/people/duplicates/); nothing is
ever merged here. See docs/dedupe.md.
"""

from __future__ import annotations

import json
import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.accounts.rules import require
from svidok.names import matching
from svidok.people import duplicates


class Command(BaseCommand):
    help = "Propose pairs of person records that may be one person, for a coordinator's verdict (never merges)."

    def add_arguments(self, parser):
        parser.add_argument("--threshold", help=f"lowest score proposed, between 0 and 1 (default: the matcher's, {matching.DEFAULT_THRESHOLD})")
        parser.add_argument("--json", action="store_true", help="print JSON (format: docs/dedupe.md)")
        parser.add_argument("--dry-run", action="store_true", help="print the pairs, write nothing")
        parser.add_argument("--as", dest="username", help="record the run as this user, a coordinator or admin (default: the installation owner)")
        parser.add_argument("--limit", type=int, default=0, help="print at most this many pairs (default: all)")

    def handle(self, *args, threshold, json: bool, dry_run: bool, username, limit: int, **options):
        actor = find_actor(username)
        try:
            value = duplicates.check_threshold(threshold)
        except ValidationError as exc:
            raise CommandError(f"--threshold: {exc.message_dict['threshold'][0]}") from None

        def progress(stage, figures):
            if options.get("verbosity", 1) >= 2:
                sys.stderr.write(f"{stage}: " + ", ".join(f"{k} {v}" for k, v in figures.items()) + "\n")

        try:
            if dry_run:
                require(actor, "person.merge")
                run = duplicates.FinderRun(candidates=duplicates.find_duplicates(threshold=value, progress=progress),
                                           threshold=value, seconds=0.0, replaced=0)
            else:
                run = duplicates.run_finder(actor=actor, threshold=value, progress=progress)
        except PermissionDenied:
            raise CommandError(f"{username} may not look for duplicates (coordinators and admins only).") from None
        shown = run.candidates[:limit] if limit > 0 else run.candidates
        if json:
            self.stdout.write(_json({
                "threshold": run.threshold, "matcher": matching.ALGORITHM, "matcher_version": matching.VERSION,
                "finder_version": duplicates.FINDER_VERSION, "written": not dry_run, "count": len(run.candidates),
                "pairs": [c.as_json() for c in shown],
            }))
            return
        for c in shown:
            self.stdout.write(f"{c.score:.3f}  {c.left_name} ({c.left_id})  <->  {c.right_name} ({c.right_id})")
            name = c.explanation.get("name") or {}
            tokens = ", ".join(f"{a} ~ {b} {s:.2f}" for a, b, s in name.get("tokens", []))
            extra = [f"birth date: {c.explanation.get('birth_date', 'not compared')}"]
            if name.get("unmatched_query") or name.get("unmatched_candidate"):
                extra.append("unpaired: " + " ".join(name.get("unmatched_query", []) + name.get("unmatched_candidate", [])))
            self.stdout.write(f"       {tokens}; " + "; ".join(extra))
        what = "would be proposed (dry run, nothing written)" if dry_run else "proposed for review"
        self.stdout.write(f"{len(run.candidates)} pair(s) {what} at threshold {run.threshold}.")


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
