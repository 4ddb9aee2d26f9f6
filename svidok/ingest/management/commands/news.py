"""``svidok news``: read news articles into sources and incidents (issue 12, docs/news.md).

    svidok news import articles/*.txt page.html https://news.example/a [--as USER]
    svidok news import --feed https://news.example/rss
    svidok news import addresses.txt
    svidok news extract articles/*.txt [--jsonl] [--language L] [--published DATE]
    svidok news eval DIR [--json] [--details]

Each file is read and stored on its own: a file that cannot be read, or is refused, gets one line
naming it and why, and the rest of the batch goes on; nothing of a refused file is stored. An
``index.jsonl`` beside the files gives each one's outlet, address and publication date.

An ``http(s)://`` argument is fetched here, synchronously (no worker needed): a page, or a feed
with ``--feed`` or when its bytes are RSS or Atom (each of its articles is then fetched). A
``.txt`` file whose first line that is not blank or a ``#`` comment is a web address is a list of
addresses, one a line; its lines that are not addresses are refused by number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from svidok.accounts.commands import find_actor
from svidok.accounts.rules import can
from svidok.ingest import fetching, reading, services
from svidok.ingest.models import Article

logger = logging.getLogger(__name__)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "News articles: import text or HTML files as sources with their text."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import,extract,eval}")
        p = sub.add_parser("import", help="store articles (text files: title, blank line, body; or HTML pages)")
        p.add_argument("files", nargs="+", metavar="FILE|URL|FEED",
                       help="a text or HTML file, a web address, or a .txt file of web addresses (one a line)")
        p.add_argument("--as", dest="username", metavar="USER", help="act as this user (default: the system account)")
        p.add_argument("--feed", action="store_true", help="the web addresses are RSS or Atom feeds: read their articles")

        p = sub.add_parser("extract", help="print the incidents each article reports, as JSON (stores nothing)")
        p.add_argument("files", nargs="+", metavar="FILE")
        p.add_argument("--jsonl", action="store_true", help="one line per file (default: indented JSON)")
        p.add_argument("--language", choices=reading.LANGUAGES, help="read every file as this language")
        p.add_argument("--published", type=_iso_date, metavar="DATE", help="publication date (YYYY-MM-DD) of every file")
        p = sub.add_parser("eval", help="score extraction against a labelled directory (labels.jsonl beside the articles)")
        p.add_argument("directory", metavar="DIR")
        p.add_argument("--json", dest="as_json", action="store_true", help="print the figures as JSON")
        p.add_argument("--details", action="store_true", help="also list each labelled incident missed and each extra proposal")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_import(self, *, files, username, feed=False, **options):
        actor = find_actor(username)
        if not can(actor, "news.import"):
            raise CommandError(f"{actor.username} may not import news articles.")
        indexes: dict[Path, dict] = {}
        self.counts = {"stored": 0, "linked": 0, "already": 0, "refused": 0}
        fetched_any = False
        for name in files:
            if fetching.is_web_address(name) or name.startswith(("http://", "https://")):
                fetched_any = True
                self._fetch(actor, [name] if not feed else [], [name] if feed else [])
                continue
            path = Path(name)
            urls = self._url_list(path)
            if urls is not None:
                fetched_any = True
                addresses, problems = urls
                for problem in problems:
                    self._refuse(f"{name}, {problem}")
                self._fetch(actor, [] if feed else addresses, addresses if feed else [])
                continue
            try:
                directory = path.parent
                if directory not in indexes:
                    indexes[directory] = reading.read_index(directory)
                read = reading.read_article(path, indexes[directory].get(path.name))
                outcome = services.store_article(actor=actor, article=read)
            except reading.ReadError as error:
                self._refuse(f"{name}: {error}")
                continue
            except ValidationError as error:
                self._refuse(f"{name}: not stored: {_validation_text(error)}")
                continue
            except PermissionDenied:
                raise CommandError(f"{actor.username} may not import news articles.") from None
            except Exception:
                # One file's failure (in extraction, say) stops neither the batch nor the command.
                logger.exception("importing a news file failed")
                self._refuse(f"{name}: not stored: reading stopped on an unexpected error (see the log).")
                continue
            self.counts[outcome.outcome] += 1
            self.stdout.write(f"{name}: {self._describe(outcome)}")
        counts = self.counts
        self.stdout.write(f"{counts['stored']} stored, {counts['linked']} stored as near-duplicates, "
                          f"{counts['already']} already there, {counts['refused']} refused.")
        if counts["refused"]:
            total = sum(counts.values())
            raise CommandError(f"{counts['refused']} of {total} {'items' if fetched_any else 'files'} refused (see above).")

    def _refuse(self, line: str) -> None:
        self.counts["refused"] += 1
        self.stderr.write(line)

    @staticmethod
    def _url_list(path: Path) -> tuple[list[str], list[str]] | None:
        """The addresses and problems of a URL-list file, or None when ``path`` is not one."""
        if path.suffix.lower() != ".txt" or not path.is_file() or path.stat().st_size > reading.MAX_BYTES:
            return None
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        first = next((line.strip() for line in content.lstrip("\ufeff").splitlines()
                      if line.strip() and not line.strip().startswith("#")), "")
        return fetching.read_url_list(content) if fetching.is_web_address(first) else None

    def _fetch(self, actor, pages: list[str], feeds: list[str]) -> None:
        with translation.override("en"):
            for item in services.read_addresses(actor=actor, pages=pages, feeds=feeds):
                if item["outcome"] == "refused":
                    self._refuse(f"{item['url']}: {fetching.reason_text(item['reason'])}")
                    continue
                article = Article.objects.select_related("source").get(uuid=item["article"])
                original = Article.objects.select_related("source").filter(uuid=item.get("original")).first()
                outcome = services.Imported(article=article, outcome=item["outcome"], original=original or article,
                                            resemblance=item.get("resemblance"))
                self.counts[outcome.outcome] += 1
                self.stdout.write(f"{item['url']}: {self._describe(outcome)}")

    def handle_extract(self, *, files, jsonl, language, published, **options):
        from svidok.ingest.extraction import run

        failed = 0
        resources = run.load_resources()
        for result in run.extract_files([Path(name) for name in files], resources, language=language, published=published):
            if "error" in result:
                failed += 1
                self.stderr.write(f"{result['file']}: {result['error']}")
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if jsonl else 2))
        if failed:
            raise CommandError(f"{failed} of {len(files)} files could not be read (see above).")

    def handle_eval(self, *, directory, as_json, details, **options):
        from svidok.ingest.extraction import evaluation, run

        try:
            report = run.evaluate_directory(Path(directory), run.load_resources())
        except evaluation.EvalError as error:
            raise CommandError(str(error)) from None
        figures = run.report_figures(report)
        if as_json:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(run.report_table(figures))
        if details:
            for line in report.details:
                self.stdout.write(json.dumps(line, ensure_ascii=False))

    @staticmethod
    def _describe(outcome: services.Imported) -> str:
        source = outcome.article.source
        facts = ", ".join(str(part) for part in (source.language, source.publisher, source.published_on) if part)
        if outcome.outcome == "already":
            return f"already stored as \u201c{outcome.article.title}\u201d; nothing written."
        if outcome.outcome == "linked":
            return (f"stored \u201c{source.title}\u201d ({facts}), a near-duplicate of \u201c{outcome.original.title}\u201d "
                    f"({outcome.resemblance:.0%} of its text in common).")
        return f"stored \u201c{source.title}\u201d ({facts})."
