"""Dates in a sentence: explicit, relative, vote-anchored, the guards against numbers that are not dates, and incident_date."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from svidok.ingest.extraction import dates
from svidok.ingest.extraction.dates import election_days, find_dates, incident_date, nearest_election
from svidok.ingest.extraction.shapes import DateMention

PUBLISHED = dt.date(2018, 3, 20)  # a Tuesday, two days after the 2018 presidential vote


def found(text, language, published=PUBLISHED, days=None):
    return [(m.as_written, m.value, m.precision) for m in find_dates(text, 0, language, published=published, election_days=days)]


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Обшук провели 5 березня 2018 року.", "uk", ("5 березня 2018 року", "2018-03-05", "day")),
    ("Обыск провели 5 марта 2018 года.", "ru", ("5 марта 2018 года", "2018-03-05", "day")),
    ("The search was on March 5, 2018.", "en", ("March 5, 2018", "2018-03-05", "day")),
    ("The search was on 5 March 2018.", "en", ("5 March 2018", "2018-03-05", "day")),
    ("The search was on March 5th.", "en", ("March 5th", "2018-03-05", "day")),
    ("Обшук провели 5 березня.", "uk", ("5 березня", "2018-03-05", "day")),
    ("Обыск провели 12.03.2018.", "ru", ("12.03.2018", "2018-03-12", "day")),
    ("Обшук провели у березні 2016 року.", "uk", ("березні 2016 року", "2016-03", "month")),
    ("Обыск провели в марте.", "ru", ("марте", "2018-03", "month")),
    ("It happened in mid-February.", "en", ("February", "2018-02", "month")),
    ("Це почалося у 2014 році.", "uk", ("2014", "2014", "year")),
    ("It began in 2014.", "en", ("2014", "2014", "year")),
    ("Since the 2014 referendum nothing changed.", "en", ("2014", "2014", "year")),
])
def test_explicit_dates(text, language, expected):
    assert found(text, language) == [expected]


def test_day_and_month_without_year_is_on_or_before_the_article():
    # Written in March 2018, "5 November" is last November.
    assert found("Его задержали 5 ноября.", "ru") == [("5 ноября", "2017-11-05", "day")]
    assert found("Його затримали у грудні.", "uk") == [("грудні", "2017-12", "month")]


def test_night_before_keeps_the_date_written():
    assert found("В ночь на 5 марта пришли с обыском.", "ru") == [("5 марта", "2018-03-05", "day")]


def test_range_gives_its_first_day():
    assert found("Виїзд заборонили з 23 по 27 вересня 2022 року.", "uk") == [("23 по 27 вересня 2022 року", "2022-09-23", "day")]


@pytest.mark.parametrize(("text", "language", "value"), [
    ("Yesterday police came.", "en", "2018-03-19"),
    ("Вчера пришла полиция.", "ru", "2018-03-19"),
    ("Вчора прийшла поліція.", "uk", "2018-03-19"),
    ("Позавчора прийшла поліція.", "uk", "2018-03-18"),
    ("On Sunday police came.", "en", "2018-03-18"),
    ("В воскресенье пришла полиция.", "ru", "2018-03-18"),
    ("У п’ятницю прийшла поліція.", "uk", "2018-03-16"),
    ("On Tuesday police came.", "en", "2018-03-20"),
])
def test_relative_days_and_weekdays_count_back_from_the_article(text, language, value):
    [(_written, got, precision)] = found(text, language)
    assert (got, precision) == (value, "day")


def test_last_week_is_a_month():
    assert found("Last week three teachers were warned.", "en") == [("Last week", "2018-03", "month")]


@pytest.mark.parametrize(("text", "language", "value"), [
    ("On election day the soldiers came.", "en", "2018-03-18"),
    ("В день голосования пришли солдаты.", "ru", "2018-03-18"),
    ("У день виборів прийшли солдати.", "uk", "2018-03-18"),
    ("On the day after the election he was fired.", "en", "2018-03-19"),
    ("На следующий день после выборов его уволили.", "ru", "2018-03-19"),
    ("Наступного дня після виборів його звільнили.", "uk", "2018-03-19"),
    ("On the second day after the illegal \"election\" he was fired.", "en", "2018-03-20"),
    ("Через два дня после «выборов» его уволили.", "ru", "2018-03-20"),
    ("On the eve of the vote he was warned.", "en", "2018-03-17"),
])
def test_dates_relative_to_the_vote(text, language, value):
    [(_written, got, precision)] = found(text, language)
    assert (got, precision) == (value, "day")


def test_vote_over_several_days_counts_from_its_last_day():
    published = dt.date(2024, 3, 20)
    assert found("The day after the vote he was detained.", "en", published) == [
        ("The day after the vote", "2024-03-18", "day")]
    assert found("On election day he was detained.", "en", published) == [("On election day", "2024-03-17", "day")]


def test_election_day_ahead_of_a_vote_is_the_coming_vote():
    assert found("On election day buses will bring the staff.", "en", dt.date(2018, 3, 1)) == [
        ("On election day", "2018-03-18", "day")]


@pytest.mark.parametrize(("text", "language"), [
    ("Явка составила 45% по всему округу.", "ru"),
    ("Стаття 5 Конвенції порушена.", "uk"),
    ("Under Article 2018 of the code.", "en"),
    ("Дільниця № 2018 відкрилася вчасно.", "uk"),
    ("More than 2000 people work there, 1998 of them women.", "en"),
    ("Call 050.123.2018 or +7 978 2014 555.", "en"),
    ("You may leave; the march went on; 5 may be too many.", "en"),
    ("УИК 2019 и ТИК 2014 работали.", "ru"),
])
def test_numbers_that_are_not_dates(text, language):
    assert found(text, language) == []


def test_unresolvable_dates_are_left_out():
    assert found("Вчора прийшла поліція 21 березня.", "uk", published=None) == []


def test_day_without_year_or_article_date_takes_the_year_of_a_vote_that_day():
    assert found("The elections on March 18 were held under pressure.", "en", published=None) == [
        ("March 18", "2018-03-18", "day")]
    assert found("Голосування тривало з 25 червня по 1 липня.", "uk", published=None) == [
        ("25 червня", "2020-06-25", "day"), ("1 липня", "2020-07-01", "day")]


def test_spans_are_article_offsets_and_vote_dates_are_marked():
    [mention] = find_dates("The elections on March 18 were held.", 500, "en", published=PUBLISHED, election_days=election_days())
    assert mention == DateMention("March 18", 517, 525, "2018-03-18", "day", of_vote=True)


def test_election_days_file_lists_every_voting_day_with_a_source():
    data = json.loads((Path(settings.DATA_DIR) / "news" / "election-days.json").read_text(encoding="utf-8"))
    assert all(vote["source"] for vote in data["votes"])
    days = election_days()
    assert dt.date(2014, 3, 16) in days
    assert [d for d in days if d.year == 2022] == [dt.date(2022, 9, d) for d in range(23, 28)]
    assert len([d for d in days if d.year == 2020]) == 8  # 25 June to 1 July, and 13 September
    assert days == sorted(days)


def test_nearest_election():
    assert nearest_election(dt.date(2018, 3, 20)) == dt.date(2018, 3, 18)
    assert nearest_election(dt.date(2022, 9, 1)) == dt.date(2022, 9, 23)
    assert nearest_election(dt.date(2022, 9, 1), before=True) == dt.date(2021, 9, 19)
    assert nearest_election(None) is None


def mention(value, precision, of_vote=False):
    return DateMention(value, 0, len(value), value, precision, of_vote=of_vote)


def test_incident_date_takes_the_sentence_date_most_precise_first():
    mentions = [mention("2018", "year"), mention("2018-02-05", "day"), mention("2018-03", "month")]
    assert incident_date(mentions, published=PUBLISHED) == ("2018-02-05", "day")


def test_incident_date_of_the_vote_itself_gives_its_month():
    assert incident_date([mention("2018-03-18", "day", of_vote=True)], published=PUBLISHED) == ("2018-03", "month")


@pytest.mark.parametrize(("published", "expected"), [
    (dt.date(2018, 3, 20), "2018-03"),    # two days after the vote
    (dt.date(2022, 10, 11), "2022-09"),   # two weeks after the September 2022 "referendums"
    (dt.date(2018, 2, 19), "2018-02"),    # a month before a vote: the month of publication
    (dt.date(2022, 7, 17), "2022-07"),    # no vote near: the month of publication
    (dt.date(2018, 5, 20), "2018-05"),    # more than 45 days after the vote
])
def test_incident_date_without_a_sentence_date(published, expected):
    assert incident_date([], published=published) == (expected, "month")


def test_incident_date_without_publication_date_uses_the_article():
    vote = mention("2024-03-17", "day")
    other = mention("2024-02-01", "day")
    assert incident_date([], published=None, article_mentions=[other, vote]) == ("2024-03", "month")
    assert incident_date([], published=None, article_mentions=[other]) == ("2024-02", "month")
    assert incident_date([], published=None, article_mentions=[mention("2023", "year")]) == ("2023", "year")
    assert incident_date([], published=None) == (None, None)


def test_dateparser_is_not_asked_about_sentences_without_dates(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_parse", refuse)
    assert found("Police detained three men and searched their homes, the group said.", "en") == []


def test_seed_article_second_day_after_the_vote(settings):
    text = (Path(settings.DATA_DIR) / "news" / "seed-article.txt").read_text(encoding="utf-8")
    mentions = find_dates(text, 0, "en", published=dt.date(2018, 3, 23), election_days=election_days())
    assert [(m.as_written, m.value) for m in mentions] == [
        ("March 22", "2018-03-22"),
        ('on the second day after the illegal "election', "2018-03-20"),
    ]


def test_year_after_the_article_is_not_an_event():
    assert found("Він може правити до 2036 року, а вибори були у 2018 році.", "uk") == [("2018", "2018", "year")]


def test_eve_of_a_vote_written_before_it_is_the_run_up():
    assert found("Напередодні «виборів» людей залякували.", "uk", dt.date(2024, 3, 8)) == [
        ("Напередодні «виборів", "2024-03", "month")]


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Three days ago police came.", "en", ("Three days ago", "2018-03-17", "day")),
    ("Два дня назад пришла полиция.", "ru", ("Два дня назад", "2018-03-18", "day")),
    ("5 днів тому прийшла поліція.", "uk", ("5 днів тому", "2018-03-15", "day")),
    ("Two weeks ago police came.", "en", ("Two weeks ago", "2018-03", "month")),
    ("Три месяца назад пришла полиция.", "ru", ("Три месяца назад", "2017-12", "month")),
])
def test_ago(text, language, expected):
    assert found(text, language) == [expected]


def test_during_the_vote_is_its_day_or_its_month():
    assert found("During the vote soldiers stood at the ballot box.", "en") == [
        ("During the vote", "2018-03-18", "day")]
    assert found("Під час голосування солдати стояли біля скриньки.", "uk", dt.date(2024, 3, 19)) == [
        ("Під час голосування", "2024-03", "month")]


def test_date_without_year_takes_the_year_the_sentence_writes():
    assert found("В 2014 году, 16 марта, людей свозили на участки.", "ru") == [
        ("2014", "2014", "year"), ("16 марта", "2014-03-16", "day")]
    # Two years written: neither is taken, the article's date decides.
    assert found("In 2014 and in 2016, on 5 May, he was fined.", "en")[-1] == ("5 May", "2017-05-05", "day")


def test_weekday_before_a_vote_is_the_vote_day():
    # Published on Wednesday 14 March 2018; the vote was on Sunday 18 March.
    assert found("On Sunday buses will take workers to the polls.", "en", dt.date(2018, 3, 14)) == [
        ("On Sunday", "2018-03-18", "day")]
    assert found("On Monday the director called a meeting.", "en", dt.date(2018, 3, 14)) == [
        ("On Monday", "2018-03-12", "day")]
