"""Synthetic, deterministic data for the benchmarks.

Every person here is made up: first names, patronymics and surnames are drawn at random from
short lists of common Ukrainian, Russian and Crimean Tatar names, so no combination stands for a
real person. Places come from the loaded gazetteer when there is one (``svidok load_gazetteer``);
otherwise a handful of synthetic Place rows stand in (``ensure_places`` says which).

Two consumers:

* :func:`incidents` yields neutral incident dicts (codes and names, no database ids); the import
  benchmark turns them into the import service's rows and into raw ``executemany`` tuples.
* :func:`load_read_fixture` writes a large data set straight into the tables (executemany on
  SQLite, COPY on PostgreSQL) for the read benchmark. It bypasses the services on purpose: it is
  fixture data for measuring reads, not a measure of writes. It writes no audit entries.
"""

import datetime as dt
import functools
import itertools
import json
import random
import time
import uuid
from dataclasses import dataclass, field

from translitua import translit

# --- name lists (common names only; combined at random) -------------------------------------

UK_MALE = ["Олександр", "Андрій", "Сергій", "Володимир", "Микола", "Іван", "Петро", "Юрій", "Василь", "Дмитро",
           "Олег", "Тарас", "Богдан", "Ігор", "Віктор", "Григорій", "Степан", "Євген", "Максим", "Роман"]
UK_FEMALE = ["Олена", "Наталія", "Ірина", "Оксана", "Тетяна", "Людмила", "Марія", "Галина", "Світлана", "Юлія",
             "Ганна", "Катерина", "Вікторія", "Лариса", "Надія"]
UK_SURNAMES = ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Мельник", "Бойко", "Ковальчук",
               "Олійник", "Лисенко", "Марченко", "Савченко", "Руденко", "Мороз", "Павленко", "Гончаренко",
               "Поліщук", "Кравчук", "Левченко", "Білоус", "Гнатюк", "Дорошенко", "Яковенко", "Тимошенко"]
RU_MALE = ["Александр", "Дмитрий", "Алексей", "Сергей", "Андрей", "Михаил", "Николай", "Владимир", "Игорь",
           "Виктор", "Евгений", "Константин", "Павел", "Геннадий", "Олег"]
RU_FEMALE = ["Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Марина", "Людмила", "Галина"]
RU_SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
               "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
               "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Захаров"]
# Crimean Tatar names as (Latin, Cyrillic) pairs, so the same synthetic person can be written both ways.
CRH_MALE = [("Server", "Сервер"), ("Enver", "Энвер"), ("Lenur", "Ленур"), ("Remzi", "Ремзи"), ("Ernes", "Эрнес"),
            ("Nariman", "Нариман"), ("Edem", "Эдем"), ("Seyran", "Сейран"), ("Emir", "Эмир"), ("Rustem", "Рустем"),
            ("Ayder", "Айдер"), ("İsmail", "Исмаил"), ("Eskender", "Эскендер"), ("Refat", "Рефат"), ("Memet", "Мемет")]
CRH_FEMALE = [("Ayşe", "Айше"), ("Zera", "Зера"), ("Elmaz", "Эльмаз"), ("Lile", "Лиле"), ("Gülnara", "Гульнара"),
              ("Emine", "Эмине"), ("Mumine", "Мумине"), ("Sevil", "Севиль"), ("Zarema", "Зарема"), ("Dilâra", "Диляра")]
CRH_SURNAMES = [("Asanov", "Асанов"), ("Seitumerov", "Сеитумеров"), ("Ablayev", "Аблаев"), ("Memetov", "Меметов"),
                ("Osmanov", "Османов"), ("Kurtumerov", "Куртумеров"), ("Bekirov", "Бекиров"), ("İbraimov", "Ибраимов"),
                ("Mustafayev", "Мустафаев"), ("Aliyev", "Алиев"), ("Yakubov", "Якубов"), ("Ametov", "Аметов"),
                ("Veliyev", "Велиев"), ("Halilov", "Халилов"), ("Emirsaliyev", "Эмирсалиев"), ("Cemilev", "Джемилев")]

