"""Dates said in a sentence, resolved (issue 12, docs/news.md "Places and dates").

No database. Spans are found by rules (patterns over uk/ru/en month names, numbers, weekdays and
relative words, so that no number becomes a date by accident), and the written date is resolved
by ``dateparser`` with the language fixed and the article's publication date as the relative base
(preferring the past); the rules resolve what ``dateparser`` cannot: dates relative to a vote
("the day after the election", "в день голосования"), weekdays, and a day and month written
without a year when the article's date is unknown (the day of a known vote, if exactly one year
had a vote that day).

Vote days come from ``data/news/election-days.json`` (versioned, with a source for each vote).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import warnings
from pathlib import Path

from svidok.ingest.extraction.shapes import DateMention

ELECTION_DAYS_FILE = Path(__file__).resolve().parents[3] / "data" / "news" / "election-days.json"
# An article published this long after a vote is still about it (incident_date).
CONTEXT_DAYS = 45
MIN_YEAR, MAX_YEAR = 1991, 2099

# Month names by stem, every case form of uk/ru and the English names and abbreviations.
_MONTHS = [
    (1, r"січ(?:ень|ня|ні)|январ[ьяе]|jan(?:uary|\.)"),
    (2, r"лют(?:ий|ого|ому)|феврал[ьяе]|feb(?:ruary|\.)"),
    (3, r"берез(?:ень|ня|ні)|март[аеу]?|march|mar\."),
    (4, r"квіт(?:ень|ня|ні)|апрел[ьяе]|april|apr\."),
    (5, r"трав(?:ень|ня|ні)|ма[йяе]|may"),
    (6, r"черв(?:ень|ня|ні)|июн[ьяе]|june|jun\."),
    (7, r"лип(?:ень|ня|ні)|июл[ьяе]|july|jul\."),
    (8, r"серп(?:ень|ня|ні)|август[аеу]?|august|aug\."),
    (9, r"верес(?:ень|ня|ні)|сентябр[ьяе]|september|sept?\."),
    (10, r"жовт(?:ень|ня|ні)|октябр[ьяе]|october|oct\."),
    (11, r"листопад[аіу]?|ноябр[ьяе]|november|nov\."),
    (12, r"груд(?:ень|ня|ні)|декабр[ьяе]|december|dec\."),
]
_MONTH = "(?:" + "|".join(f"(?P<m{n}>{p})" for n, p in _MONTHS) + ")"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?:\s*(?:року|р\.|году|года|г\.|рр?\.|гг?\.))?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|-?го|-?е)?"
_B, _E = r"(?<![\w.])", r"(?![\w])"

# "within 12 March", "12–14 March 2018": the first day of a range is the date.
DAY_MONTH = re.compile(rf"{_B}{_DAY}(?:\s*(?:[-–—]|по|до|to|and|і|и)\s*[0-3]?\d)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?{_E}", re.I)
MONTH_DAY = re.compile(rf"{_B}{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?{_E}", re.I)
MONTH_YEAR = re.compile(rf"{_B}{_MONTH}\s+(?:of\s+)?{_YEAR}{_E}", re.I)
# A month alone only after a preposition: "May" and "March" are also English words.
MONTH_ALONE = re.compile(rf"{_B}(?:(?:in|since|until|by|early|late|of|у|в|во|з|с|до|по|наприкінці|на\s+початку|"
                         rf"в\s+конце|в\s+начале|в\s+середине|у\s+середині)\s+|mid-){_MONTH}{_E}", re.I)
NUMERIC = re.compile(r"(?<![\d.,/-])(?:(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d\d)|"
                     r"(?P<y2>(?:19|20)\d\d)-(?P<m2>[01]\d)-(?P<d2>[0-3]\d))(?![\d.,/-]\d)")
# A year alone when something says it is one: a preposition or a year word around it.
YEAR_ALONE = re.compile(r"(?<![\d№#.,/-])\b(?P<year>(?:19|20)\d\d)\b(?![%]|[.,/-]\d|\s*%)"
                        r"(?P<after>\s*(?:року|році|рік|р\.|году|год|года|г\.|year|referendum|elections?|vote|presidential))?", re.I)
_YEAR_BEFORE = re.compile(r"(?:\b(?:in|since|of|until|by|from|the|у|в|з|с|до|від|от|весной|летом|осенью|зимой|навесні|влітку|"
                          r"восени|взимку|spring|summer|autumn|winter|fall)\s+)$", re.I)
_NOT_A_YEAR_BEFORE = re.compile(r"(?:№|no\.|#|article|art\.|стаття|статья|ст\.|part|часть|частина|ч\.|precinct|уик|двк|дільниц\w*|участ\w*)\s*$", re.I)

_WEEKDAYS = [
    (0, r"monday|понедельник|понеділ(?:ок|ка)"),
    (1, r"tuesday|вторник|вівтор(?:ок|ка)"),
    (2, r"wednesday|среду|среда|середу|середа"),
    (3, r"thursday|четверг|четвер"),
    (4, r"friday|пятницу|пятница|п'ятницю|п’ятницю|пʼятницю|п'ятниця|п’ятниця"),
    (5, r"saturday|субботу|суббота|суботу|субота"),
    (6, r"sunday|воскресенье|неділю|неділя"),
]
WEEKDAY = re.compile(r"(?<!\w)(?:on|last|this|past|в|во|у|минулої|минулого|прошлое|прошлую|прошлый)\s+(?:"
                     + "|".join(f"(?P<w{n}>{p})" for n, p in _WEEKDAYS) + r")(?!\w)", re.I)

_VOTE = r"(?:vote|voting|election|elections|referendum|ballot|выбор\w*|голосовани\w*|референдум\w*|вибор\w*|голосуванн\w*)"
ELECTION_DAY = re.compile(rf"(?<!\w)(?:(?:on\s+)?(?:the\s+)?(?:election|voting|polling|referendum)\s+day|(?:on\s+)?the\s+day\s+of\s+the\s+{_VOTE}|"
                          rf"(?:в|у)\s+день\s+{_VOTE})(?!\w)", re.I)
# "after the illegal «election»": up to two words and a quotation mark before the vote's name.
_THE_VOTE = rf"(?:[\w’'-]+\s+){{0,2}}[\"«“„']?{_VOTE}"
_ORDINALS = {
    "next": 1, "following": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "следующий": 1, "следующего": 1, "первый": 1, "второй": 2, "третий": 3, "на следующий": 1,
    "наступного": 1, "наступний": 1, "другий": 2, "другого": 2, "третій": 3, "третього": 3,
    "a": 1, "one": 1, "two": 2, "three": 3, "два": 2, "две": 2, "три": 3, "дні": 2, "день": 1,
}
AFTER_VOTE = re.compile(
    rf"(?<!\w)(?:(?:on\s+)?the\s+(?P<en>next|following|first|second|third|fourth|fifth)\s+day\s+after\s+the\s+{_THE_VOTE}|"
    rf"(?:on\s+)?the\s+day\s+after\s+the\s+{_THE_VOTE}|"
    rf"(?P<n>a|one|two|three|\d)\s+days?\s+after\s+the\s+{_THE_VOTE}|"
    rf"(?:на\s+)?(?P<ru>следующий|второй|третий)\s+день\s+после\s+{_THE_VOTE}|"
    rf"(?P<uk>наступного|наступний|другого|другий|третього|третій)\s+дня?\s+після\s+{_THE_VOTE}|"
    rf"через\s+(?P<k>два|две|три|\d)?\s*(?:дня|дні|день|дней|днів)\s+(?:после|після)\s+{_THE_VOTE})(?!\w)", re.I)
BEFORE_VOTE = re.compile(
    rf"(?<!\w)(?:(?:on\s+)?the\s+(?:eve|day\s+before)\s+(?:of\s+)?the\s+{_THE_VOTE}|накануне\s+{_THE_VOTE}|напередодні\s+{_THE_VOTE})(?!\w)", re.I)
DURING_VOTE = re.compile(
    rf"(?<!\w)(?:during\s+the\s+{_THE_VOTE}|(?:во\s+время|в\s+ходе|в\s+период)\s+{_THE_VOTE}|під\s+час\s+{_THE_VOTE})(?!\w)", re.I)
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "several": 0,
                "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "дві": 2, "чотири": 4, "п'ять": 5, "п’ять": 5}
AGO = re.compile(r"(?<!\w)(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|seven|два|две|три|четыре|пять|дві|чотири|п['’]ять)\s+"
                 r"(?P<unit>days?|weeks?|months?|дн(?:я|ей|і|ів)|день|недел(?:и|ю|ь)|тижн(?:і|ів)|тиждень|месяц(?:а|ев)?|місяц(?:і|ів|ь))\s+"
                 r"(?:ago|назад|тому)(?!\w)", re.I)
RELATIVE = re.compile(
    r"(?<!\w)(?P<w>the\s+day\s+before\s+yesterday|позавчера|позавчора|yesterday|вчера|вчора|учора|today|сегодня|сьогодні|"
    r"last\s+week|на\s+прошлой\s+неделе|минулого\s+тижня|на\s+минулому\s+тижні|"
    r"last\s+month|в\s+прошлом\s+месяце|минулого\s+місяця|last\s+year|в\s+прошлом\s+году|минулого\s+року|торік|"
    r"this\s+year|в\s+этом\s+году|цього\s+року|этой\s+весной|этой\s+осенью)(?!\w)", re.I)


@functools.cache
def _votes() -> tuple[tuple[dt.date, dt.date], ...]:
    with open(ELECTION_DAYS_FILE, encoding="utf-8") as handle:
        votes = json.load(handle)["votes"]
    return tuple((dt.date.fromisoformat(v["from"]), dt.date.fromisoformat(v["to"])) for v in votes)


@functools.cache
def _election_days() -> tuple[dt.date, ...]:
    days = []
    for first, last in _votes():
        days.extend(first + dt.timedelta(n) for n in range((last - first).days + 1))
    return tuple(days)


def election_days() -> list[dt.date]:
    """Every day on which a vote Svidok knows took place (a vote over several days gives each)."""
    return list(_election_days())


ELECTION_DAYS = election_days()


def nearest_election(day: dt.date | None, days: list[dt.date] | None = None, *, before: bool = False) -> dt.date | None:
    """The vote day nearest ``day`` (with ``before``, the nearest on or before it)."""
    if day is None:
        return None
    days = ELECTION_DAYS if days is None else days
    pool = [d for d in days if d <= day] if before else list(days)
    return min(pool, key=lambda d: (abs((d - day).days), d > day), default=None)


def _last_day_of_vote(day: dt.date, days: list[dt.date]) -> dt.date:
    """A multi-day vote's last day, from any of its days."""
    known = set(days)
    while day + dt.timedelta(1) in known:
        day += dt.timedelta(1)
    return day


