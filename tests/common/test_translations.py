"""Every interface language is complete: its catalogue translates every message of the current
source, nothing is fuzzy, gettext accepts it, and Django knows each language's name and dates.

The completeness check runs ``makemessages`` on a copy of ``svidok/`` (with the committed
catalogues), so a string added to the code but not to the catalogues fails here even when nobody
ran makemessages. docs/translating.md says how translators work.
"""

import contextlib
import datetime as dt
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import formats, translation

from tests.helpers import PENDING_CATALOGUES, interface_languages

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "svidok" / "locale"
SHOWN = 10  # missing messages named in a failure


def _fill_translations():
    spec = importlib.util.spec_from_file_location("fill_translations", ROOT / "scripts" / "fill_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalogue(root: Path, code: str) -> Path:
    return root / code / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def fresh_locale(tmp_path_factory) -> Path:
    """The catalogues as makemessages leaves them for the source as it is now (a copy: the
    repository is not touched), as ``svidok makemessages -l ... --ignore=.venv --ignore=tests
    --ignore=bench`` run at the root would."""
    root = tmp_path_factory.mktemp("messages")
    shutil.copytree(ROOT / "svidok", root / "svidok", ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    present = sorted(path.name for path in LOCALE.iterdir() if _catalogue(LOCALE, path.name).exists())
    # makemessages writes into the first of LOCALE_PATHS and reads the files below the working directory.
    with override_settings(LOCALE_PATHS=[root / "svidok" / "locale"]), contextlib.chdir(root):
        call_command("makemessages", locale=present, verbosity=0)
    return root / "svidok" / "locale"


def _incomplete(path: Path) -> list[str]:
    """'msgid' (where it comes from) of each untranslated or fuzzy message of the catalogue."""
    missing = []
    for entry in _fill_translations().read(path):
        if entry.obsolete or entry.key == (None, ""):
            continue
        if entry.untranslated or entry.fuzzy:
            where = " ".join(line[2:].strip() for line in entry.comments if line.startswith("#:"))
            state = "fuzzy" if entry.fuzzy else "untranslated"
            missing.append(f"{entry.key[1]!r} ({state}; {where})")
    return missing


@pytest.mark.parametrize("code", interface_languages())
def test_every_interface_language_has_a_catalogue(code):
    assert _catalogue(LOCALE, code).exists(), f"no catalogue for {code}: svidok makemessages -l {code}"


@pytest.mark.parametrize("code", interface_languages())
def test_catalogue_translates_every_message_of_the_current_source(fresh_locale, code):
    path = _catalogue(fresh_locale, code)
    assert path.exists(), f"no catalogue for {code}"

    missing = _incomplete(path)

    assert missing == [], (f"{len(missing)} messages of {code} untranslated or fuzzy (run svidok makemessages "
                           f"-l {code} --ignore=.venv --ignore=tests --ignore=bench and translate): "
                           + "; ".join(missing[:SHOWN]))


def test_catalogue_directories_are_configured_languages():
    configured = {code for code, _name in settings.LANGUAGES}

    strays = sorted(path.name for path in LOCALE.iterdir() if path.is_dir() and path.name not in configured)

    assert strays == []


@pytest.mark.parametrize("path", sorted(LOCALE.glob("*/LC_MESSAGES/django.po")), ids=lambda path: path.parts[-3])
def test_catalogue_passes_msgfmt_check(path):
    # -c checks the header, the plural forms and that every %(name)s of a msgid is in its msgstr.
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)

    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(("code", "plural_forms"), [
    ("uk", "nplurals=4;"), ("ru", "nplurals=4;"), ("crh", "nplurals=2; plural=(n != 1);")])
def test_catalogue_plural_forms(code, plural_forms):
    path = _catalogue(LOCALE, code)
    if not path.exists():
        pytest.skip(f"no {code} catalogue yet ({PENDING_CATALOGUES.get(code, 'not configured')})")
    header = _fill_translations().read(path)[0].fields["msgstr"]

    found = re.search(r"Plural-Forms: ([^\n]*)", header).group(1)

    assert found.startswith(plural_forms)


def test_crimean_tatar_is_known_to_django():
    info = translation.get_language_info("crh")

    assert (info["code"], info["name"], info["name_local"], info["bidi"]) == ("crh", "Crimean Tatar", "Qırımtatarca", False)


@pytest.mark.parametrize(("code", "shown"), [
    ("en", "Dec. 3, 2026"), ("uk", "03 грудня 2026 р."), ("ru", "3 декабря 2026 г.")])
def test_dates_formatted_per_language(code, shown):
    with translation.override(code):
        assert formats.date_format(dt.date(2026, 12, 3)) == shown


@pytest.fixture
def crimean_tatar_months(tmp_path):
    """A stand-in crh catalogue with two month names, for as long as the real one is not merged."""
    po = _catalogue(tmp_path, "crh")
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgctxt "alt. month"\nmsgid "December"\nmsgstr "dekabr"\n\n'
                  'msgid "December"\nmsgstr "Dekabr"\n\nmsgid "Sign in"\nmsgstr "Kir"\n', encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    with override_settings(LOCALE_PATHS=[tmp_path, *settings.LOCALE_PATHS]):
        yield


def test_crimean_tatar_dates_use_its_own_format_and_month_names(crimean_tatar_months):
    with translation.override("crh"):
        assert (formats.date_format(dt.date(2026, 12, 3)), formats.date_format(dt.date(2026, 12, 3), "YEAR_MONTH_FORMAT"),
                formats.number_format(1234567, force_grouping=True)) == ("3 dekabr 2026", "Dekabr 2026", "1\xa0234\xa0567")


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "lang", "heading"), [
    ("ru-RU,ru;q=0.9", "ru", "Войти"), ("uk", "uk", "Увійти"), ("de-DE", "en", "Sign in"), ("crh-UA,crh", "crh", "Kir")])
