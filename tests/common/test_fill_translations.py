"""scripts/fill_translations.py: the merger fills the ru and crh catalogues from translators' JSON."""

import importlib.util
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CATALOGUE = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<12 || n%100>14) ? 1 : n%10==0 || (n%10>=5 && n%10<=9) || "
"(n%100>=11 && n%100<=14)? 2 : 3);\\n"

#: svidok/a.py:1
msgid "Sign in"
msgstr ""

#: svidok/a.py:2
#, python-format
msgid "%(n)s incident"
msgid_plural "%(n)s incidents"
msgstr[0] ""
msgstr[1] ""

#: svidok/a.py:3
#, fuzzy
#| msgid "March"
msgctxt "alt. month"
msgid "May"
msgstr "марта"

#: svidok/a.py:4
msgid "May"
msgstr "Май"

#: svidok/a.py:5
msgid "A very long message that "
"goes on"
msgstr ""

#~ msgid "Gone"
#~ msgstr "Ушло"
'''

FILLED = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<12 || n%100>14) ? 1 : n%10==0 || (n%10>=5 && n%10<=9) || "
"(n%100>=11 && n%100<=14)? 2 : 3);\\n"

#: svidok/a.py:1
msgid "Sign in"
msgstr "Войти"

#: svidok/a.py:2
#, python-format
msgid "%(n)s incident"
msgid_plural "%(n)s incidents"
msgstr[0] "%(n)s инцидент"
msgstr[1] "%(n)s инцидента"
msgstr[2] "%(n)s инцидентов"
msgstr[3] "%(n)s инцидента"

#: svidok/a.py:3
msgctxt "alt. month"
msgid "May"
msgstr "мая"

#: svidok/a.py:4
msgid "May"
msgstr "Май"

#: svidok/a.py:5
msgid "A very long message that goes on"
msgstr "Очень длинное \\"сообщение\\""

#~ msgid "Gone"
#~ msgstr "Ушло"
'''

TRANSLATIONS = {
    "Sign in": {"ru": "Войти", "crh": "Kir"},
    "%(n)s incident": {"plural": "%(n)s incidents", "ru": ["%(n)s инцидент", "%(n)s инцидента", "%(n)s инцидентов",
                                                           "%(n)s инцидента"], "crh": ["%(n)s hadise", "%(n)s hadise"]},
    "alt. month\u0004May": {"context": "alt. month", "ru": "мая", "crh": "mayıs"},
    "May": {"ru": "Maй (never written: translated already)", "crh": "Mayıs"},
    "A very long message that goes on": {"ru": 'Очень длинное "сообщение"'},
    "Not in the catalogue": {"ru": "Нет в каталоге"},
}


def _script():
    spec = importlib.util.spec_from_file_location("fill_translations", ROOT / "scripts" / "fill_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fill_translations_fills_empty_plural_context_and_fuzzy_entries_only(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(CATALOGUE, encoding="utf-8")
    given = tmp_path / "lang.json"
    given.write_text(json.dumps(TRANSLATIONS, ensure_ascii=False), encoding="utf-8")
    script = _script()

    filled, present = script.fill(po, "ru", script.load([given]))

    assert filled == 4
    assert po.read_text(encoding="utf-8") == FILLED
    assert (None, "Not in the catalogue") not in present
    assert subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True).returncode == 0


def test_fill_translations_check_writes_nothing(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(CATALOGUE, encoding="utf-8")
    given = tmp_path / "lang.json"
    given.write_text(json.dumps(TRANSLATIONS, ensure_ascii=False), encoding="utf-8")
    script = _script()

    filled, _present = script.fill(po, "ru", script.load([given]), check=True)

    assert (filled, po.read_text(encoding="utf-8")) == (4, CATALOGUE)


def test_fill_translations_leaves_an_entry_with_the_wrong_number_of_plural_forms(tmp_path, capsys):
    po = tmp_path / "django.po"
    po.write_text(CATALOGUE, encoding="utf-8")
    given = tmp_path / "lang.json"
    given.write_text(json.dumps({"%(n)s incident": {"plural": "%(n)s incidents", "ru": ["%(n)s инцидент"]},
                                 "Sign in": {"ru": "Войти"}}, ensure_ascii=False), encoding="utf-8")
    script = _script()

    filled, _present = script.fill(po, "ru", script.load([given]))

    assert filled == 1
    assert 'msgstr[0] ""\nmsgstr[1] ""' in po.read_text(encoding="utf-8")
    assert capsys.readouterr().out == "ru: '%(n)s incident': 1 plural forms given, the language has 4, left alone\n"