def _first_day_of_vote(day: dt.date, days: list[dt.date]) -> dt.date:
    known = set(days)
    while day - dt.timedelta(1) in known:
        day -= dt.timedelta(1)
    return day


def _month(match: re.Match) -> int:
    return next(n for n in range(1, 13) if match.group(f"m{n}"))


def _valid(year: int, month: int, day: int = 1) -> dt.date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@functools.cache
def _dateparser():
    import dateparser

    return dateparser


@functools.lru_cache(maxsize=4096)
def _parse(written: str, language: str, published: dt.date | None) -> dt.date | None:
    """The written date through dateparser (language fixed, past preferred, relative to the article's date)."""
    settings = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time(12))
    languages = [language] if language in ("uk", "ru", "en") else ["uk", "ru", "en"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = _dateparser().parse(written, languages=languages, settings=settings)
    return parsed.date() if parsed else None


def _year_for(month: int, day: int | None, published: dt.date | None, days: list[dt.date]) -> int | None:
    """The year of a month (and day) written without one: the one that puts it on or before the
    article's date; with no article date, the one year in which a vote fell on that day."""
    if published is not None:
        candidate = _valid(published.year, month, day or 1)
        if candidate is None:  # 29 February
            return published.year - 1
        return published.year if candidate <= published else published.year - 1
    if day is not None:
        years = {d.year for d in days if d.month == month and d.day == day}
        if len(years) == 1:
            return years.pop()
    return None


def find_dates(text: str, offset: int = 0, language: str = "", *, published: dt.date | None = None,
               election_days: list[dt.date] | None = None) -> list[DateMention]:
    """Dates said in ``text`` (a sentence starting at ``offset`` in the article), resolved, in the
    order written; spans in article offsets. A date that cannot be resolved (a month with no year
    in an article of unknown date, "yesterday" with no article date) is left out."""
    days = ELECTION_DAYS if election_days is None else election_days
    sentence_year = _sentence_year(text, published) if re.search(r"(?:19|20)\d\d", text) else None
    found: list[tuple[int, int, str, str, bool]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(match: re.Match, value: dt.date | None, precision: str, *, of_vote: bool = False, group: int | str = 0) -> None:
        start, end = match.span(group)
        if value is None or not free(start, end):
            return
        taken.append((start, end))
        iso = {"day": value.isoformat(), "month": value.isoformat()[:7], "year": str(value.year)}[precision]
        found.append((start, end, iso, precision, of_vote))

    for m in NUMERIC.finditer(text):
        if m.group("d"):
            add(m, _valid(int(m.group("y")), int(m.group("m")), int(m.group("d"))), "day")
        else:
            add(m, _valid(int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))), "day")
    for pattern in (DAY_MONTH, MONTH_DAY):
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            month, day = _month(m), int(m.group("day"))
            if _lower_english(m.group(f"m{month}")):
                continue
            year = int(m.group("year")) if m.group("year") else sentence_year or _year_for(month, day, published, days)
            if year is None or _valid(year, month, day) is None:
                continue
            parsed = _parse(f"{day} {m.group(f'm{month}')} {year}", language, published)
            value = parsed if parsed and (parsed.month, parsed.day) == (month, day) else _valid(year, month, day)
            add(m, value, "day", of_vote=_after_vote_word(text, m.start()))
    for pattern in (MONTH_YEAR, MONTH_ALONE):
        for m in pattern.finditer(text):
            month = _month(m)
            if "year" in m.groupdict() and m.group("year"):
                year = int(m.group("year"))
            else:
                year = sentence_year or _year_for(month, None, published, days)
            if year is not None:
                if _lower_english(m.group(f"m{month}")):
                    continue
                add(m, _valid(year, month), "month", group=0 if pattern is MONTH_YEAR else f"m{month}")
    for m in AFTER_VOTE.finditer(text):
        word = (m.group("en") or m.group("ru") or m.group("uk") or m.group("n") or m.group("k") or "next").lower()
        n = int(word) if word.isdigit() else _ORDINALS.get(word, 1)
        anchor = nearest_election(published, days, before=True) if published else None
        if anchor is not None:
            add(m, _last_day_of_vote(anchor, days) + dt.timedelta(n), "day")
    for m in BEFORE_VOTE.finditer(text):
        anchor = _nearest_vote_for(published, days)
        if anchor is not None:
            eve = _first_day_of_vote(anchor, days) - dt.timedelta(1)
            # Written before the eve, "напередодні виборів" is the run-up: the month is all it says.
            add(m, eve, "day") if eve <= published else add(m, published, "month")
    for m in ELECTION_DAY.finditer(text):
        anchor = _nearest_vote_for(published, days)
        if anchor is not None:
            add(m, _last_day_of_vote(anchor, days), "day", of_vote=True)
    for m in DURING_VOTE.finditer(text):
        anchor = _nearest_vote_for(published, days)
        if anchor is not None:
            first, last = _first_day_of_vote(anchor, days), _last_day_of_vote(anchor, days)
            # A vote over several days says only its month.
            add(m, last, "day") if first == last else add(m, last, "month")
    for m in AGO.finditer(text):
        if published is None:
            continue
        word, unit = m.group("n").lower(), m.group("unit").lower()
        n = int(word) if word.isdigit() else _COUNT_WORDS.get(word.replace("’", "'"), 0)
        if not n:
            continue
        if unit.startswith(("day", "дн", "ден")):
            add(m, published - dt.timedelta(n), "day")
        elif unit.startswith(("week", "недел", "тиж")):
            add(m, published - dt.timedelta(7 * n), "month")
        else:
            month_index = published.year * 12 + published.month - 1 - n
            add(m, dt.date(month_index // 12, month_index % 12 + 1, 1), "month")
    for m in WEEKDAY.finditer(text):
        if published is None:
            continue
        weekday = next(n for n in range(7) if m.group(f"w{n}"))
        back = (published.weekday() - weekday) % 7
        ahead = published + dt.timedelta((weekday - published.weekday()) % 7 or 7)
        # Written in the days before a vote, "on Sunday" is the vote's Sunday.
        add(m, ahead if ahead in set(days) else published - dt.timedelta(back), "day")
    for m in RELATIVE.finditer(text):
        if published is None:
            continue
        value, precision = _relative(m.group("w").lower(), published)
        add(m, value, precision)
    for m in YEAR_ALONE.finditer(text):
        if _is_year(m, text, published):
            add(m, _valid(int(m.group("year")), 1), "year", group="year")
    found.sort()
    return [DateMention(text[s:e], offset + s, offset + e, value, precision, of_vote=of_vote)
            for s, e, value, precision, of_vote in found]


def _lower_english(month: str) -> bool:
    """"may", "march" in lower case are the verb and the noun, not the months."""
    return month.isascii() and not month[:1].isupper()


def _is_year(m: re.Match, text: str, published: dt.date | None) -> bool:
    """A four-digit number that the words around it say is a year, and not one after the article."""
    before = text[max(0, m.start() - 24):m.start()]
    if _NOT_A_YEAR_BEFORE.search(before) or not (m.group("after") or _YEAR_BEFORE.search(before)):
        return False
    # "до 2036 року": a year after the article (or after today) is a term or a plan, not an event.
    return int(m.group("year")) <= (published or dt.date.today()).year


def _sentence_year(text: str, published: dt.date | None) -> int | None:
    """The one year the sentence writes ("В 2014 году, 16 марта…"), which its dates without a
    year share; None when it writes none or several."""
    years = {int(m.group("y") or m.group("y2")) for m in NUMERIC.finditer(text)}
    for pattern in (DAY_MONTH, MONTH_DAY, MONTH_YEAR):
        years.update(int(m.group("year")) for m in pattern.finditer(text) if m.group("year"))
    years.update(int(m.group("year")) for m in YEAR_ALONE.finditer(text) if _is_year(m, text, published))
    if len(years) == 1:
        year = years.pop()
        if published is None or year <= published.year:
            return year
    return None


def _nearest_vote_for(published: dt.date | None, days: list[dt.date]) -> dt.date | None:
    """The vote an article speaks of: the last one on or before its date if within the context
    window, else the next one (an article written ahead of a vote)."""
    if published is None:
        return None
    before = nearest_election(published, days, before=True)
    if before is not None and (published - _last_day_of_vote(before, days)).days <= CONTEXT_DAYS:
        return before
    after = [d for d in days if d > published]
    return min(after) if after else before


def _after_vote_word(text: str, start: int) -> bool:
    """The date is written as the vote's own ("elections on March 18", "выборы 18 марта")."""
    return bool(re.search(rf"{_VOTE}\s+(?:on\s+|of\s+)?(?:the\s+)?$", text[max(0, start - 40):start], re.I))


def _relative(word: str, published: dt.date) -> tuple[dt.date, str]:
    word = " ".join(word.split())
    if word in ("yesterday", "вчера", "вчора", "учора"):
        return published - dt.timedelta(1), "day"
    if word in ("the day before yesterday", "позавчера", "позавчора"):
        return published - dt.timedelta(2), "day"
    if word in ("today", "сегодня", "сьогодні"):
        return published, "day"
    if "week" in word or "недел" in word or "тиж" in word:
        # A week back is a span, not a day: its month is what can be said.
        return published - dt.timedelta(7), "month"
    if "month" in word or "месяц" in word or "місяц" in word:
        return (published.replace(day=1) - dt.timedelta(1)), "month"
    if word in ("this year", "в этом году", "цього року") or word.startswith("этой"):
        return published, "year"
    return published.replace(year=published.year - 1, day=1), "year"


def incident_date(mentions: list[DateMention], *, published: dt.date | None, election_days: list[dt.date] | None = None,
                  article_mentions: list[DateMention] = ()) -> tuple[str | None, str | None]:
    """The date of a candidate: ``(value, precision)`` or ``(None, None)``.

    1. The sentence's own date, the most precise first (day > month > year, then the first
       written); a day written as the vote's own ("the elections on 18 March") dates the vote, not
       the act around it, and gives its month.
    2. Else the vote the article speaks of: published up to 45 days after a vote → that vote's
       month; otherwise (before a vote, or no vote near) the month of publication.
    3. Else (no publication date) the article's dates: a vote day among them → that month;
       otherwise the latest month (or year) the article names.
    """
    days = ELECTION_DAYS if election_days is None else election_days
    rank = {"day": 3, "month": 2, "year": 1}
    if mentions:
        best = max(mentions, key=lambda m: (rank.get(m.precision, 0), -m.start))
        if best.precision == "day" and best.of_vote:
            return best.value[:7], "month"
        return best.value, best.precision
    if published is not None:
        before = nearest_election(published, days, before=True)
        if before is not None and 0 <= (published - _last_day_of_vote(before, days)).days <= CONTEXT_DAYS:
            return before.isoformat()[:7], "month"
        return published.isoformat()[:7], "month"
    vote_days = {d.isoformat() for d in days}
    on_vote = [m for m in article_mentions if m.precision == "day" and m.value in vote_days]
    if on_vote:
        return on_vote[0].value[:7], "month"
    dated = [m for m in article_mentions if m.precision in ("day", "month")]
    if dated:
        return max(m.value for m in dated)[:7], "month"
    years = [m for m in article_mentions if m.precision == "year"]
    if years:
        return max(m.value for m in years), "year"
    return None, None
