#!/usr/bin/env python
"""Duplicate finder benchmark: 100,000 synthetic persons with planted duplicates, on a fresh database.

    .venv/bin/python bench/duplicates.py                                # SQLite, prints a Markdown section
    .venv/bin/python bench/duplicates.py --db sqlite,postgresql --results bench/RESULTS.md
    .venv/bin/python bench/duplicates.py --persons 20000                # quicker

Each database runs in a child process on a fresh database (SQLite in a temporary var dir,
PostgreSQL in a throwaway cluster from ``scripts/with-postgres.sh``):

1. **Generate** N made-up persons (no combination stands for a real person): Russian, Ukrainian
   and Crimean Tatar given names, patronymics and surnames (a few hundred real surname stems and a
   long tail made of syllables, Zipf-weighted as in any population), in Cyrillic, most with a
   romanized variant too, 65% with a birth date, 1% protected (no name variants). No two base
   persons share given name and surname, and no two made-up surnames the same skeleton, so a
   proposal outside the planted pairs is the matcher's mistake, not a coincidence of namesakes. Planted among them:
   * **duplicates**: a second (sometimes a third) record of a base person, its name inflected
     (genitive, dative, instrumental, by pymorphy3), transliterated by another scheme (passport
     capitals, BGN/PCGN, GOST; sometimes given name and surname only), with a typo (one letter
     changed, dropped or doubled), with Latin look-alike letters (repaired, the raw value kept),
     in the other language (Ukrainian for Russian and back), or reordered and shortened; its birth
     date the same or unknown;
   * **namesakes**: a new person with exactly the same names as a base person and another birth
     year: never to be proposed.
2. **Insert** them in bulk (``bulk_create`` of persons, identities and name variants with their
   romanization keys, as the services would store them; no per-record services).
3. **Find**: ``duplicates.find_duplicates`` at the matcher's threshold, wall time from reading the
   database to the last score (goal <= 60 s), the time of each stage, pairs proposed, recall of
   the planted duplicate pairs, and precision: the share of proposals that are planted pairs.
   A proposal that pairs a duplicate whose birth date is unknown with a namesake of its original
   is counted apart ("indistinguishable"): by their names and dates they could be either person.

``--results`` writes the section into bench/RESULTS.md between the ``<!-- duplicates -->`` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

THRESHOLDS = (0.8, 0.85, 0.9, 0.95)

# --- synthetic names ---------------------------------------------------------------------------------
# (Russian, Ukrainian) pairs. Crimean Tatar names are written the Russian way in Cyrillic.
MALE = [("Александр", "Олександр"), ("Сергей", "Сергій"), ("Андрей", "Андрій"), ("Алексей", "Олексій"),
        ("Дмитрий", "Дмитро"), ("Владимир", "Володимир"), ("Николай", "Микола"), ("Михаил", "Михайло"),
        ("Иван", "Іван"), ("Игорь", "Ігор"), ("Виктор", "Віктор"), ("Юрий", "Юрій"), ("Олег", "Олег"),
        ("Евгений", "Євген"), ("Павел", "Павло"), ("Василий", "Василь"), ("Максим", "Максим"), ("Роман", "Роман"),
        ("Анатолий", "Анатолій"), ("Валерий", "Валерій"), ("Виталий", "Віталій"), ("Григорий", "Григорій"),
        ("Пётр", "Петро"), ("Константин", "Костянтин"), ("Денис", "Денис"), ("Вадим", "Вадим"), ("Борис", "Борис"),
        ("Леонид", "Леонід"), ("Степан", "Степан"), ("Фёдор", "Федір"), ("Ярослав", "Ярослав"), ("Богдан", "Богдан"),
        ("Тарас", "Тарас"), ("Артём", "Артем"), ("Руслан", "Руслан"), ("Станислав", "Станіслав"),
        ("Геннадий", "Геннадій"), ("Илья", "Ілля"), ("Кирилл", "Кирило"), ("Антон", "Антон"),
        ("Эскендер", "Ескендер"), ("Рустем", "Рустем"), ("Нариман", "Наріман"), ("Ленур", "Ленур"),
        ("Энвер", "Енвер"), ("Эдем", "Едем"), ("Айдер", "Айдер"), ("Сейран", "Сейран")]
FEMALE = [("Елена", "Олена"), ("Ольга", "Ольга"), ("Наталья", "Наталія"), ("Татьяна", "Тетяна"), ("Ирина", "Ірина"),
          ("Светлана", "Світлана"), ("Анна", "Ганна"), ("Марина", "Марина"), ("Людмила", "Людмила"),
          ("Галина", "Галина"), ("Екатерина", "Катерина"), ("Юлия", "Юлія"), ("Оксана", "Оксана"),
          ("Валентина", "Валентина"), ("Надежда", "Надія"), ("Лариса", "Лариса"), ("Мария", "Марія"),
          ("Виктория", "Вікторія"), ("Инна", "Інна"), ("Алла", "Алла"), ("Нина", "Ніна"), ("Вера", "Віра"),
          ("Любовь", "Любов"), ("Анастасия", "Анастасія"), ("Дарья", "Дарина"), ("Ксения", "Ксенія"),
          ("Евгения", "Євгенія"), ("Тамара", "Тамара"), ("Зарема", "Зарема"), ("Эльмира", "Ельміра"),
          ("Гульнара", "Гульнара"), ("Эмине", "Еміне"), ("Диляра", "Діляра")]
# Father's name: (Russian masculine, Russian feminine, Ukrainian masculine, Ukrainian feminine).
PATRONYMICS = [
    ("Александрович", "Александровна", "Олександрович", "Олександрівна"),
    ("Сергеевич", "Сергеевна", "Сергійович", "Сергіївна"), ("Андреевич", "Андреевна", "Андрійович", "Андріївна"),
    ("Алексеевич", "Алексеевна", "Олексійович", "Олексіївна"), ("Дмитриевич", "Дмитриевна", "Дмитрович", "Дмитрівна"),
    ("Владимирович", "Владимировна", "Володимирович", "Володимирівна"),
    ("Николаевич", "Николаевна", "Миколайович", "Миколаївна"), ("Михайлович", "Михайловна", "Михайлович", "Михайлівна"),
    ("Иванович", "Ивановна", "Іванович", "Іванівна"), ("Игоревич", "Игоревна", "Ігорович", "Ігорівна"),
    ("Викторович", "Викторовна", "Вікторович", "Вікторівна"), ("Юрьевич", "Юрьевна", "Юрійович", "Юріївна"),
    ("Олегович", "Олеговна", "Олегович", "Олегівна"), ("Евгеньевич", "Евгеньевна", "Євгенович", "Євгенівна"),
    ("Павлович", "Павловна", "Павлович", "Павлівна"), ("Васильевич", "Васильевна", "Васильович", "Василівна"),
    ("Анатольевич", "Анатольевна", "Анатолійович", "Анатоліївна"),
    ("Валерьевич", "Валерьевна", "Валерійович", "Валеріївна"),
    ("Григорьевич", "Григорьевна", "Григорович", "Григорівна"), ("Петрович", "Петровна", "Петрович", "Петрівна"),
    ("Борисович", "Борисовна", "Борисович", "Борисівна"), ("Леонидович", "Леонидовна", "Леонідович", "Леонідівна"),
    ("Степанович", "Степановна", "Степанович", "Степанівна"), ("Фёдорович", "Фёдоровна", "Федорович", "Федорівна"),
    ("Романович", "Романовна", "Романович", "Романівна"), ("Геннадьевич", "Геннадьевна", "Геннадійович", "Геннадіївна"),
    ("Константинович", "Константиновна", "Костянтинович", "Костянтинівна"),
    ("Ярославович", "Ярославовна", "Ярославович", "Ярославівна"), ("Тарасович", "Тарасовна", "Тарасович", "Тарасівна"),
    ("Рустемович", "Рустемовна", "Рустемович", "Рустемівна"), ("Энверович", "Энверовна", "Енверович", "Енверівна"),
]
STEMS = ["Иван", "Смирн", "Кузнец", "Поп", "Васил", "Петр", "Сокол", "Михайл", "Новик", "Федор", "Мороз", "Волк",
         "Алексе", "Лебед", "Семен", "Егор", "Павл", "Козл", "Степан", "Никола", "Орл", "Андре", "Макар", "Захар",
         "Зайц", "Соловь", "Борис", "Яковл", "Григорь", "Роман", "Воробь", "Сергее", "Кузьмин", "Фрол", "Дмитри",
         "Корол", "Гусе", "Киселе", "Ильин", "Максим", "Поляк", "Сорокин", "Виноград", "Ковал", "Бел", "Медвед",
         "Антон", "Тарас", "Жук", "Баран", "Комар", "Белоус", "Голуб", "Шубин", "Крыл", "Тихон", "Калин", "Дорофе",
         "Журавл", "Богдан", "Мартын", "Гаврил", "Пантеле", "Ермак", "Ефим", "Нестер", "Сафон", "Туман", "Щерб",
         "Черныш", "Гром", "Самойл", "Лапин", "Бык", "Сусл", "Горбун", "Кудряв", "Рыж", "Лыс", "Толст", "Худяк",
         "Пахом", "Осип", "Кондрат", "Трофим", "Лукьян", "Прохор", "Родион", "Савел", "Тимофе", "Филат", "Харитон",
         "Бондар", "Ткач", "Кравч", "Мельнич", "Шевч", "Гончар", "Лис", "Марч", "Сав", "Руд", "Полищ", "Левч", "Гнат",
         "Дорош", "Тимош", "Кушнир", "Мазур", "Литвин", "Кост", "Сидор", "Гумен", "Карп", "Остап", "Пономар", "Дем",
         "Клим", "Зинч", "Приход", "Герасим", "Вакар", "Гайдай", "Кобзар", "Панас", "Рыбал", "Цыбул", "Шаповал",
         "Юрч", "Ярем", "Бабич", "Бережн", "Вдович", "Головат", "Гуз", "Малыш", "Чубар", "Джемил", "Умер", "Ислям",
         "Сеитумер", "Абла", "Мемет", "Осман", "Куртумер", "Бекир", "Ибраим", "Мустафа", "Али", "Якуб", "Амет",
         "Вели", "Халил", "Эмирсали", "Сейтабла", "Аксен", "Константин", "Полонск", "Бальбек", "Шеремет"]
SUFFIXES = [("ов", "ов"), ("ев", "ев"), ("ин", "ін"), ("ский", "ський"), ("енко", "енко"), ("ук", "ук"),
            ("чук", "чук"), ("ович", "ович"), ("як", "як"), ("ик", "ик")]
CONSONANTS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш",
              "бр", "гр", "др", "кр", "пр", "тр", "ст", "шк", "зв", "сл", "пл"]
VOWELS = ["а", "о", "е", "у", "и", "я"]
# Cyrillic letters and the Latin letters that look like them (what a mixed-script copy carries).
LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "А": "A", "В": "B",
              "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I"}
TYPO_LETTERS = "бвгдзклмнпрстфхцчш"


def _weights(n: int, offset: float = 1.0, power: float = 1.0) -> list[float]:
    """Zipf-like: a few names are very common, most are rare (as in any population)."""
    return [1.0 / (i + offset) ** power for i in range(n)]


def _to_uk(stem: str) -> str:
    """A Russian surname stem in Ukrainian spelling (enough for made-up names)."""
    table = str.maketrans({"и": "і", "ы": "и", "э": "е", "ё": "е", "ъ": "'"})
    return stem.translate(table)


def _surname(stem: str, suffix: tuple[str, str], lang: str, female: bool) -> str:
    ru, uk = suffix
    if lang == "uk":
        word, end = _to_uk(stem), uk
    else:
        word, end = stem, ru
    if female:
        end = {"ов": "ова", "ев": "ева", "ин": "ина", "ін": "іна", "ский": "ская", "ський": "ська"}.get(end, end)
    return word + end


def _surname_pool(rng: random.Random, size: int) -> list[tuple[str, tuple[str, str]]]:
    """Surnames as (stem, suffix): the real stems first (the common ones), then made-up stems.
    A made-up surname whose skeleton (consonants, vowels folded) another surname has already is
    drawn again: two such names would be one name spelled two ways to any reader."""
    from svidok.search.normalize import word_keys

    pool = [(stem, suffix) for stem in STEMS for suffix in rng.sample(SUFFIXES, 3)]
    seen = {(s, x) for s, x in pool}
    keys: set[str] = set()
    for stem, suffix in pool:
        keys |= word_keys(stem + suffix[0])
    while len(pool) < size:
        stem = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.choice((1, 2, 2, 3))))
        stem = stem[0].upper() + stem[1:] + rng.choice(["", "л", "н", "р", "в", "ш", "к"])
        item = (stem, rng.choice(SUFFIXES))
        found = word_keys(stem + item[1][0])
        if item not in seen and not found & keys:
            seen.add(item)
            keys |= found
            pool.append(item)
    return pool


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.surnames = _surname_pool(self.rng, 20_000)
        self.surname_w = _weights(len(self.surnames), offset=30, power=1.0)
        self.male_w = _weights(len(MALE), offset=3, power=1.1)
        self.female_w = _weights(len(FEMALE), offset=3, power=1.1)
        self.patronymic_w = _weights(len(PATRONYMICS), offset=3, power=1.0)
        self.taken: set = set()

    def base(self) -> dict:
        """A new person's parts: language, gender, given name, patronymic, surname (both languages)."""
        rng = self.rng
        while True:
            lang = rng.choices(["ru", "uk"], [55, 45])[0]
            female = rng.random() < 0.45
            given = rng.choices(FEMALE if female else MALE, self.female_w if female else self.male_w)[0]
            patronymic = rng.choices(PATRONYMICS, self.patronymic_w)[0]
            surname = rng.choices(self.surnames, self.surname_w)[0]
            # No two base persons share given name and surname (in either language): every proposal
            # outside the planted pairs is then the matcher's mistake, not a true namesake.
            key = (given, surname)
            if key not in self.taken:
                self.taken.add(key)
                break
        has_patronymic = rng.random() < 0.9
        return {"lang": lang, "female": female, "given": given, "patronymic": patronymic if has_patronymic else None,
                "surname": surname, "surname_first": rng.random() < 0.5, "caps": rng.random() < 0.3}

    @staticmethod
    def words(parts: dict, lang: str | None = None) -> tuple[str, str | None, str]:
        lang = lang or parts["lang"]
        column = 0 if lang == "ru" else 1
        given = parts["given"][column]
        patronymic = None
        if parts["patronymic"]:
            patronymic = parts["patronymic"][(1 if parts["female"] else 0) + (2 if lang == "uk" else 0)]
        surname = _surname(*parts["surname"], lang, parts["female"])
        return given, patronymic, surname

    @staticmethod
    def full(given, patronymic, surname, *, surname_first=False, caps=False) -> str:
        if caps:
            surname = surname.upper()
        if surname_first:
            return " ".join(w for w in (surname, given, patronymic) if w)
        return " ".join(w for w in (given, patronymic, surname) if w)

    def names(self, parts: dict) -> list[dict]:
        """A base person's name variants: the Cyrillic name, often a romanization of it."""
        from svidok.names import romanizations

        given, patronymic, surname = self.words(parts)
        cyrillic = self.full(given, patronymic, surname, surname_first=parts["surname_first"], caps=parts["caps"])
        variants = [{"name": cyrillic, "lang": parts["lang"], "kind": "official"}]
        if self.rng.random() < 0.6:
            scheme = "uk_national_2010" if parts["lang"] == "uk" else "ru_icao_9303"
            latin = romanizations(self.full(given, patronymic, surname), parts["lang"])[scheme]
            variants.append({"name": latin, "lang": "en", "kind": "transliteration"})
        return variants

    # -- planted duplicates: the same person as another record would have it --

    def duplicate(self, parts: dict) -> tuple[str, list[dict]]:
        rng = self.rng
        how = rng.choice(["inflected", "transliterated", "typo", "homoglyph", "other_language", "reordered"])
        given, patronymic, surname = self.words(parts)
        if how == "inflected":
            inflected = _inflect([given, patronymic, surname], parts["lang"], parts["female"],
                                 rng.choice(["gent", "datv", "ablt"]))
            if inflected:
                return how, [{"name": " ".join(w for w in inflected if w), "lang": parts["lang"], "kind": "press"}]
            how = "transliterated"
        if how == "transliterated":
            from svidok.names import romanizations

            short = rng.random() < 0.4
            text = self.full(given, None if short else patronymic, surname, surname_first=rng.random() < 0.5)
            schemes = romanizations(text, parts["lang"])
            latin = schemes[rng.choice(sorted(schemes))]
            return how, [{"name": latin, "lang": "en", "kind": "transliteration"}]
        if how == "typo":
            target = rng.choice(["given", "surname", "surname"])
            if target == "given":
                given = _typo(given, rng)
            else:
                surname = _typo(surname, rng)
            text = self.full(given, patronymic, surname, surname_first=parts["surname_first"])
            return how, [{"name": text, "lang": parts["lang"], "kind": "press"}]
        if how == "homoglyph":
            text = self.full(given, patronymic, surname, surname_first=not parts["surname_first"])
            letters = [i for i, c in enumerate(text) if c in LOOKALIKES]
            chosen = set(rng.sample(letters, min(len(letters), rng.choice((1, 2, 3)))))
            raw = "".join(LOOKALIKES[c] if i in chosen else c for i, c in enumerate(text))
            return how, [{"raw": raw, "name": text, "lang": parts["lang"], "kind": "press"}]
        if how == "other_language":
            other = "uk" if parts["lang"] == "ru" else "ru"
            text = self.full(*self.words(parts, other), surname_first=parts["surname_first"])
            return how, [{"name": text, "lang": other, "kind": "official"}]
        text = self.full(given, None if rng.random() < 0.5 else patronymic, surname, surname_first=not parts["surname_first"],
                         caps=rng.random() < 0.5)
        return "reordered", [{"name": text, "lang": parts["lang"], "kind": "press"}]


