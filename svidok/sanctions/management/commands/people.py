"""``svidok people``: reference lists and name matching.

    svidok people import-list data/sanctions/eu-regulation-269-2014-annex-i.csv --name eu-269 --title "EU 269/2014"
    svidok people lists
    svidok people match "Михаила Малышева"                       # against the registry
    svidok people match "Inna Guzeeva" --list eu-269 --json      # against an imported list
    svidok people match "Mikhail Malyshev" --birth-date 1955-10-10 --list eu-269
    svidok people match --file names.txt --list eu-269 --json    # one name a line (or a CSV: name, birth_date)
    svidok people export-proposal UUID --format pdf --output dossier.pdf [--as analyst]
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.common.validation import is_uuid
from svidok.names import matching
from svidok.sanctions import lists
from svidok.sanctions import matching as sanctions_matching
from svidok.sanctions.dossier import export_bytes
from svidok.sanctions.models import Proposal, ReferenceList


class Command(BaseCommand):
    help = "Persons and organizations: import reference lists (sanctions lists), match names against the registry or a list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import-list,lists,match,export-proposal}")

        p = sub.add_parser("import-list", help="import (or replace) a reference list: FollowTheMoney JSON lines or the EU 269/2014 annex CSV")
        p.add_argument("file")
        p.add_argument("--name", required=True, help="short name of the list, e.g. eu-269 (importing again under it replaces the list)")
        p.add_argument("--format", choices=ReferenceList.Format.values, help="default: .csv is the EU annex, anything else FtM JSON lines")
        p.add_argument("--title", default="", help="e.g. 'EU Regulation 269/2014, Annex I'")
        p.add_argument("--publisher", default="", help="e.g. 'Council of the EU'")
        p.add_argument("--jurisdiction", default="", help="eu, uk, us, ua, other")
        p.add_argument("--as", dest="username", help="record the import as this user (a coordinator or admin)")

        sub.add_parser("lists", help="the imported reference lists")

        p = sub.add_parser("match", help="likely persons for a name in any script, best first, with scores and explanations")
        p.add_argument("name", nargs="?", help="the name (or --file)")
        p.add_argument("--file", help="match every name of this file, one name a line (UTF-8; empty lines and lines starting "
                                      "with # are skipped), or a .csv with a header naming the columns name and, optionally, "
                                      "birth_date; one index build for all, one result per name")
        p.add_argument("--birth-date", help="YYYY-MM-DD or YYYY: agreement raises the score a little, disagreement lowers it a lot")
        p.add_argument("--list", dest="list_name", help="match against this reference list instead of the registry")
        p.add_argument("--limit", type=int, default=matching.DEFAULT_LIMIT, help=f"at most this many candidates (default {matching.DEFAULT_LIMIT})")
        p.add_argument("--threshold", type=float, help=f"score from which a candidate counts as a match (default {matching.DEFAULT_THRESHOLD})")
        p.add_argument("--algorithm", choices=list(matching.ALGORITHMS), default=matching.ALGORITHM,
                       help="the scorer (default: Svidok's; logic-v2 is OpenSanctions' on the same candidates)")
        p.add_argument("--organization", action="store_true", help="match organizations rather than persons")
        p.add_argument("--json", action="store_true", help="print JSON (format: docs/matching.md)")
        p.add_argument("--as", dest="username", help="match as this user: the registry's birth dates count only for those who "
                                                    "may see identities (default: the system account)")

        p = sub.add_parser("export-proposal", help="a sanctions proposal as a dossier (html, pdf), a sanctions-desk table (csv, xlsx) "
                                                   "or FollowTheMoney JSON lines (ftm); see docs/proposals.md")
        p.add_argument("proposal", help="the proposal's id (UUID)")
        p.add_argument("--format", dest="fmt", required=True, choices=["html", "pdf", "csv", "xlsx", "ftm"])
        p.add_argument("--output", "-o", required=True, help="file to write")
        p.add_argument("--as", dest="username", help="export what this user may see (default: the installation, every incident)")

    def handle(self, *args, subcommand, **options):
        return getattr(self, "handle_" + subcommand.replace("-", "_"))(**options)

    def handle_import_list(self, *, file, name, format, title, publisher, jurisdiction, username, **options):
        actor = find_actor(username)
        try:
            reference_list = lists.import_list(actor=actor, path=file, name=name, format=format, title=title,
                                               publisher=publisher, jurisdiction=jurisdiction)
        except lists.ListFileError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from None
        except PermissionDenied:
            raise CommandError(f"{username} may not import reference lists.") from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {reference_list.entity_count:,} entities from {reference_list.source_name} as list "
            f"{reference_list.name!r} (SHA-256 {reference_list.sha256})."))

    def handle_lists(self, **options):
        found = ReferenceList.objects.all()
        if not found:
            self.stdout.write("No reference list imported yet; use `svidok people import-list`.")
        for item in found:
            self.stdout.write(f"{item.name}  {item.title or '-'}  [{item.get_format_display()}]  {item.entity_count:,} entities  "
                              f"{item.source_name}  imported {item.imported_at:%Y-%m-%d %H:%M}")

    def handle_match(self, *, name, file, birth_date, list_name, limit, threshold, algorithm, organization, json: bool,
                     username, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if (name is None) == (file is None):
            raise CommandError("Give a name or --file, not both." if name is not None else "Give a name, or --file with names.")
        if file is not None and birth_date:
            raise CommandError("--birth-date goes with one name; in a file, give each name's birth date in a birth_date column.")
        actor = find_actor(username)
        queries = _read_names(file) if file is not None else [(0, name, birth_date)]
        try:
            results = list(sanctions_matching.match_many(
                actor, [(q_name, q_birth) for _line, q_name, q_birth in queries], dataset=list_name, limit=limit,
                threshold=threshold, algorithm=algorithm, schema="Organization" if organization else "Person"))
        except LookupError:
            known = ", ".join(ReferenceList.objects.values_list("name", flat=True)) or "none imported yet"
            raise CommandError(f"No reference list {list_name!r} (lists: {known}).") from None
        except PermissionDenied:
            raise CommandError(f"{username} may not match names.") from None
        if file is None:
            result = results[0]
            if isinstance(result, matching.MatchError):
                raise CommandError(str(result))
            if json:
                self.stdout.write(_dumps(sanctions_matching.result_json(result, dataset=list_name)))
            else:
                self.stdout.write(_text(result, list_name))
            return
        failed = []
        rows = []
        for (line, _q_name, _q_birth), result in zip(queries, results, strict=True):
            if isinstance(result, matching.MatchError):
                failed.append(line)
                message = _line_error(result)
                rows.append({"line": line, "error": message} if json else f"line {line}: {message}")
            elif json:
                rows.append({"line": line, **sanctions_matching.result_json(result, dataset=list_name)})
            else:
                rows.append(f"line {line}: {result.query}\n" + _text(result, list_name))
        self.stdout.write(_dumps(rows) if json else "\n\n".join(rows))
        if failed:
            shown = ", ".join(str(n) for n in failed[:20]) + (", ..." if len(failed) > 20 else "")
            raise CommandError(f"{len(failed)} of {len(queries)} names could not be matched (line{'s' if len(failed) > 1 else ''} "
                               f"{shown}); the others were.")

    def handle_export_proposal(self, *, proposal, fmt, output, username, **options):
        actor = find_actor(username)
        found = Proposal.objects.filter(uuid=proposal).first() if is_uuid(proposal) else None
        if found is None:
            raise CommandError(f"No proposal {proposal!r}.")
        try:
            data = export_bytes(found, actor, fmt)
        except PermissionDenied:
            raise CommandError(f"{username} may not export proposals.") from None
        try:
            with open(output, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        who = f"as {username} sees it" if username else "with every incident (run by the installation owner: keep the file safe)"
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({fmt}, {len(data):,} bytes), {who}."))


MAX_NAMES = 100_000  # names in one --file


def _read_names(path: str) -> list[tuple[int, str, str | None]]:
    """``(line number, name, birth date or None)`` for each name of ``path``: plain text (one name a
    line), or a CSV whose header names the columns ``name`` and, optionally, ``birth_date``. A
    whole-file problem (missing, not UTF-8, no names, no ``name`` column) is a ``CommandError``
    before anything is matched; a bad name is reported on its line after the others are matched."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        line = _text_line(exc)
        raise CommandError(f"{path} is not UTF-8 text (line {line}); nothing was matched.") from None
    queries = []
    if path.lower().endswith(".csv"):
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower().replace(" ", "_") for h in next(reader, [])]
        if "name" not in header:
            raise CommandError(f"{path}: the first line must name the columns, among them 'name' (and 'birth_date' if "
                               "any); nothing was matched.")
        name_at, birth_at = header.index("name"), header.index("birth_date") if "birth_date" in header else None
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cell = row[name_at] if name_at < len(row) else ""
            birth = row[birth_at].strip() if birth_at is not None and birth_at < len(row) else ""
            queries.append((line, " ".join(cell.split()), birth or None))
    else:
        for line, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.strip()
            if stripped and not stripped.startswith("#"):
                queries.append((line, " ".join(stripped.split()), None))
    if not queries:
        raise CommandError(f"{path} holds no names; nothing was matched.")
    if len(queries) > MAX_NAMES:
        raise CommandError(f"{path} holds {len(queries):,} names; at most {MAX_NAMES:,} in one call. Nothing was matched.")
    return queries