def test_accept_language_chooses_the_interface_language(client, crimean_tatar_months, accept, lang, heading):
    response = client.get("/accounts/login/", headers={"accept-language": accept})

    assert re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1) == lang
    assert re.search(r"<h1>([^<]*)</h1>", response.content.decode()).group(1) == heading


@pytest.mark.parametrize("code", ["uk", "ru"])
def test_our_copies_of_django_messages_say_what_django_says(code):
    """Our catalogues repeat Django's date words and form messages for crh's sake
    (svidok/common/languages.py); in uk and ru they take precedence over Django's own, so they
    must be Django's own translations."""
    reader = _fill_translations().read
    django_root = Path(django.__file__).parent
    theirs = {}
    for catalogue in (django_root / "conf" / "locale", django_root / "contrib" / "auth" / "locale"):
        for entry in reader(_catalogue(catalogue, code)):
            if not entry.obsolete:
                theirs.setdefault(entry.key, entry.fields)
    ours = [entry for entry in reader(_catalogue(LOCALE, code))
            if any("svidok/common/languages.py" in line for line in entry.comments if line.startswith("#:"))]

    differing = [entry.key for entry in ours if entry.fields != theirs.get(entry.key)]

    assert (len(ours), differing) == (88, [])


def test_every_shipped_vocabulary_term_has_a_label_in_every_interface_language():
    # Terms (incident types, roles, legal qualifications) are data, not catalogue messages: a page
    # shows label_<language>, falling back to English, so a missing label passes unnoticed.
    shipped = json.loads((ROOT / "data" / "vocabularies.json").read_text(encoding="utf-8"))
    codes = [code for code, _name in settings.LANGUAGES]

    missing = [f"{vocabulary['code']}:{term['code']} label_{code}" for vocabulary in shipped["vocabularies"]
               for term in vocabulary["terms"] for code in codes if not term.get(f"label_{code}", "").strip()]

    assert missing == []