def _inflect(words: list[str | None], lang: str, female: bool, case: str) -> list[str | None] | None:
    """Each word of a name in ``case`` (pymorphy3), keeping the gender; None when a word resists."""
    from svidok.names import analyzer as morph_analyzer

    analyzer = morph_analyzer(lang)
    gender = "femn" if female else "masc"
    out: list[str | None] = []
    for word in words:
        if word is None:
            out.append(None)
            continue
        parses = [p for p in analyzer.parse(word.lower()) if {"Name", "Surn", "Patr"} & p.tag.grammemes
                  and p.tag.gender in (gender, None) and "nomn" in p.tag.grammemes]
        inflected = parses[0].inflect({case, "sing"}) if parses else None
        if inflected is None:
            return None
        form = inflected.word.replace("ё", "е") if "ё" not in word.lower() else inflected.word
        out.append(form.upper() if word.isupper() else form[:1].upper() + form[1:])
    return out


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    kind = rng.choice(["substitute", "drop", "double"])
    if kind == "substitute":
        return word[:i] + rng.choice([c for c in TYPO_LETTERS if c != word[i].lower()]) + word[i + 1:]
    if kind == "drop" and len(word) > 4:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def generate(n: int, seed: int = 5) -> tuple[list[dict], dict]:
    """``n`` synthetic person records and what was planted: ``{"pairs": {(a, b)}, "namesakes": ...}``
    (record numbers)."""
    gen = Generator(seed)
    rng = gen.rng
    protected = n // 100
    groups = n // 25  # base persons with a planted duplicate
    seconds = groups // 8  # of which with a second duplicate
    namesakes = n // 60
    base_count = n - protected - groups - seconds - namesakes
    records: list[dict] = []
    bases = []
    for _ in range(base_count):
        parts = gen.base()
        born = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(55 * 365)) if rng.random() < 0.65 else None
        records.append({"names": gen.names(parts), "birth_date": born, "group": len(records), "kind": "base"})
        bases.append((len(records) - 1, parts))
    planted = rng.sample(bases, groups)
    how_counts: Counter = Counter()
    for number, (index, parts) in enumerate(planted):
        for _copy in range(2 if number < seconds else 1):
            how, names = gen.duplicate(parts)
            how_counts[how] += 1
            born = records[index]["birth_date"] if rng.random() < 0.5 else None
            records.append({"names": names, "birth_date": born, "group": index, "kind": "duplicate", "how": how})
    dated = [b for b in bases if records[b[0]]["birth_date"]]
    for index, _parts in rng.sample(dated, namesakes):
        original = records[index]
        year = original["birth_date"].year + rng.choice([-1, 1]) * rng.randrange(1, 30)
        born = dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
        records.append({"names": [dict(v) for v in original["names"]], "birth_date": born, "group": len(records),
                        "kind": "namesake", "namesake_of": index})
    for _ in range(protected):
        records.append({"names": [], "birth_date": None, "group": len(records), "kind": "protected"})
    return records, {"duplicates": dict(how_counts)}