OCCUPATIONS = [  # (en, uk, ru)
    ("teacher", "вчителька", "учительница"), ("doctor", "лікар", "врач"), ("nurse", "медсестра", "медсестра"),
    ("school director", "директор школи", "директор школы"), ("civil servant", "держслужбовець", "госслужащий"),
    ("engineer", "інженер", "инженер"), ("driver", "водій", "водитель"), ("librarian", "бібліотекарка", "библиотекарь"),
    ("student", "студентка", "студентка"), ("accountant", "бухгалтерка", "бухгалтер"),
]
TITLES = {  # per incident type: (en, uk, ru) with {occ} and {place}
    "dismissal": ("Dismissal of a {occ} in {place} for not voting", "Звільнення: {occ}, {place}, за відмову голосувати",
                  "Увольнение: {occ}, {place}, за неучастие в голосовании"),
    "threat_of_dismissal": ("A {occ} in {place} threatened with dismissal", "Погроза звільненням: {occ}, {place}",
                            "Угроза увольнения: {occ}, {place}"),
    "forced_voting": ("Staff made to vote in {place}", "Примус до голосування, {place}", "Принуждение к голосованию, {place}"),
    "coerced_election_work": ("A {occ} ordered into a precinct commission, {place}", "Примус до роботи в комісії: {occ}, {place}",
                              "Принуждение к работе в комиссии: {occ}, {place}"),
    "intimidation": ("'Preventive conversation' with a {occ} in {place}", "«Профілактична бесіда»: {occ}, {place}",
                     "«Профилактическая беседа»: {occ}, {place}"),
    "detention": ("A {occ} detained in {place}", "Затримання: {occ}, {place}", "Задержание: {occ}, {place}"),
    "search": ("Home of a {occ} searched in {place}", "Обшук у помешканні: {occ}, {place}", "Обыск: {occ}, {place}"),
    "administrative_case": ("Fine for a {occ} in {place}", "Адмінсправа: {occ}, {place}", "Административное дело: {occ}, {place}"),
    "criminal_case": ("Criminal case against a {occ}, {place}", "Кримінальна справа: {occ}, {place}", "Уголовное дело: {occ}, {place}"),
    "violence": ("A {occ} beaten in {place}", "Насильство: {occ}, {place}", "Насилие: {occ}, {place}"),
    "surveillance": ("A {occ} followed in {place}", "Стеження: {occ}, {place}", "Слежка: {occ}, {place}"),
    "property": ("Property of a {occ} seized in {place}", "Вилучення майна: {occ}, {place}", "Изъятие имущества: {occ}, {place}"),
    "other": ("Pressure on a {occ} in {place}", "Тиск: {occ}, {place}", "Давление: {occ}, {place}"),
}
NARRATIVES = (
    "{perp} told the staff that whoever did not vote would lose their job. The victim refused and was pressured afterwards.",
    "За словами свідків, {perp} вимагав від працівників прийти на дільницю і звітувати фотографією бюлетеня.",
    "По словам коллег, {perp} собрал сотрудников и потребовал явки всем коллективом; отказавшихся вызывали на беседу.",
)
ORG_KINDS = [  # (perpetrator_type code, name templates uk/ru/en with {place})
    ("election_commission", ("Виборча комісія, {uk}", "Территориальная избирательная комиссия, {ru}", "Election commission, {en}")),
    ("occupation_administration", ("Окупаційна адміністрація, {uk}", "Администрация, {ru}", "Occupation administration, {en}")),
    ("school", ("Школа № {n}, {uk}", "Школа № {n}, {ru}", "School No. {n}, {en}")),
    ("employer", ("Лікарня, {uk}", "Больница, {ru}", "Hospital, {en}")),
    ("police", ("Відділ поліції, {uk}", "Отдел МВД, {ru}", "Police department, {en}")),
    ("fsb", ("Підрозділ ФСБ, {uk}", "Отдел ФСБ, {ru}", "FSB office, {en}")),
]
PERSON_PERPETRATOR_TYPES = ["occupation_administration", "employer", "school", "police", "fsb", "election_commission"]
TAGS = ["crimean-tatars", "teachers", "doctors", "students", "public-sector", "referendum", "boycott", "mejlis",
        "passportization", "school", "hospital", "municipal", "conscription", "journalists", "religious", "collective",
        "repeat", "social-media", "pensioners", "entrepreneurs"]