def _text_line(exc: UnicodeDecodeError) -> int:
    return exc.object[:exc.start].count(b"\n") + 1


_BIRTH_DATE_ERROR = re.compile(r"^Birth date .* is not a date")


def _line_error(exc: Exception) -> str:
    """The matcher's message for a line, without repeating the line's birth date (it says which line)."""
    message = str(exc)
    if _BIRTH_DATE_ERROR.match(message):
        return "the birth date is not a date (YYYY-MM-DD or YYYY)."
    return message


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _text(result: matching.MatchResult, list_name: str | None) -> str:
    where = f"list {list_name!r}" if list_name else "the registry"
    lines = [f"{len(result.results)} candidate(s) in {where}, {result.total} at or above the threshold {result.threshold:g} "
             f"({result.algorithm}):"]
    if not result.results:
        lines = [f"No candidate in {where}."]
    for number, r in enumerate(result.results, start=1):
        mark = "MATCH" if r.match else "     "
        ident = f"[{r.entry.record_id}]" if r.entry.record_id else f"[{r.entry.id}]"
        listed = f"  listed since {r.entry.listed_since}" if r.entry.listed_since else ""
        lines.append(f"{number:>3}. {r.score:.3f} {mark} {r.entry.caption}  {ident}{listed}")
        name = r.explanation.get("name") if isinstance(r.explanation, dict) else None
        if name and "tokens" in name:
            pairs = "; ".join(f"{q} ~ {c} {s:.2f}" for q, c, s in name["tokens"])
            extra = [f"unpaired: {' '.join(name['unmatched_query'])}"] if name.get("unmatched_query") else []
            lines.append(f"        {pairs}" + (f" ({', '.join(extra)})" if extra else "")
                         + f"; as {name['candidate_name']!r}; birth date: {r.explanation.get('birth_date')}")
        elif isinstance(r.explanation, dict) and "name_match" in r.explanation:
            lines.append(f"        {r.explanation['name_match'].get('detail') or ''}")
    return "\n".join(lines)