# --- the database --------------------------------------------------------------------------------------

def insert(records: list[dict]) -> list[int]:
    """Bulk insert (persons, identities, name variants with their keys); returns each record's pk."""
    from django.db import transaction

    from svidok.names import repair_homoglyphs, romanizations
    from svidok.people.models import NameVariant, Person, PersonIdentity
    from svidok.people.services import new_pseudonyms

    pseudonyms = iter(new_pseudonyms(sum(1 for r in records if r["kind"] == "protected")))
    with transaction.atomic():
        persons = []
        for r in records:
            if r["kind"] == "protected":
                persons.append(Person(protected=True, pseudonym=next(pseudonyms), display_name="", gender=""))
                persons[-1].display_name = persons[-1].pseudonym
            else:
                persons.append(Person(display_name=repair_homoglyphs(r["names"][0].get("raw") or r["names"][0]["name"])))
        Person.objects.bulk_create(persons, batch_size=2000)
        PersonIdentity.objects.bulk_create(
            [PersonIdentity(person=p, full_name=(r["names"][0]["name"] if r["names"] else "Protected person"),
                            birth_date=r["birth_date"]) for p, r in zip(persons, records, strict=True)], batch_size=2000)
        variants = []
        for p, r in zip(persons, records, strict=True):
            for k, v in enumerate(r["names"]):
                raw = v.get("raw", "")
                name = repair_homoglyphs(raw) if raw else v["name"]
                script = "Cyrl" if any("\u0400" <= c <= "\u04ff" for c in name) else "Latn"
                variants.append(NameVariant(person=p, name=name, raw=raw if raw != name else "",
                                            keys=romanizations(name, v["lang"] if v["lang"] in ("uk", "ru") else None),
                                            lang=v["lang"], script=script, kind=v["kind"], primary=k == 0))
        NameVariant.objects.bulk_create(variants, batch_size=2000)
    return [p.pk for p in persons]