LEGAL = ["echr-8", "echr-9", "echr-10", "echr-11", "echr-14", "echr-p1-3", "iccpr-25", "gciv-31", "gciv-51", "hague-45", "rome-7-1-h"]
ELECTIONS = [  # (name, date)
    ("Crimea 'referendum' 2014", dt.date(2014, 3, 16)), ("Crimea local 'elections' 2014", dt.date(2014, 9, 14)),
    ("Russian State Duma 'election' 2016", dt.date(2016, 9, 18)), ("Russian presidential 'election' 2018", dt.date(2018, 3, 18)),
    ("Crimea local 'elections' 2019", dt.date(2019, 9, 8)), ("Russian State Duma 'election' 2021", dt.date(2021, 9, 19)),
    ("Annexation 'referendums' 2022", dt.date(2022, 9, 27)), ("Occupation regional 'elections' 2023", dt.date(2023, 9, 10)),
    ("Russian presidential 'election' 2024", dt.date(2024, 3, 17)),
]
FIRST_DAY, LAST_DAY = dt.date(2014, 2, 20), dt.date(2024, 12, 31)
_PSEUDONYM_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def pseudonym(index: int) -> str:
    """A unique ``Person XXXXX`` for index < 32**5: a bijective scramble, so numbers don't read as a sequence."""
    n = (index * 19_260_817 + 7_654_321) % 32**5
    chars = []
    for _ in range(5):
        n, r = divmod(n, 32)
        chars.append(_PSEUDONYM_ALPHABET[r])
    return "Person " + "".join(chars)


@dataclass
class PlaceInfo:
    code: str
    category: str
    name_uk: str
    name_ru: str
    name_latin: str
    name_crh: str = ""
    raion_code: str | None = None


@dataclass
class Party:
    """A perpetrator: a person (with name variants) or an organization."""

    key: int
    kind: str  # "person" | "organization"
    name: str
    perpetrator_type: str
    variants: list = field(default_factory=list)  # (name, lang, script)


def _name(rng: random.Random) -> tuple[str, list]:
    """A synthetic full name and its spellings [(name, lang, script)]; the first is the primary."""
    style = rng.random()
    female = rng.random() < 0.35
    if style < 0.35:
        first = rng.choice(UK_FEMALE if female else UK_MALE)
        last = rng.choice(UK_SURNAMES)
        cyr = f"{first} {last}"
        return cyr, [(cyr, "uk", "Cyrl"), (translit(cyr), "en", "Latn")]
    if style < 0.70:
        first = rng.choice(RU_FEMALE if female else RU_MALE)
        last = rng.choice(RU_SURNAMES) + ("а" if female else "")
        cyr = f"{first} {last}"
        return cyr, [(cyr, "ru", "Cyrl")]
    first = rng.choice(CRH_FEMALE if female else CRH_MALE)
    last = rng.choice(CRH_SURNAMES)
    latin, cyr = f"{first[0]} {last[0]}" + ("a" if female else ""), f"{first[1]} {last[1]}" + ("а" if female else "")
    if rng.random() < 0.5:
        return latin, [(latin, "crh", "Latn"), (cyr, "ru", "Cyrl")]
    return cyr, [(cyr, "ru", "Cyrl"), (latin, "crh", "Latn")]


@functools.cache
def _cumulative(table: tuple) -> tuple[list, list]:
    return [k for k, _ in table], list(itertools.accumulate(w for _, w in table))


def _weighted(rng: random.Random, table) -> str:
    keys, cum = _cumulative(tuple(table))
    return rng.choices(keys, cum_weights=cum)[0]


STATUSES = [("verified", 45), ("submitted", 25), ("draft", 12), ("rejected", 10), ("duplicate", 3)]
SENSITIVITIES = [("public", 35), ("internal", 50), ("restricted", 15)]
CONFIDENCES = [("low", 20), ("medium", 50), ("high", 30)]
PRECISIONS = [("day", 80), ("month", 10), ("year", 3), ("range", 5), ("approximate", 2)]
TYPES = [("dismissal", 20), ("threat_of_dismissal", 18), ("forced_voting", 15), ("coerced_election_work", 10),
         ("intimidation", 12), ("detention", 5), ("search", 5), ("administrative_case", 4), ("criminal_case", 3),
         ("violence", 2), ("surveillance", 2), ("property", 2), ("other", 2)]


