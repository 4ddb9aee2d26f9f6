import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.common.untrusted import InputRefused, load_json
from svidok.incidents.services import load_vocabularies


class Command(BaseCommand):
    help = "Load or update the controlled vocabularies (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(settings.DATA_DIR / "vocabularies.json"))

    def handle(self, *args, file, **options):
        name = Path(file).name
        try:
            data = load_json(Path(file).read_bytes(), name=name)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except InputRefused as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError:
            raise CommandError(f"{name} is not UTF-8 text.") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
        except ValueError as exc:
            raise CommandError(f"{name} is not valid JSON: {str(exc)[:20]} is not a JSON number.") from None
        try:
            counts = load_vocabularies(actor=find_actor(None), data=data)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in sorted(exc.message_dict.items())[:20])
            raise CommandError(f"{name} cannot be loaded, nothing was changed: {problems}") from None
        self.stdout.write(f"vocabularies: {counts['vocabularies']}, terms created: {counts['created']}, updated: {counts['updated']}")