def child(out: Path, n: int, seed: int) -> None:
    """In a child process on a fresh database: generate, insert, find; figures as JSON to ``out``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from svidok.names import matching
    from svidok.people import duplicates

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    records, planted = generate(n, seed)
    t_generate = time.perf_counter() - started
    started = time.perf_counter()
    pks = insert(records)
    t_insert = time.perf_counter() - started

    stages = {}
    started = time.perf_counter()
    found = duplicates.find_duplicates(progress=lambda stage, figures: stages.__setitem__(stage, figures))
    t_find = time.perf_counter() - started

    number = {pk: i for i, pk in enumerate(pks)}
    group = [r["group"] for r in records]
    members: dict[int, list[int]] = {}
    for i, r in enumerate(records):
        members.setdefault(r["group"], []).append(i)
    truth = {(min(a, b), max(a, b)) for ms in members.values() if len(ms) > 1 for a in ms for b in ms if a < b}
    namesake_of = {i: r["namesake_of"] for i, r in enumerate(records) if r["kind"] == "namesake"}
    true_found = ambiguous = 0
    wrong: Counter = Counter()
    proposed = {(number[c.left_pk], number[c.right_pk]) for c in found}
    proposed |= {(b, a) for a, b in proposed}
    how_total: Counter = Counter()
    how_found: Counter = Counter()
    for i, r in enumerate(records):
        if r["kind"] == "duplicate":
            how_total[r["how"]] += 1
            how_found[r["how"]] += (i, r["group"]) in proposed
    for c in found:
        a, b = number[c.left_pk], number[c.right_pk]
        if group[a] == group[b]:
            true_found += 1
            continue
        # A duplicate with no birth date against a namesake of its original: nothing tells them apart.
        dup, other = (a, b) if records[a]["kind"] == "duplicate" else (b, a)
        if records[dup]["kind"] == "duplicate" and namesake_of.get(other) == group[dup] and not records[dup]["birth_date"]:
            ambiguous += 1
        else:
            wrong[(records[a]["kind"], records[b]["kind"])] += 1
    by_threshold = []
    for t in THRESHOLDS:
        kept = [c for c in found if c.score >= t]
        true = sum(1 for c in kept if group[number[c.left_pk]] == group[number[c.right_pk]])
        by_threshold.append({"threshold": t, "proposed": len(kept), "true": true})
    namesake_pairs = sum(1 for c in found if namesake_of.get(number[c.left_pk]) == number[c.right_pk]
                         or namesake_of.get(number[c.right_pk]) == number[c.left_pk])
    database = connection.vendor
    version = (connection.cursor().connection.execute("select version()").fetchone()[0].split(" on ")[0]
               if database == "postgresql" else f"SQLite {connection.Database.sqlite_version}")
    out.write_text(json.dumps({
        "database": version, "persons": len(records), "generate_seconds": t_generate, "insert_seconds": t_insert,
        "find_seconds": t_find, "stages": stages, "proposed": len(found), "planted_pairs": len(truth),
        "true_found": true_found, "ambiguous": ambiguous, "wrong": {" / ".join(k): v for k, v in wrong.items()},
        "namesake_pairs": namesake_pairs, "namesakes": len(namesake_of), "by_threshold": by_threshold, "how_total": dict(how_total), "how_found": dict(how_found),
        "threshold": matching.DEFAULT_THRESHOLD, "matcher": f"{matching.ALGORITHM} {matching.VERSION}",
        "finder": f"{duplicates.FINDER} {duplicates.FINDER_VERSION}", "planted": planted,
    }))


def run(databases: list[str], n: int, seed: int) -> dict:
    from bench.children import run_on_databases

    return run_on_databases("duplicates.py", databases,
                            lambda out: ["--child", str(out), "--persons", str(n), "--seed", str(seed)])


def markdown(results: dict, *, command: str) -> str:
    first = next(iter(results.values()))
    out = [
        "## Duplicate finder",
        "",
        f"`{command}` — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        f"{first['persons']:,} synthetic persons (bench/duplicates.py: Russian, Ukrainian and Crimean Tatar names in "
        "Cyrillic, most with a romanization, 65% with a birth date, 1% protected), inserted in bulk; planted: "
        f"{first['planted_pairs']:,} duplicate pairs (" + ", ".join(f"{k} {v:,}" for k, v in sorted(first["how_total"].items()))
        + f") and {first['namesakes']:,} namesakes with another birth year. "
        f"`duplicates.find_duplicates` at the matcher's threshold {first['threshold']} ({first['matcher']}, "
        f"{first['finder']}), wall time from reading the database to the last score (goal <= 60 s):",
        "",
        "| database | insert, s | find, s | load / blocking / pre-score / score, s | pairs blocked | after pre-score "
        "| proposed | recall of planted | precision | indistinguishable | wrong |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        s = r["stages"]
        cuts = [s["load"]["seconds"], s["blocking"]["seconds"], s["prescore"]["seconds"], s["score"]["seconds"]]
        steps = " / ".join(f"{b - a:.1f}" for a, b in zip([0, *cuts[:-1]], cuts, strict=True))
        recall = r["true_found"] / r["planted_pairs"] if r["planted_pairs"] else 1
        precision = r["true_found"] / r["proposed"] if r["proposed"] else 1
        out.append(f"| {r['database']} | {r['insert_seconds']:.1f} | {r['find_seconds']:.1f} | {steps} | "
                   f"{s['blocking']['pairs']:,} | {s['prescore']['pairs']:,} | {r['proposed']:,} | "
                   f"{recall:.1%} ({r['true_found']:,}/{r['planted_pairs']:,}) | {precision:.1%} | {r['ambiguous']:,} | "
                   f"{sum(r['wrong'].values()):,} |")
    out += ["", "Recall by kind of duplicate (the duplicate paired with its original / planted):", ""]
    out.append("| " + " | ".join(sorted(first["how_total"])) + " |")
    out.append("|" + "---|" * len(first["how_total"]))
    out.append("| " + " | ".join(f"{first['how_found'].get(k, 0) / v:.1%}" for k, v in sorted(first["how_total"].items())) + " |")
    out += ["", "The same run's proposals at higher thresholds (SQLite run; a higher `--threshold` trades recall for precision):",
            "", "| threshold | proposed | recall of planted | precision |", "|---|---|---|---|"]
    for row in first["by_threshold"]:
        out.append(f"| {row['threshold']} | {row['proposed']:,} | {row['true'] / first['planted_pairs']:.1%} | "
                   f"{row['true'] / row['proposed'] if row['proposed'] else 1:.1%} |")
    out += ["", "Precision counts every proposal that is not a planted pair as wrong, except *indistinguishable* ones "
            "(a duplicate with no birth date against a namesake of its original: by names and dates either could be "
            f"meant). Wrong proposals by kind of the two records: {first['wrong'] or 'none'}. Namesakes proposed with "
            f"their original: {first['namesake_pairs']} (the birth dates veto them).", ""]
    return "\n".join(out)


def _commit() -> str:
    """The measured commit (``-dirty``: with uncommitted changes in the tree)."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"



def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--db", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child), args.persons, args.seed)
        return
    command = shlex.join([".venv/bin/python", "bench/duplicates.py", *(argv if argv is not None else sys.argv[1:])])
    text = markdown(run([d for d in args.db.split(",") if d], args.persons, args.seed), command=command)
    print(text)
    if args.results:
        write_section(Path(args.results), "duplicates", text)


if __name__ == "__main__":
    main()