class World:
    """The shared pools incidents draw from: places, perpetrators (recurring), victims."""

    def __init__(self, n_incidents: int, places: list[PlaceInfo], seed: int = 2018):
        self.rng = random.Random(seed)
        self.places = places
        # Most reports come from towns: a city weighs as much as 20 villages.
        weights = [{"M": 20, "K": 40, "B": 10, "X": 3}.get(p.category, 1) for p in places]
        self.place_cum_weights = list(itertools.accumulate(weights))
        self.n = n_incidents
        self.perpetrator_persons = [self._person_party(i) for i in range(max(20, n_incidents // 20))]
        self.organizations = [self._org_party(i) for i in range(max(10, n_incidents // 40))]
        self.n_victims = max(10, n_incidents // 2)

    def _person_party(self, key: int) -> Party:
        name, variants = _name(self.rng)
        return Party(key, "person", name, self.rng.choice(PERSON_PERPETRATOR_TYPES), variants)

    def _org_party(self, key: int) -> Party:
        code, templates = self.rng.choice(ORG_KINDS)
        place = self.rng.choice(self.places)
        i = self.rng.randrange(3)
        name = templates[i].format(uk=place.name_uk, ru=place.name_ru or place.name_uk, en=place.name_latin or place.name_uk,
                                   n=self.rng.randint(1, 40))
        return Party(key, "organization", name, code)

    def victim(self, index: int) -> dict:
        """A protected victim: the name goes to the identity record, the pseudonym is shown."""
        rng = random.Random(index * 7919 + 13)
        name, _variants = _name(rng)
        return {"key": index, "name": name, "pseudonym": pseudonym(index)}


def _date(rng: random.Random) -> dt.date:
    if rng.random() < 0.6:
        _name_, day = rng.choice(ELECTIONS)
        date = day + dt.timedelta(days=rng.randint(-45, 30))
    else:
        date = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    return min(max(date, FIRST_DAY), LAST_DAY)


def nearest_election(date: dt.date) -> int | None:
    """Index into ELECTIONS of the vote within 60 days of ``date``, if any."""
    for i, (_name, day) in enumerate(ELECTIONS):
        if abs((date - day).days) <= 60:
            return i
    return None


def incidents(world: World, seed: int = 1):
    """Yield ``world.n`` incident dicts, deterministically for a given seed."""
    rng = random.Random(seed)
    types = [k for k, _ in TYPES]
    type_w = [w for _, w in TYPES]
    counters: dict[int, int] = {}
    originals: list[int] = []
    for i in range(world.n):
        type_code = rng.choices(types, weights=type_w)[0]
        place = rng.choices(world.places, cum_weights=world.place_cum_weights)[0]
        occ = rng.choice(OCCUPATIONS)
        lang = rng.choices((0, 1, 2), weights=(30, 50, 20))[0]
        place_name = (place.name_latin or place.name_uk, place.name_uk, place.name_ru or place.name_uk)[lang]
        title = TITLES[type_code][lang].format(occ=occ[lang], place=place_name)
        if rng.random() < 0.7:
            perp = rng.choice(world.perpetrator_persons)
        else:
            perp = rng.choice(world.organizations)
        perpetrators = [perp]
        if rng.random() < 0.3:
            perpetrators.append(rng.choice(world.organizations))
        if perpetrators[-1] is perpetrators[0] and len(perpetrators) == 2:
            perpetrators.pop()
        narrative = rng.choice(NARRATIVES).format(perp=perp.name)
        date = _date(rng)
        precision = _weighted(rng, PRECISIONS)
        date_end = None
        if precision == "range":
            date_end = min(date + dt.timedelta(days=rng.randint(1, 30)), LAST_DAY)
        status = _weighted(rng, STATUSES)
        duplicate_of = None
        if status == "duplicate":
            # Like mark_duplicate: the original is never itself a duplicate.
            if originals:
                duplicate_of = originals[rng.randrange(len(originals))]
            else:
                status = "verified"
        if duplicate_of is None:
            originals.append(i)
        victims = [world.victim(rng.randrange(world.n_victims)) for _ in range(rng.choices((1, 2, 3), weights=(75, 18, 7))[0])]
        victims = list({v["key"]: v for v in victims}.values())
        year = date.year
        counters[year] = counters.get(year, 0) + 1
        yield {
            "index": i,
            "reference": f"SV-{year}-{counters[year]:06d}",
            "title": title,
            "narrative": narrative,
            "type": type_code,
            "date_start": date,
            "date_end": date_end,
            "date_precision": precision,
            "place": place.code,
            "place_text": "",
            "election": nearest_election(date),
            "status": status,
            "duplicate_of": duplicate_of,
            "confidence": _weighted(rng, CONFIDENCES),
            "sensitivity": _weighted(rng, SENSITIVITIES),
            "victim_count": len(victims),
            "tags": sorted(set(rng.sample(TAGS, rng.choices((0, 1, 2, 3), weights=(20, 40, 30, 10))[0]))),
            "legal_tags": sorted(set(rng.sample(LEGAL, rng.choices((0, 1, 2), weights=(50, 35, 15))[0]))),
            "victims": victims,
            "victim_details": occ[0],
            "perpetrators": perpetrators,
        }


# --- places -----------------------------------------------------------------------------------

SYNTHETIC_PLACES = [  # (code, category, uk, ru, latin, parent index) — only when no gazetteer is loaded
    ("UA99000000000000001", "O", "Тестова область", "Тестовая область", "Testova oblast", None),
    ("UA99020000000000002", "P", "Північний район", "Северный район", "Pivnichnyi raion", 0),
    ("UA99040000000000003", "P", "Південний район", "Южный район", "Pivdennyi raion", 0),
    ("UA99020010010000004", "M", "Озерне", "Озёрное", "Ozerne", 1),
    ("UA99020010020000005", "C", "Садове", "Садовое", "Sadove", 1),
    ("UA99020010030000006", "C", "Вишневе", "Вишнёвое", "Vyshneve", 1),
    ("UA99040010010000007", "M", "Приморське", "Приморское", "Prymorske", 2),
    ("UA99040010020000008", "X", "Гірське", "Горное", "Hirske", 2),
    ("UA99040010030000009", "C", "Степове", "Степное", "Stepove", 2),
]


def ensure_places(stdout=None) -> tuple[list[PlaceInfo], str]:
    """Settlements to attach incidents to, and where they came from ('gazetteer' or 'synthetic')."""
    from django.core.management import call_command, get_commands

    from svidok.incidents.models import Place

    origin = "gazetteer"
    if not Place.objects.exists() and "load_gazetteer" in get_commands():
        try:
            call_command("load_gazetteer", verbosity=0)
        except Exception as exc:  # the bench still runs on synthetic places, and says why
            origin = f"synthetic places (load_gazetteer failed: {type(exc).__name__}: {exc})"
    if not Place.objects.exists():
        origin = origin if origin != "gazetteer" else "synthetic places (no gazetteer command)"
        made = []
        for code, category, uk, ru, latin, parent in SYNTHETIC_PLACES:
            parent_obj = made[parent] if parent is not None else None
            # Fixture rows for an empty gazetteer; Places have no service (they are reference data).
            made.append(Place.objects.create(
                code=code, category=category, name_uk=uk, name_ru=ru, name_latin=latin, parent=parent_obj,
                region=made[0] if made else None, raion=parent_obj if category not in "OP" else None,
            ))
    rows = Place.objects.filter(category__in=["M", "X", "C", "K", "B"]).select_related("raion").order_by("code")
    places = [PlaceInfo(p.code, p.category, p.name_uk, p.name_ru, p.name_latin, p.name_crh, p.raion.code if p.raion_id else None)
              for p in rows]
    return places, origin


# --- fast fixture loader for the read benchmark ------------------------------------------------

class BulkWriter:
    """Write rows straight into a model's table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection, batch: int = 10_000):
        self.connection = connection
        self.vendor = connection.vendor
        self.batch = batch
        self.counts: dict[str, int] = {}

    def _converter(self, model_field):
        kind = model_field.get_internal_type()
        if self.vendor == "sqlite":
            if kind == "DateField":
                return lambda v: v.isoformat() if v is not None else None
            if kind == "DateTimeField":
                return lambda v: v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") if v is not None else None
            if kind == "UUIDField":
                return lambda v: v.hex
            if kind == "JSONField":
                return lambda v: json.dumps(v, ensure_ascii=False, default=str)
        elif kind == "JSONField":
            return lambda v: json.dumps(v, ensure_ascii=False, default=str)
        return None

    def write(self, model, fields: list[str], rows) -> int:
        opts = model._meta
        model_fields = [opts.get_field(name) for name in fields]
        columns = [f.column for f in model_fields]
        converters = [self._converter(f) for f in model_fields]
        if any(converters):
            pairs = list(enumerate(converters))

            def convert(row):
                return tuple(c(row[i]) if c else row[i] for i, c in pairs)
        else:
            convert = tuple
        qn = self.connection.ops.quote_name
        table = qn(opts.db_table)
        cols = ", ".join(qn(c) for c in columns)
        raw = self.connection.connection
        count = 0
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(convert(row))
                    count += 1
        else:
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})"
            cursor = raw.cursor()
            chunk = []
            for row in rows:
                chunk.append(convert(row))
                if len(chunk) >= self.batch:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
            cursor.close()
        self.counts[opts.db_table] = self.counts.get(opts.db_table, 0) + count
        return count


def reset_sequences(connection, models) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _row_builder(model, fixed_now, rng: random.Random):
    """A function turning a dict of known values into a full row tuple over the model's columns.

    Columns not given take their default (UUIDs from ``rng``, so runs are repeatable), ``now``
    for auto timestamps, NULL or "" otherwise: the fixture keeps working when a column is added.
    """
    from django.db import models as djm

    fields = [f for f in model._meta.concrete_fields if not f.generated]  # the database fills generated columns
    names = [f.attname for f in fields]
    fill = []
    for f in fields:
        if isinstance(f, djm.UUIDField):
            fill.append(lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
        elif isinstance(f, djm.DateTimeField) and (f.auto_now or f.auto_now_add):
            fill.append(lambda: fixed_now)
        elif f.has_default():
            default = f.get_default()
            fill.append(lambda d=default: d)
        elif f.null:
            fill.append(lambda: None)
        else:
            fill.append(lambda: "")

    def build(values: dict) -> tuple:
        return tuple(values[n] if n in values else fill[i]() for i, n in enumerate(names))

    return names, build


class _KeyCache:
    """``svidok.search.normalize.text_keys`` with the per-word work memoized (names repeat a lot)."""

    def __init__(self):
        from svidok.search import normalize

        self.words = normalize.words
        self.word_keys = functools.lru_cache(maxsize=500_000)(normalize.word_keys)

    def text_keys(self, text: str, limit: int | None = None) -> set[str]:
        keys: set[str] = set()
        seen: set[str] = set()
        for word in self.words(text or ""):
            if word in seen:
                continue
            seen.add(word)
            if limit is not None and len(seen) > limit:
                break
            keys |= self.word_keys(word)
        return keys


def load_read_fixture(n: int, *, seed: int = 2018, log=print) -> dict:
    """Write ``n`` incidents with persons, organizations, involvements, tags and search keys.

    Straight into the tables (see the module docstring); no audit entries. Returns counts and
    where the places came from.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from svidok.accounts.models import Role, User
    from svidok.incidents import search_index as indexing
    from svidok.incidents.models import Election, Incident, Involvement, Place, ReferenceCounter, Tag, Term
    from svidok.people.models import NameVariant, Organization, Person, PersonIdentity
    from svidok.search.indexing import day_rank, name_rank
    from svidok.search.models import SearchEntry

    t0 = time.perf_counter()
    places, origin = ensure_places()
    place_ids = dict(Place.objects.values_list("code", "id"))
    place_by_code = {p.code: p for p in places}
    terms = {(v, c): i for v, c, i in Term.objects.values_list("vocabulary__code", "code", "id")}
    author, _created = User.objects.get_or_create(username="bench-author", defaults={"role": Role.DOCUMENTER})
    world = World(n, places, seed=seed)
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(seed + 1)
    writer = BulkWriter(connection)
    keys = _KeyCache()

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.execute("PRAGMA synchronous=OFF")  # fixture data: a crash just means re-running
    # The search index is built once after the load: far faster than keeping it sorted row by row.
    search_indexes = list(SearchEntry._meta.indexes)
    with connection.schema_editor(atomic=False) as editor:
        for index in search_indexes:
            editor.remove_index(SearchEntry, index)
    with transaction.atomic():
        if not SearchEntry.objects.filter(object_type="place").exists():
            indexing.index_places(list(Place.objects.all()))
        election_ids = [Election.objects.get_or_create(name=name, date=day)[0].id for name, day in ELECTIONS]
        tag_ids = {name: Tag.objects.get_or_create(name=name)[0].id for name in TAGS}

        # Persons: perpetrators (public, with name variants) then victims (protected).
        person_cols, person_row = _row_builder(Person, now, rng)
        identity_cols, identity_row = _row_builder(PersonIdentity, now, rng)
        variant_cols, variant_row = _row_builder(NameVariant, now, rng)
        org_cols, org_row = _row_builder(Organization, now, rng)
        n_perp = len(world.perpetrator_persons)
        writer.write(Person, person_cols, (
            person_row({"id": p.key + 1, "display_name": p.name, "created_by_id": author.id}) for p in world.perpetrator_persons))
        writer.write(Person, person_cols, (
            person_row({"id": n_perp + v + 1, "protected": True, "pseudonym": pseudonym(v), "display_name": pseudonym(v),
                        "created_by_id": author.id}) for v in range(world.n_victims)))
        writer.write(PersonIdentity, identity_cols, (
            identity_row({"id": p.key + 1, "person_id": p.key + 1, "full_name": p.name}) for p in world.perpetrator_persons))
        writer.write(PersonIdentity, identity_cols, (
            identity_row({"id": n_perp + v + 1, "person_id": n_perp + v + 1, "full_name": world.victim(v)["name"]})
            for v in range(world.n_victims)))
        variant_id = 0
        variants = []
        for p in world.perpetrator_persons:
            for j, (name, lang, script) in enumerate(p.variants):
                variant_id += 1
                variants.append(variant_row({"id": variant_id, "person_id": p.key + 1, "organization_id": None, "name": name,
                                             "lang": lang, "script": script, "primary": j == 0,
                                             "kind": "official" if j == 0 else "transliteration"}))
        writer.write(NameVariant, variant_cols, variants)
        writer.write(Organization, org_cols, (
            org_row({"id": o.key + 1, "name": o.name, "kind_id": terms[("perpetrator_type", o.perpetrator_type)],
                     "created_by_id": author.id}) for o in world.organizations))
        log(f"  persons and organizations: {time.perf_counter() - t0:.0f} s")

        # Incidents, buffering the link rows (COPY writes one table at a time).
        inc_cols, inc_row = _row_builder(Incident, now, rng)
        inv_cols, inv_row = _row_builder(Involvement, now, rng)
        tag_through = Incident.tags.through
        legal_through = Incident.legal_tags.through
        involvements, tag_links, legal_links = [], [], []
        counters: dict[int, int] = {}
        victim_role, perp_role = terms[("involvement_role", "victim")], terms[("involvement_role", "perpetrator")]

        def incident_rows():
            for item in incidents(world, seed=seed + 2):
                pk = item["index"] + 1
                year = item["date_start"].year
                counters[year] = max(counters.get(year, 0), int(item["reference"][-6:]))
                stamp = dt.datetime.combine(item["date_start"], dt.time(12), tzinfo=dt.UTC)
                election = item["election"]
                yield inc_row({
                    "id": pk, "reference": item["reference"], "title": item["title"], "narrative": item["narrative"],
                    "type_id": terms[("incident_type", item["type"])], "date_start": item["date_start"],
                    "date_end": item["date_end"], "date_precision": item["date_precision"], "place_id": place_ids[item["place"]],
                    "place_text": "", "election_id": election_ids[election] if election is not None else None,
                    "status": item["status"], "status_reason": "",
                    "duplicate_of_id": item["duplicate_of"] + 1 if item["duplicate_of"] is not None else None,
                    "confidence": item["confidence"], "sensitivity": item["sensitivity"], "victim_count": item["victim_count"],
                    "created_by_id": author.id, "created_at": stamp, "updated_at": stamp,
                })
                for victim in item["victims"]:
                    involvements.append((pk, n_perp + victim["key"] + 1, None, victim_role, None, item["victim_details"]))
                for party in item["perpetrators"]:
                    person_id, org_id = (party.key + 1, None) if party.kind == "person" else (None, party.key + 1)
                    involvements.append((pk, person_id, org_id, perp_role, terms[("perpetrator_type", party.perpetrator_type)], ""))
                tag_links.extend((pk, tag_ids[t]) for t in item["tags"])
                legal_links.extend((pk, terms[("legal_qualification", c)]) for c in item["legal_tags"])

        writer.write(Incident, inc_cols, incident_rows())
        log(f"  incidents: {time.perf_counter() - t0:.0f} s")
        writer.write(Involvement, inv_cols, (
            inv_row({"id": i + 1, "incident_id": r[0], "person_id": r[1], "organization_id": r[2], "role_id": r[3],
                     "perpetrator_type_id": r[4], "details": r[5]}) for i, r in enumerate(involvements)))
        writer.write(tag_through, ["id", "incident_id", "tag_id"], ((i + 1, *r) for i, r in enumerate(tag_links)))
        writer.write(legal_through, ["id", "incident_id", "term_id"], ((i + 1, *r) for i, r in enumerate(legal_links)))
        n_involvements = len(involvements)
        involvements.clear(), tag_links.clear(), legal_links.clear()
        ReferenceCounter.objects.bulk_create([ReferenceCounter(year=y, last=last) for y, last in sorted(counters.items())])
        log(f"  links: {time.perf_counter() - t0:.0f} s")

        # Search keys, computed with the search module's own key functions (what indexing.py stores).
        prefix = SearchEntry.TYPE_PREFIX

        # Read before the COPY starts: the connection is busy while a COPY runs.
        first_entry_id = SearchEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

        def search_rows():
            entry_id = first_entry_id
            for p in world.perpetrator_persons:
                found = keys.text_keys(p.name)
                for name, _lang, _script in p.variants:
                    found |= keys.text_keys(name)
                for key in sorted(found):
                    entry_id += 1
                    yield (entry_id, "person", p.key + 1, prefix["person"] + key, name_rank(p.name))
            for v in range(world.n_victims):
                name = pseudonym(v)
                rank = name_rank(name)
                for key in sorted(keys.text_keys(name)):
                    entry_id += 1
                    yield (entry_id, "person", n_perp + v + 1, prefix["person"] + key, rank)
            for o in world.organizations:
                for key in sorted(keys.text_keys(o.name)):
                    entry_id += 1
                    yield (entry_id, "organization", o.key + 1, prefix["organization"] + key, 0)
            for item in incidents(world, seed=seed + 2):
                place = place_by_code[item["place"]]
                found = (keys.text_keys(item["reference"]) | keys.text_keys(item["title"])
                         | keys.text_keys(item["narrative"], limit=indexing.NARRATIVE_WORDS)
                         | keys.text_keys(" ".join(filter(None, (place.name_uk, place.name_ru, place.name_latin, place.name_crh)))))
                for victim in item["victims"]:
                    found |= keys.text_keys(victim["pseudonym"])
                for party in item["perpetrators"]:
                    found |= keys.text_keys(party.name)
                rank = day_rank(item["date_start"])
                for key in sorted(found):
                    entry_id += 1
                    yield (entry_id, "incident", item["index"] + 1, prefix["incident"] + key, rank)

        writer.write(SearchEntry, ["id", "object_type", "object_id", "key", "rank"], search_rows())
        log(f"  search keys: {time.perf_counter() - t0:.0f} s")
        reset_sequences(connection, [Person, PersonIdentity, NameVariant, Organization, Incident, Involvement,
                                     tag_through, legal_through, SearchEntry])
    with connection.schema_editor(atomic=False) as editor:
        for index in search_indexes:
            editor.add_index(SearchEntry, index)
    log(f"  search index built: {time.perf_counter() - t0:.0f} s")
    analyze(connection)
    log(f"  analyzed: {time.perf_counter() - t0:.0f} s")
    return {"incidents": n, "involvements": n_involvements, "places": origin, "rows": dict(writer.counts),
            "seconds": round(time.perf_counter() - t0, 1)}
