#!/usr/bin/env python
"""Person matching benchmark: Svidok's matcher against nomenklatura ``logic-v2``, side by side.

    .venv/bin/python bench/matching.py                        # prints a Markdown section
    .venv/bin/python bench/matching.py --results bench/RESULTS.md
    .venv/bin/python bench/matching.py --persons 20000 --queries 200 --exhaustive-sample 40   # quicker

Everything runs in memory, no database: the EU list (data/sanctions/, 2,802 records) is read with
``sanctions.lists.read_eu_csv`` and indexed with ``names.matching`` exactly as ``svidok people match
--list`` does after an import.

1. **Development set** (data/names/): for each non-official spelling in variants.csv, is the right
   record first and above the threshold; for each negative, is any result above the threshold (a
   false alert); each hard-negative pair, scored against each other. Three matchers: Svidok's
   (``svidok-names``), ``logic-v2`` on Svidok's candidates (query names plus their normalized
   forms), and ``logic-v2`` applied exhaustively to every entry of the list with the query as
   written (OpenSanctions' threshold 0.7).
2. **Derived set**: queries made from the EU list itself the way the press writes names (given
   name + surname in Cyrillic; the same in the genitive, inflected with pymorphy3; the EU's Latin
   given name + surname; the same with one letter of the surname changed at random, seed 7), and
   hard-negative pairs from the list (two records with the same surname and another given name, or
   the same given name and patronymic and another surname). It is larger than the development set;
   it was used once in tuning (to choose TOKEN_MIN 0.8 over 0.75, which let one pair through). ``logic-v2`` exhaustively only on a sample (it takes about
   a second per query on this list).
3. **Latency**: one index of N synthetic persons (default 100,000; made-up Russian, Ukrainian and
   Crimean Tatar names from the lists below, 30% of them with a rare made-up surname, each with its
   Cyrillic name, a romanization and sometimes a short press form, 70% with a birth date) plus the
   EU list. Queries: press forms of
   synthetic persons (genitive, another romanization, a typo), EU development spellings, and names
   of nobody in the index. p50/p95 of ``MatchIndex.match`` (limit 10). Exhaustive ``logic-v2`` is
   timed per entry on the EU list and extrapolated to the index size (running it on 100,000
   entries per query would take minutes per query).

``run()`` returns the figures; ``markdown()`` renders them; ``--results`` writes the section into
bench/RESULTS.md between the ``<!-- matching -->`` markers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import re
import shlex
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

EU_FILE = ROOT / "data" / "sanctions" / "eu-regulation-269-2014-annex-i.csv"
NAMES_DIR = ROOT / "data" / "names"

# --- synthetic names (made up by combination; no combination stands for a real person) ------------

RU_MALE = ["Александр", "Дмитрий", "Алексей", "Сергей", "Андрей", "Михаил", "Николай", "Владимир", "Игорь", "Виктор",
           "Евгений", "Константин", "Павел", "Геннадий", "Олег", "Юрий", "Иван", "Пётр", "Василий", "Максим",
           "Роман", "Артём", "Денис", "Антон", "Вадим", "Григорий", "Борис", "Леонид", "Анатолий", "Валерий",
           "Фёдор", "Степан", "Тимур", "Руслан", "Илья", "Кирилл", "Никита", "Станислав", "Ярослав", "Вячеслав"]
RU_FEMALE = ["Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Марина", "Людмила", "Галина",
             "Екатерина", "Мария", "Юлия", "Оксана", "Валентина", "Лариса", "Надежда", "Вера", "Любовь", "Алла",
             "Инна", "Ксения", "Дарья", "Анастасия", "Виктория", "Евгения", "Нина", "Зоя", "Раиса", "Тамара"]
UK_MALE = ["Олександр", "Андрій", "Сергій", "Володимир", "Микола", "Іван", "Петро", "Юрій", "Василь", "Дмитро",
           "Олег", "Тарас", "Богдан", "Ігор", "Віктор", "Григорій", "Степан", "Євген", "Максим", "Роман",
           "Михайло", "Анатолій", "Валерій", "Віталій", "Ярослав", "Остап", "Назар", "Орест", "Костянтин", "Павло"]
UK_FEMALE = ["Олена", "Наталія", "Ірина", "Оксана", "Тетяна", "Людмила", "Марія", "Галина", "Світлана", "Юлія",
             "Ганна", "Катерина", "Вікторія", "Лариса", "Надія", "Ольга", "Валентина", "Любов", "Христина", "Соломія"]
# Father's name -> (Russian patronymic stem, Ukrainian patronymic stem): +ич/+на.
FATHERS = [("Александрович", "Олександрович"), ("Дмитриевич", "Дмитрович"), ("Алексеевич", "Олексійович"),
           ("Сергеевич", "Сергійович"), ("Андреевич", "Андрійович"), ("Михайлович", "Михайлович"),
           ("Николаевич", "Миколайович"), ("Владимирович", "Володимирович"), ("Игоревич", "Ігорович"),
           ("Викторович", "Вікторович"), ("Евгеньевич", "Євгенович"), ("Павлович", "Павлович"),
           ("Олегович", "Олегович"), ("Юрьевич", "Юрійович"), ("Иванович", "Іванович"), ("Петрович", "Петрович"),
           ("Васильевич", "Васильович"), ("Григорьевич", "Григорович"), ("Борисович", "Борисович"),
           ("Анатольевич", "Анатолійович"), ("Валерьевич", "Валерійович"), ("Фёдорович", "Федорович"),
           ("Степанович", "Степанович"), ("Геннадьевич", "Геннадійович"), ("Леонидович", "Леонідович"),
           ("Романович", "Романович"), ("Константинович", "Костянтинович"), ("Ярославович", "Ярославович")]
RU_SURNAME_ROOTS = ["Иван", "Смирн", "Кузнец", "Поп", "Васил", "Петр", "Сокол", "Михайл", "Новик", "Фёдор", "Мороз",
                    "Волк", "Алексе", "Лебед", "Семён", "Егор", "Павл", "Козл", "Степан", "Никола", "Орл", "Андре",
                    "Макар", "Захар", "Зайц", "Соловь", "Борис", "Яковл", "Григорь", "Роман", "Воробь", "Сергее",
                    "Кузьмин", "Фрол", "Александр", "Дмитри", "Корол", "Гусе", "Киселе", "Ильин", "Максим", "Поляк",
                    "Сорокин", "Виноград", "Ковал", "Белов", "Медвед", "Антон", "Тарас", "Жук", "Баран", "Комар",
                    "Белоус", "Голуб", "Шубин", "Крыл", "Тихон", "Калин", "Дорофе", "Журавл", "Богдан", "Мартын",
                    "Гаврил", "Пантелее", "Ермак", "Ефим", "Нестер", "Сафон", "Туман", "Щерб", "Чернышё", "Гром",
                    "Самойл", "Лапин", "Быков", "Суслов", "Горбун", "Кудряв", "Рыж", "Лыс", "Толст", "Худяк",
                    "Пахом", "Осип", "Кондрат", "Трофим", "Лукьян", "Прохор", "Родион", "Савел", "Тимофе", "Филат",
                    "Харитон", "Юдин", "Ясин", "Бурлак", "Вершин", "Гордее", "Добрын", "Ерёмин", "Жданов", "Зуб"]
RU_SUFFIXES = ["ов", "ев", "ин", "ский", "ченко", "ицкий"]
UK_SURNAMES = ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Мельник", "Бойко", "Ковальчук",
               "Олійник", "Лисенко", "Марченко", "Савченко", "Руденко", "Мороз", "Павленко", "Гончаренко",
               "Поліщук", "Кравчук", "Левченко", "Білоус", "Гнатюк", "Дорошенко", "Яковенко", "Тимошенко",
               "Кушнір", "Мазур", "Литвиненко", "Костенко", "Сидоренко", "Захарченко", "Гуменюк", "Мельничук",
               "Карпенко", "Остапчук", "Пономаренко", "Демченко", "Клименко", "Зінченко", "Приходько", "Герасименко"]
UK_SURNAME_ROOTS = ["Ковал", "Бондар", "Ткач", "Кравц", "Мельнич", "Шевч", "Гонч", "Лис", "Марч", "Сав", "Руд",
                    "Павл", "Поліщ", "Левч", "Гнат", "Дорош", "Яков", "Тимош", "Кушнір", "Мазур", "Литвин", "Кост",
                    "Сидор", "Захарч", "Гумен", "Карп", "Остап", "Пономар", "Дем", "Клим", "Зінч", "Приход",
                    "Герасим", "Вакар", "Гайдай", "Довбуш", "Загорулько", "Іващ", "Кобзар", "Лук'ян", "Максимч",
                    "Нестер", "Оліф", "Панас", "Рибал", "Семен", "Тарас", "Устим", "Фесен", "Харч", "Цибул",
                    "Чорн", "Шаповал", "Щерб", "Юрч", "Ярем", "Бабич", "Бережн", "Вдович", "Головат"]
UK_SUFFIXES = ["енко", "ук", "чук", "юк", "ський", "ович", "ишин", "ів"]
CRH_MALE = [("Server", "Сервер"), ("Enver", "Энвер"), ("Lenur", "Ленур"), ("Remzi", "Ремзи"), ("Ernes", "Эрнес"),
            ("Nariman", "Нариман"), ("Edem", "Эдем"), ("Seyran", "Сейран"), ("Emir", "Эмир"), ("Rustem", "Рустем"),
            ("Ayder", "Айдер"), ("İsmail", "Исмаил"), ("Eskender", "Эскендер"), ("Memet", "Мемет"), ("Ilyas", "Ильяс")]
CRH_FEMALE = [("Ayşe", "Айше"), ("Zera", "Зера"), ("Elmaz", "Эльмаз"), ("Lile", "Лиле"), ("Gülnara", "Гульнара"),
              ("Emine", "Эмине"), ("Mumine", "Мумине"), ("Sevil", "Севиль"), ("Zarema", "Зарема"), ("Dilâra", "Диляра")]
CRH_SURNAMES = [("Asanov", "Асанов"), ("Seitumerov", "Сеитумеров"), ("Ablayev", "Аблаев"), ("Memetov", "Меметов"),
                ("Osmanov", "Османов"), ("Kurtumerov", "Куртумеров"), ("Bekirov", "Бекиров"), ("İbraimov", "Ибраимов"),
                ("Mustafayev", "Мустафаев"), ("Aliyev", "Алиев"), ("Yakubov", "Якубов"), ("Ametov", "Аметов"),
                ("Veliyev", "Велиев"), ("Halilov", "Халилов"), ("Emirsaliyev", "Эмирсалиев"), ("Seytablayev", "Сейтаблаев")]
# Names of nobody in the index: for queries that must find no one.
NOBODY = ["Гектор Лаэртович Фаэтонов", "Ксаверий Ипатович Вольдемаров", "Зиновий Амвросиевич Пафнутьев",
          "Evlampiy Gordeyevich Kruzenshtern", "Мефодій Панкратович Бжезінський", "Aristarkh Spiridonov",
          "Фотинья Ермолаевна Гиацинтова", "Ипполит Феоктистов", "Serafima Dormidontovna Lukomskaya",
          "Кондратий Евграфов", "Amvrosiy Nikanorov", "Пелагея Кирилловна Затейникова"]


def _weights(n: int) -> list[float]:
    """Zipf-like: a few names are very common, most are rare (as in any population)."""
    return [1.0 / (i + 1) ** 0.9 for i in range(n)]


RARE_SHARE = 0.3  # persons with a rare surname (the long tail of any population)
_CONSONANTS = "бвгдзклмнпрстфхцчш"
_VOWELS = "аеиоу"
_RARE_SUFFIXES = ["ов", "ев", "ин", "ский", "енко", "чук", "ук"]


def rare_surname(rng: random.Random) -> str:
    """A made-up surname from two or three syllables and a usual ending: mostly unique."""
    syllables = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.choice((2, 2, 3))))
    return (syllables + rng.choice(_CONSONANTS) + rng.choice(_RARE_SUFFIXES)).capitalize()


def _female_surname(surname: str) -> str:
    for male, female in (("ский", "ская"), ("цкий", "цкая"), ("ський", "ська"), ("цький", "цька")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    if surname.endswith(("ов", "ев", "ин", "ёв", "ын")):
        return surname + "а"
    return surname


def _female_patronymic(male: str, lang: str) -> str:
    if lang == "ru":
        return male[:-2] + "на"  # Сергеевич -> Сергеевна, Иванович -> Ивановна
    if male.endswith("йович"):
        return male[:-5] + "ївна"  # Сергійович -> Сергіївна
    return male[:-4] + "івна"  # Борисович -> Борисівна


def synthetic_persons(n: int, *, seed: int = 11) -> list[dict]:
    """``n`` made-up persons: ``{"id", "names": [...], "birth_date", "lang", "parts"}``."""
    from svidok.names import romanizations

    rng = random.Random(seed)
    ru_surnames = list(dict.fromkeys(r + ("ев" if s == "ов" and r[-1] in "еиь" else s) for r in RU_SURNAME_ROOTS
                                     for s in RU_SUFFIXES))
    uk_surnames = list(dict.fromkeys(UK_SURNAMES + [r + s for r in UK_SURNAME_ROOTS for s in UK_SUFFIXES]))
    rng.shuffle(ru_surnames)
    rng.shuffle(uk_surnames)
    pools = {
        "ru": (RU_MALE, RU_FEMALE, ru_surnames, 0),
        "uk": (UK_MALE, UK_FEMALE, uk_surnames, 1),
    }
    weights = {key: (_weights(len(m)), _weights(len(f)), _weights(len(s))) for key, (m, f, s, _i) in pools.items()}
    father_w = _weights(len(FATHERS))
    persons = []
    for number in range(n):
        lang = rng.choices(["ru", "uk", "crh"], [55, 40, 5])[0]
        female = rng.random() < 0.5
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(60 * 365)) if rng.random() < 0.7 else None
        if lang == "crh":
            given = rng.choice(CRH_FEMALE if female else CRH_MALE)
            surname = rng.choice(CRH_SURNAMES)
            sur_cyr = _female_surname(surname[1]) if female else surname[1]
            sur_lat = surname[0] + ("a" if female else "")
            names = [f"{given[0]} {sur_lat}", f"{given[1]} {sur_cyr}"]
            parts = (given[1], None, sur_cyr)
        else:
            male_pool, female_pool, surnames, column = pools[lang]
            mw, fw, sw = weights[lang]
            given = rng.choices(female_pool if female else male_pool, fw if female else mw)[0]
            patronymic = rng.choices(FATHERS, father_w)[0][column]
            if female:
                patronymic = _female_patronymic(patronymic, lang)
            surname = rare_surname(rng) if rng.random() < RARE_SHARE else rng.choices(surnames, sw)[0]
            surname = _female_surname(surname) if female else surname
            full = f"{given} {patronymic} {surname}"
            schemes = romanizations(full, lang)
            latin = rng.choice(sorted(schemes.values())) if schemes else full
            names = [full, latin]
            if rng.random() < 0.3:
                names.append(f"{given} {surname}")
            parts = (given, patronymic, surname)
        persons.append({"id": f"synthetic-{number}", "names": names, "birth_date": birth.isoformat() if birth else None,
                        "lang": lang, "parts": parts})
    return persons


# --- the EU list ----------------------------------------------------------------------------------

def eu_entries():
    from svidok.sanctions import matching as sanctions_matching
    from svidok.sanctions.lists import read_eu_csv

    parsed = read_eu_csv(EU_FILE.read_bytes(), source=EU_FILE.name)
    return [sanctions_matching.entry_from_record(e) for e in parsed.entities]


def read_dev_set() -> dict:
    def rows(name):
        with open(NAMES_DIR / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    return {
        "variants": [r for r in rows("variants.csv") if r["kind"] != "official-canonical"],
        "negatives": rows("negatives.csv"),
        "pairs": rows("hard-negative-pairs.csv"),
    }


# --- matchers side by side ----------------------------------------------------------------------

MATCHERS = ("svidok-names", "logic-v2 on candidates", "logic-v2 exhaustive")


def _threshold(matcher: str) -> float:
    from svidok.names import matching

    return matching.DEFAULT_THRESHOLD if matcher == "svidok-names" else matching.LOGIC_V2_THRESHOLD


def rank(index, name: str, matcher: str, *, birth_date: str | None = None, limit: int = 5) -> list[tuple[str, float]]:
    """``[(record id, score)]`` best first, for one matcher."""
    from svidok.names import logic_v2, matching

    if matcher == "logic-v2 exhaustive":
        query = logic_v2.ftm_proxy("Person", [name], (birth_date,) if birth_date else ())
        scored = [(e.record_id or e.id, logic_v2.logic_v2_compare(query, logic_v2.entry_proxy(e, e.birth_dates))[0])
                  for e in index.entries]
        scored.sort(key=lambda x: -x[1])
        return scored[:limit]
    algorithm = "logic-v2" if matcher == "logic-v2 on candidates" else matching.ALGORITHM
    result = index.match(name, birth_date=birth_date, limit=limit, algorithm=algorithm, persons=None)
    return [(r.entry.record_id or r.entry.id, r.score) for r in result.results]


def pair_score(name_a: str, name_b: str, matcher: str) -> float:
    """``name_b`` as a query against a one-entry index holding ``name_a``."""
    from svidok.names import logic_v2, matching

    entry = matching.make_entry(id="a", schema="Person", caption=name_a, names=[name_a])
    if matcher == "svidok-names":
        return matching.score_entries(matching.query_shapes(name_b), None, [entry])[0][0]
    if matcher == "logic-v2 exhaustive":
        return logic_v2.logic_v2_compare(logic_v2.ftm_proxy("Person", [name_b]), logic_v2.entry_proxy(entry, ()))[0]
    return logic_v2.logic_v2_score(name_b, matching.query_shapes(name_b), None, entry, ())[0]


def _first(ranked, record_id) -> bool:
    """The right record is first, or tied first with it (namesakes the name cannot tell apart)."""
    if not ranked:
        return False
    top = ranked[0][1]
    return any(rid == record_id and score == top for rid, score in ranked)


def evaluate_dev(index, matcher: str) -> dict:
    dev = read_dev_set()
    threshold = _threshold(matcher)
    started = time.perf_counter()
    first = above = 0
    misses = []
    for row in dev["variants"]:
        record_id = "I.PERSONS/" + row["eu_record"]
        ranked = rank(index, row["variant"], matcher)
        ok = _first(ranked, record_id)
        first += ok
        hit = ok and ranked[0][1] >= threshold
        above += hit
        if not hit:
            misses.append({"variant_kind": row["kind"], "record": record_id, "top": ranked[0] if ranked else None})
    alerts = []
    for row in dev["negatives"]:
        ranked = rank(index, row["query"], matcher)
        if ranked and ranked[0][1] >= threshold:
            alerts.append({"query": row["query"], "top": ranked[0]})
    pairs = [{"a": p["name_a"], "b": p["name_b"], "score": pair_score(p["name_a"], p["name_b"], matcher)}
             for p in dev["pairs"]]
    seconds = time.perf_counter() - started
    return {
        "threshold": threshold, "variants": len(dev["variants"]), "first": first, "first_above": above,
        "negatives": len(dev["negatives"]), "negative_alerts": len(alerts), "alerts": alerts,
        "pairs": len(pairs), "pairs_same": sum(1 for p in pairs if p["score"] >= threshold),
        "pair_scores": [round(p["score"], 3) for p in pairs], "misses": misses,
        "seconds": seconds,
    }


# --- the derived set -------------------------------------------------------------------------------

_CYR3 = re.compile(r"^([А-ЯЁ][а-яё]+) ([А-ЯЁ][а-яё]+(?:вич|вна|ична|ич)) ([А-ЯЁ][А-ЯЁ-]+)$")


def derived_set(index, *, seed: int = 7) -> dict:
    """Press-style queries and hard-negative pairs made from the EU list (see the module docstring)."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang="ru")

    def genitive(word: str) -> str | None:
        for parse in morph.parse(word.lower()):
            if {"Name", "Surn"} & set(parse.tag.grammemes):
                form = parse.inflect({"gent"})
                if form:
                    return form.word.capitalize()
        return None

    rng = random.Random(seed)
    queries = []
    parts_of = {}
    for entry in index.entries:
        if entry.schema != "Person" or not entry.record_id:
            continue
        russian = [n for n in entry.names if _CYR3.match(n) and not re.search("[іїєґ]", n.lower())]
        if russian:
            given, _patronymic, surname = _CYR3.match(russian[0]).groups()
            surname = "-".join(p.capitalize() for p in surname.split("-"))
            queries.append((entry.record_id, f"{given} {surname}", "Cyrillic given name + surname"))
            g, s = genitive(given), genitive(surname)
            if g and s and (g, s) != (given, surname):
                queries.append((entry.record_id, f"{g} {s}", "the same in the genitive"))
        words = entry.names[0].split()
        if len(words) == 3 and words[2].isupper() and words[2].isalpha():
            parts_of[entry.record_id] = words
            queries.append((entry.record_id, f"{words[0]} {words[2].capitalize()}", "Latin given name + surname"))
            surname = words[2].lower()
            if len(surname) > 5:
                i = rng.randrange(1, len(surname) - 1)
                typo = surname[:i] + rng.choice("aeioustnr") + surname[i + 1:]
                if typo != surname:
                    queries.append((entry.record_id, f"{words[0]} {typo.capitalize()}", "Latin, one letter of the surname changed"))
    from svidok.search.normalize import skeleton

    by_surname, by_given = defaultdict(list), defaultdict(list)
    for record_id, (given, patronymic, surname) in parts_of.items():
        by_surname[surname].append((record_id, given, patronymic, surname))
        by_given[(skeleton(given.lower()), skeleton(patronymic.lower()))].append((record_id, given, patronymic, surname))
    pairs = []
    for group in by_surname.values():
        for a in group:
            for b in group:
                # Another given name, not another spelling of the same one (the list has duplicates).
                if a[0] < b[0] and skeleton(a[1].lower()) != skeleton(b[1].lower()):
                    pairs.append((" ".join(a[1:]), " ".join(b[1:]), "same surname, another given name"))
    for group in by_given.values():
        for a in group:
            for b in group:
                if a[0] < b[0] and skeleton(a[3].lower()) != skeleton(b[3].lower()):
                    pairs.append((" ".join(a[1:]), " ".join(b[1:]), "same given name and patronymic, another surname"))
    return {"queries": queries, "pairs": pairs}


