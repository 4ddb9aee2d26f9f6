#!/usr/bin/env python3
"""Fill untranslated (and fuzzy) entries of the ru and crh catalogues from translators' JSON files.

    scripts/fill_translations.py /tmp/tr/*.json              fill svidok/locale/{ru,crh}/LC_MESSAGES/django.po
    scripts/fill_translations.py --languages ru FILE.json    only Russian
    scripts/fill_translations.py --check FILE.json           say what would change, write nothing

Each JSON file is one object, keyed by msgid (docs/translating.md):

    {"Sign in": {"ru": "Войти", "crh": "Kir"},
     "%(n)s incident": {"plural": "%(n)s incidents", "ru": ["… 4 forms"], "crh": ["one", "other"]},
     "May": {"ru": "Май", "crh": "Mayıs"},
     "alt. month\\u0004May": {"context": "alt. month", "ru": "мая", "crh": "mayıs"}}

Only entries that are empty or marked fuzzy are filled (a fuzzy guess of msgmerge is replaced and its
flag and previous-msgid comments dropped); a translation already given is never overwritten, and every
other line of the file stays as it is. Run ``svidok makemessages -l ru -l crh`` first so the new msgids
are in the files; a msgid of the JSON that is in no catalogue is reported, not added.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "svidok" / "locale"



def unquote(text: str) -> str:
    """The value of a quoted PO string (a C string: \\n, \\t, \\", \\\\)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
                                          "v": "\v"}.get(m.group(1), m.group(1)), text[1:-1])


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


class Entry:
    """One block of a .po file: its comment lines and its msgctxt/msgid/msgid_plural/msgstr fields."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.comments: list[str] = []
        self.fields: dict[str, str] = {}
        self.changed = False
        key = None
        for line in lines:
            if line.startswith("#"):
                self.comments.append(line)
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$', line)
            if match:
                key = match.group(1)
                self.fields[key] = unquote(match.group(2))
            elif line.startswith('"') and key:
                self.fields[key] += unquote(line.strip())

    @property
    def obsolete(self) -> bool:
        return not self.fields

    @property
    def key(self) -> tuple[str | None, str]:
        return self.fields.get("msgctxt"), self.fields.get("msgid", "")

    @property
    def fuzzy(self) -> bool:
        return any(line.startswith("#,") and "fuzzy" in line for line in self.comments)

    @property
    def untranslated(self) -> bool:
        strings = [value for name, value in self.fields.items() if name.startswith("msgstr")]
        return not strings or any(value == "" for value in strings)

    def fill(self, translation, nplurals: int = 2) -> None:
        if "msgid_plural" in self.fields:
            forms = list(translation) if isinstance(translation, list) else [translation]
            if len(forms) != nplurals:
                raise ValueError(f"{self.key[1]!r}: {len(forms)} plural forms given, the language has {nplurals}")
            # A fresh catalogue (makemessages from the template) may hold two empty forms whatever
            # the language's Plural-Forms says: all of them are rewritten.
            for name in [name for name in self.fields if name.startswith("msgstr")]:
                del self.fields[name]
            for number, form in enumerate(forms):
                self.fields[f"msgstr[{number}]"] = form
        else:
            if isinstance(translation, list):
                raise ValueError(f"{self.key[1]!r}: plural forms given for a singular message")
            self.fields["msgstr"] = translation
        comments = []
        for line in self.comments:
            if line.startswith("#|"):
                continue  # the previous msgid msgmerge guessed from
            if line.startswith("#,"):
                flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
                if not flags:
                    continue
                line = "#, " + ", ".join(flags)
            comments.append(line)
        self.comments = comments
        self.changed = True

    def render(self) -> list[str]:
        if not self.changed:
            return self.lines
        return self.comments + [f"{name} {quote(value)}" for name, value in self.fields.items()]


def read(path: Path) -> list[Entry]:
    blocks, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == "":
            if current:
                blocks.append(Entry(current))
                current = []
        else:
            current.append(line)
    if current:
        blocks.append(Entry(current))
    return blocks


def write(path: Path, entries: list[Entry]) -> None:
    path.write_text("\n\n".join("\n".join(entry.render()) for entry in entries) + "\n", encoding="utf-8")


def load(files: list[Path]) -> dict[tuple[str | None, str], dict]:
    wanted = {}
    for file in files:
        for key, item in json.loads(file.read_text(encoding="utf-8")).items():
            # One msgid under two contexts ("May", "alt. month" "May") needs two keys: gettext's
            # own "context\u0004msgid".
            context, _, msgid = key.rpartition("\x04") if "\x04" in key else (item.get("context"), "", key)
            wanted[(context or None, msgid)] = item
    return wanted


def fill(path: Path, language: str, wanted: dict, *, check: bool = False) -> tuple[int, set]:
    """Fill ``path`` from ``wanted``; return how many entries were filled and the keys it holds."""
    entries = read(path)
    header = next((entry.fields.get("msgstr", "") for entry in entries if entry.key == (None, "")), "")
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    nplurals = int(match.group(1)) if match else 2
    filled, present = 0, set()
    for entry in entries:
        if entry.obsolete or entry.key == (None, ""):
            continue
        present.add(entry.key)
        item = wanted.get(entry.key)
        if item is None or language not in item or not (entry.untranslated or entry.fuzzy):
            continue
        if "msgid_plural" in entry.fields and item.get("plural") not in (None, entry.fields["msgid_plural"]):
            print(f"{language}: {entry.key[1]!r}: the plural msgid differs from the catalogue's, left alone")
            continue
        try:
            entry.fill(item[language], nplurals)
        except ValueError as error:  # a wrong number of plural forms: that entry only is left alone
            print(f"{language}: {error}, left alone")
            continue
        filled += 1
    if filled and not check:
        write(path, entries)
    return filled, present


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--languages", default="ru,crh")
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    wanted = load(args.files)
    status = 0
    for language in args.languages.split(","):
        path = LOCALE / language / "LC_MESSAGES" / "django.po"
        if not path.exists():
            print(f"{language}: no catalogue at {path.relative_to(ROOT)} (run svidok makemessages -l {language})")
            status = 1
            continue
        filled, present = fill(path, language, wanted, check=args.check)
        print(f"{language}: {filled} entries filled")
        for context, msgid in sorted(set(wanted) - present, key=lambda key: key[1]):
            print(f"{language}: not in the catalogue: {msgid!r}" + (f" (context {context!r})" if context else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
