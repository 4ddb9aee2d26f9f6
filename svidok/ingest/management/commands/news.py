"""``svidok news``: read news articles into sources (issue 12, docs/news.md).

    svidok news import articles/*.txt page.html [--as USER]

Each file is read and stored on its own: a file that cannot be read, or is refused, gets one line
naming it and why, and the rest of the batch goes on; nothing of a refused file is stored. An
``index.jsonl`` beside the files gives each one's outlet, address and publication date.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.accounts.rules import can
from svidok.ingest import reading, services


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "News articles: import text or HTML files as sources with their text."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import}")
        p = sub.add_parser("import", help="store articles (text files: title, blank line, body; or HTML pages)")
        p.add_argument("files", nargs="+", metavar="FILE")
        p.add_argument("--as", dest="username", metavar="USER", help="act as this user (default: the system account)")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_import(self, *, files, username, **options):
        actor = find_actor(username)
        if not can(actor, "news.import"):
            raise CommandError(f"{actor.username} may not import news articles.")
        indexes: dict[Path, dict] = {}
        counts = {"stored": 0, "linked": 0, "already": 0, "refused": 0}
        for name in files:
            path = Path(name)
            try:
                directory = path.parent
                if directory not in indexes:
                    indexes[directory] = reading.read_index(directory)
                read = reading.read_article(path, indexes[directory].get(path.name))
                outcome = services.import_article(actor=actor, article=read)
            except reading.ReadError as error:
                counts["refused"] += 1
                self.stderr.write(f"{name}: {error}")
                continue
            except ValidationError as error:
                counts["refused"] += 1
                self.stderr.write(f"{name}: not stored: {_validation_text(error)}")
                continue
            except PermissionDenied:
                raise CommandError(f"{actor.username} may not import news articles.") from None
            counts[outcome.outcome] += 1
            self.stdout.write(f"{name}: {self._describe(outcome)}")
        self.stdout.write(f"{counts['stored']} stored, {counts['linked']} stored as near-duplicates, "
                          f"{counts['already']} already there, {counts['refused']} refused.")
        if counts["refused"]:
            raise CommandError(f"{counts['refused']} of {len(files)} files refused (see above).")

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