def evaluate_derived(index, derived: dict, matcher: str, *, sample: int | None = None, seed: int = 3) -> dict:
    threshold = _threshold(matcher)
    queries, pairs = derived["queries"], derived["pairs"]
    if sample is not None and sample < len(queries):
        queries = random.Random(seed).sample(queries, sample)
        pairs = random.Random(seed).sample(pairs, min(sample, len(pairs)))
    started = time.perf_counter()
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for record_id, query, kind in queries:
        ranked = rank(index, query, matcher)
        ok = _first(ranked, record_id)
        counts = by_kind[kind]
        counts[0] += 1
        counts[1] += ok
        counts[2] += ok and ranked[0][1] >= threshold
    same = Counter()
    for a, b, kind in pairs:
        same[kind] += 0
        if pair_score(a, b, matcher) >= threshold:
            same[kind] += 1
    total = [sum(c[i] for c in by_kind.values()) for i in range(3)]
    return {"threshold": threshold, "by_kind": dict(by_kind), "total": total, "pairs": len(pairs),
            "pairs_by_kind": dict(Counter(k for *_x, k in pairs)), "pairs_same": dict(same),
            "sample": sample, "seconds": time.perf_counter() - started}


# --- latency ---------------------------------------------------------------------------------------------

def latency_queries(persons: list[dict], n: int, *, seed: int = 5) -> list[tuple[str, str | None, str, str | None]]:
    """``(query, birth date or None, kind, the synthetic person's id or None)``: press forms of
    synthetic persons, EU development spellings, names of nobody."""
    import pymorphy3

    from svidok.names import romanizations

    morph = {"ru": pymorphy3.MorphAnalyzer(lang="ru"), "uk": pymorphy3.MorphAnalyzer(lang="uk")}
    rng = random.Random(seed)
    out = []
    dev = read_dev_set()
    for row in dev["variants"]:
        out.append((row["variant"], None, "EU spelling", None))
    for name in NOBODY:
        out.append((name, None, "nobody", None))
    while len(out) < n:
        person = rng.choice(persons)
        given, _patronymic, surname = person["parts"]
        how = rng.choice(["genitive", "romanized", "typo"])
        if how == "genitive" and person["lang"] in morph:
            words = []
            for word in (given, surname):
                parse = next((p for p in morph[person["lang"]].parse(word.lower()) if {"Name", "Surn"} & set(p.tag.grammemes)), None)
                form = parse.inflect({"gent"}) if parse else None
                words.append(form.word.capitalize() if form else word)
            query = " ".join(words)
        elif how == "romanized":
            schemes = romanizations(f"{given} {surname}", person["lang"] if person["lang"] != "crh" else "ru")
            query = rng.choice(sorted(schemes.values())) if schemes else f"{given} {surname}"
        else:
            latin = next(n for n in person["names"] if not re.search("[а-яіїєґё]", n.lower()))
            words = latin.split()
            last = words[-1]
            if len(last) > 4:
                i = rng.randrange(1, len(last) - 1)
                last = last[:i] + rng.choice("aeiouy") + last[i + 1:]
            query = f"{words[0]} {last}"
        out.append((query, person["birth_date"] if rng.random() < 0.3 else None, f"synthetic person, {how}", person["id"]))
    return out[:n]


def _percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure_latency(persons_n: int, queries_n: int, eu, *, log=print) -> dict:
    from svidok.names import logic_v2, matching

    started = time.perf_counter()
    persons = synthetic_persons(persons_n)
    t_generate = time.perf_counter() - started
    started = time.perf_counter()
    entries = [matching.make_entry(id=p["id"], schema="Person", caption=p["names"][0], names=p["names"],
                                   birth_dates=(p["birth_date"],) if p["birth_date"] else (), record_id=p["id"])
               for p in persons]
    t_entries = time.perf_counter() - started
    index = matching.MatchIndex(entries + list(eu), label="bench")
    by_id = {e.id: e for e in entries}
    log(f"  index: {len(index):,} entries, {index.vocabulary_size:,} words; entries {t_entries:.1f} s, index {index.build_seconds:.1f} s")
    queries = latency_queries(persons, queries_n)
    for query, birth, _kind, _id in queries[:3]:  # loads logic-v2's resources; nothing else is kept warm
        index.match(query, birth_date=birth, algorithm="logic-v2")
    index._similar.clear()
    figures = {}
    for algorithm in (matching.ALGORITHM, "logic-v2", "cold"):
        times, kinds = [], defaultdict(list)
        first = total = 0
        for query, birth, kind, person_id in queries:
            if algorithm == "cold":
                index._similar.clear()  # every query word compared with the whole vocabulary again
            t0 = time.perf_counter()
            result = index.match(query, birth_date=birth, limit=10, persons=None,
                                 algorithm=matching.ALGORITHM if algorithm == "cold" else algorithm)
            elapsed = time.perf_counter() - t0
            times.append(elapsed)
            kinds[kind.split(",")[0]].append(elapsed)
            if person_id:
                # The person the query was made from is first, or scores as high as the first (a
                # namesake the name cannot tell apart, perhaps not among the 10 shown).
                total += 1
                entry = by_id[person_id]
                if algorithm == "logic-v2":
                    own = logic_v2.logic_v2_score(query, matching.query_shapes(query), birth, entry, entry.birth_dates)[0]
                else:
                    own = matching.score_entries(matching.query_shapes(query), birth, [entry])[0][0]
                first += bool(result.results) and own >= result.results[0].score
        figures[algorithm] = {
            "synthetic_first": first, "synthetic_queries": total,
            "p50_ms": _percentile(times, 50) * 1000, "p95_ms": _percentile(times, 95) * 1000,
            "max_ms": max(times) * 1000, "mean_ms": statistics.fmean(times) * 1000,
            "by_kind_p95_ms": {k: _percentile(v, 95) * 1000 for k, v in kinds.items()},
        }
        log(f"  {algorithm}: p50 {figures[algorithm]['p50_ms']:.1f} ms, p95 {figures[algorithm]['p95_ms']:.1f} ms")
    # Exhaustive logic-v2: per-entry cost on the EU list, extrapolated.
    sample = [q for q in queries if not q[2].startswith("EU")][:10]
    eu_index = matching.MatchIndex(list(eu))
    t0 = time.perf_counter()
    for query, birth, _kind, _id in sample:
        rank(eu_index, query, "logic-v2 exhaustive", birth_date=birth)
    per_query_eu = (time.perf_counter() - t0) / len(sample)
    per_entry = per_query_eu / len(eu_index)
    return {
        "persons": persons_n, "entries": len(index), "words": index.vocabulary_size, "queries": len(queries),
        "query_kinds": dict(Counter(q[2].split(",")[0] for q in queries)),
        "generate_seconds": t_generate, "entries_seconds": t_entries, "index_seconds": index.build_seconds,
        "algorithms": figures,
        "logic_v2_exhaustive": {"per_query_eu_ms": per_query_eu * 1000, "per_entry_us": per_entry * 1e6,
                                "extrapolated_ms": per_entry * len(index) * 1000, "sample": len(sample)},
    }


# --- run / report ---------------------------------------------------------------------------------------

def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().split("\n")
                if line.startswith("model name")), platform.processor())
    import nomenklatura
    import rapidfuzz

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "kernel": platform.release(),
            "nomenklatura": getattr(nomenklatura, "__version__", "?"), "rapidfuzz": rapidfuzz.__version__}


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(*, persons: int = 100_000, queries: int = 500, exhaustive_sample: int = 100, command: str | None = None,
        log=print, matchers=MATCHERS) -> dict:
    """Every figure of the section, from one run (the accuracy tables for ``matchers`` only)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("pymorphy3").setLevel(logging.WARNING)
    from svidok.names import matching

    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = _loadavg()
    t0 = time.perf_counter()
    eu = eu_entries()
    index = matching.MatchIndex(eu, label="eu-269")
    eu_seconds = time.perf_counter() - t0
    log(f"EU list: {len(eu):,} entries indexed in {eu_seconds:.1f} s")
    dev = {}
    for matcher in matchers:
        dev[matcher] = evaluate_dev(index, matcher)
        log(f"dev set, {matcher}: first {dev[matcher]['first']}/{dev[matcher]['variants']}, "
            f"above threshold {dev[matcher]['first_above']}, alerts {dev[matcher]['negative_alerts']}, "
            f"pairs judged same {dev[matcher]['pairs_same']} ({dev[matcher]['seconds']:.0f} s)")
    derived = derived_set(index)
    derived_results = {}
    for matcher in matchers:
        sample = exhaustive_sample if matcher == "logic-v2 exhaustive" else None
        derived_results[matcher] = evaluate_derived(index, derived, matcher, sample=sample)
        r = derived_results[matcher]
        log(f"derived set, {matcher}: first {r['total'][1]}/{r['total'][0]}, above {r['total'][2]}, "
            f"pairs judged same {sum(r['pairs_same'].values())}/{r['pairs']} ({r['seconds']:.0f} s)")
    log(f"latency: {persons:,} synthetic persons + the EU list, {queries} queries")
    latency = measure_latency(persons, queries, eu, log=log)
    return {
        "started": started, "command": command or "python bench/matching.py", "machine": _machine(),
        "load_before": load_before, "load_after": _loadavg(),
        "eu": {"entries": len(eu), "words": index.vocabulary_size, "seconds": eu_seconds},
        "thresholds": {m: _threshold(m) for m in matchers},
        "dev": dev, "derived": derived_results, "latency": latency,
    }


def markdown(results: dict) -> str:
    m = results["machine"]
    dev, der, lat = results["dev"], results["derived"], results["latency"]
    ours, lv2, cold = lat["algorithms"]["svidok-names"], lat["algorithms"]["logic-v2"], lat["algorithms"]["cold"]
    ex = lat["logic_v2_exhaustive"]
    out = [
        "## Person matching: Svidok's matcher and nomenklatura logic-v2, side by side",
        "",
        f"- date: {results['started']}",
        f"- command: `{results['command']}`",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), Linux {m['kernel']}, Python {m['python']}, "
        f"nomenklatura {m['nomenklatura']}, rapidfuzz {m['rapidfuzz']}",
        f"- load average (1, 5, 15 min) at start: {results['load_before']}; at end: {results['load_after']}",
        f"- index for accuracy: the EU list (data/sanctions/), {results['eu']['entries']:,} records, "
        f"{results['eu']['words']:,} distinct words and skeletons, built in {results['eu']['seconds']:.1f} s",
        "- thresholds: " + ", ".join(f"{k} {v}" for k, v in results["thresholds"].items()),
        "",
        "Development set (data/names/): right record first / first and above the threshold (of the "
        "non-official spellings), negatives with an alert, hard-negative pairs judged the same person:",
        "",
        "| matcher | first | first, above threshold | negatives alerted | hard pairs judged same | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for matcher, r in dev.items():
        out.append(f"| {matcher} | {r['first']}/{r['variants']} | {r['first_above']}/{r['variants']} | "
                   f"{r['negative_alerts']}/{r['negatives']} | {r['pairs_same']}/{r['pairs']} | {r['seconds']:.1f} |")
    misses = {k: r["misses"] for k, r in dev.items() if r["misses"]}
    if misses:
        out += ["", "Misses: " + "; ".join(f"{k}: " + ", ".join(f"{x['variant_kind']} ({x['record']})" for x in v)
                                         for k, v in misses.items())]
    kinds = list(der["svidok-names"]["by_kind"])
    out += [
        "",
        "Derived set (press-style queries made from the EU list, see the module docstring; each cell: right record first (or tied first "
        "with a namesake) / first and above the threshold, of the queries of that kind):",
        "",
        "| matcher | queries | " + " | ".join(kinds) + " | all: first | all: above | hard pairs judged same | seconds |",
        "|---|---:|" + "---:|" * (len(kinds) + 4),
    ]
    for matcher, r in der.items():
        cells = " | ".join(f"{c[1]}/{c[2]} of {c[0]}" if (c := r["by_kind"].get(k)) else "–" for k in kinds)
        label = matcher + (f" (random sample of {r['sample']})" if r["sample"] else "")
        out.append(f"| {label} | {r['total'][0]} | {cells} | {r['total'][1] / r['total'][0]:.1%} | "
                   f"{r['total'][2] / r['total'][0]:.1%} | {sum(r['pairs_same'].values())}/{r['pairs']} | {r['seconds']:.0f} |")
    out += [
        "",
        f"Latency: one index of {lat['persons']:,} synthetic persons plus the EU list ({lat['entries']:,} entries, "
        f"{lat['words']:,} distinct words and skeletons; names generated in {lat['generate_seconds']:.0f} s, entries "
        f"normalized in {lat['entries_seconds']:.0f} s, index built in {lat['index_seconds']:.1f} s), {lat['queries']} "
        "queries (" + ", ".join(f"{v} {k}" for k, v in lat["query_kinds"].items()) + "), `MatchIndex.match`, limit 10, one process:",
        "",
        "| scorer | p50 ms | p95 ms | max ms | synthetic person first, or as high as the first (a namesake) |",
        "|---|---:|---:|---:|---:|",
        f"| svidok-names (candidates + Svidok's scorer) | {ours['p50_ms']:.1f} | {ours['p95_ms']:.1f} | {ours['max_ms']:.0f} | "
        f"{ours['synthetic_first']}/{ours['synthetic_queries']} |",
        f"| svidok-names, no query word seen before (its cache emptied before each query) | {cold['p50_ms']:.1f} | "
        f"{cold['p95_ms']:.1f} | {cold['max_ms']:.0f} | {cold['synthetic_first']}/{cold['synthetic_queries']} |",
        f"| logic-v2 on the same candidates | {lv2['p50_ms']:.1f} | {lv2['p95_ms']:.1f} | {lv2['max_ms']:.0f} | "
        f"{lv2['synthetic_first']}/{lv2['synthetic_queries']} |",
        f"| logic-v2 exhaustive (every entry), extrapolated | {ex['extrapolated_ms']:,.0f} | | | |",
        "",
        f"Exhaustive logic-v2 measured on the EU list: {ex['per_query_eu_ms']:,.0f} ms per query over "
        f"{results['eu']['entries']:,} entries ({ex['per_entry_us']:.0f} µs per entry, {ex['sample']} queries), "
        f"times {lat['entries']:,} entries = {ex['extrapolated_ms'] / 1000:,.1f} s per query; Svidok's p50 is "
        f"{ex['extrapolated_ms'] / ours['p50_ms']:,.0f}x faster (goal: p95 ≤ 50 ms and ≥ 10x).",
        "",
    ]
    return "\n".join(out)



def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000, help="synthetic persons in the latency index")
    parser.add_argument("--queries", type=int, default=500, help="queries timed")
    parser.add_argument("--exhaustive-sample", type=int, default=100,
                        help="derived-set queries (and pairs) for exhaustive logic-v2 (about 1 s per query)")
    parser.add_argument("--matchers", default=",".join(MATCHERS),
                        help="comma-separated matchers of the accuracy tables (default all: %(default)s); latency "
                             "always times all three")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    args = parser.parse_args(argv)
    matchers = tuple(m.strip() for m in args.matchers.split(",") if m.strip())
    if not matchers or set(matchers) - set(MATCHERS):
        parser.error(f"--matchers: choose among {', '.join(MATCHERS)}")
    command = shlex.join([".venv/bin/python", "bench/matching.py", *(argv if argv is not None else sys.argv[1:])])

    def log(message):
        print(message, file=sys.stderr, flush=True)

    results = run(persons=args.persons, queries=args.queries, exhaustive_sample=args.exhaustive_sample,
                  command=command, log=log, matchers=matchers)
    text = markdown(results)
    print(text)
    if args.results:
        write_section(Path(args.results), "matching", text)
        log(f"written to {args.results}")


if __name__ == "__main__":
    main()
