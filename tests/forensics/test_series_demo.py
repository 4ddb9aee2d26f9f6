"""The series of votes in the demo data (`svidok setup --demo`): the figures docs/forensics.md gives
in "The series in Crimea", from the three whole files. A module of its own: the world of
test_series.py (module-scoped) must not be in the database beside the demo's elections."""

import pytest

from svidok.forensics import series
from svidok.incidents.models import Place

pytestmark = pytest.mark.django_db



# (date, precincts, registered, ballots issued, turnout, leader, leader's votes, ballots cast, share) per territory.
DEMO = {
    "crimea": [
        ("2016-09-18", 1207, 1_493_965, 734_230, 49.15, "party with most votes", 534_362, 733_982, 72.80),
        ("2018-03-18", 1206, 1_508_701, 1_079_531, 71.55, "candidate with most votes", 994_569, 1_079_295, 92.15),
        ("2020-07-01", 1165, 1_501_047, 1_227_150, 81.75, "answer with most votes", 1_104_730, 1_226_531, 90.07),
    ],
    "sevastopol": [
        ("2016-09-18", 191, 313_640, 147_430, 47.01, "party with most votes", 79_219, 147_306, 53.78),
        ("2018-03-18", 182, 339_010, 242_176, 71.44, "candidate with most votes", 218_303, 242_056, 90.19),
        ("2020-07-01", 187, 326_520, 216_583, 66.33, "answer with most votes", 183_296, 216_494, 84.67),
    ],
    "both": [
        ("2016-09-18", 1398, 1_807_605, 881_660, 48.78, "party with most votes", 613_581, 881_288, 69.62),
        ("2018-03-18", 1388, 1_847_711, 1_321_707, 71.53, "candidate with most votes", 1_212_872, 1_321_351, 91.79),
        ("2020-07-01", 1352, 1_827_567, 1_443_733, 79.00, "answer with most votes", 1_288_026, 1_443_025, 89.26),
    ],
}


def test_demo_series_runs_from_2016_to_2024_with_the_documented_figures_and_the_article_estimates():
    """`svidok setup --demo`'s data (the three whole files: about 10 s, the only test here that imports them)."""
    from svidok.forensics.demo import load_demo_results
    from svidok.incidents import demo as incidents_demo

    Place.objects.create(code=series.ARC_CODE, category="O", name_uk="Автономна Республіка Крим")
    Place.objects.create(code=series.SEVASTOPOL_CODE, category="K", name_uk="Севастополь")
    incidents_demo.load_demo()
    created = load_demo_results()
    again = load_demo_results()

    shown, without_files = {}, {}
    for slug in DEMO:
        _where, votes = series.series(slug)
        shown[slug] = [(v.election.date.isoformat(), v.official["precincts"], v.official["registered"],
                        v.official["ballots_issued"], round(v.official["turnout"], 2), v.official["leader_role"],
                        v.official["leader_votes"], v.official["ballots_cast"], round(v.official["leader_share"], 2))
                       for v in votes if v.official]
        without_files[slug] = [(v.election.date.isoformat(), v.result_set, v.figures) for v in votes if not v.official]
    _where, votes = series.series("crimea")
    votes = [v for v in votes if v.official]
    assert (created, again) == ({"2018 precincts": 97_699, "2016 precincts": 96_871, "2020 precincts": 96_765}, {})
    assert shown == DEMO
    # 2021 and 2024 are recorded on the Autonomous Republic, with no file and no figure: shown, not invented.
    later = [("2021-09-19", None, []), ("2024-03-17", None, [])]
    assert without_files == {"crimea": later, "sevastopol": [], "both": later}
    assert [v.official["leader"] for v in votes] == [
        '4. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"', "Путин Владимир Владимирович", "ДА"]
    assert [(f.figure.official, f.figure.comparator, f.value, f.figure.population_group, f.gap) for f in votes[1].figures] == [
        (True, "eq", 71.55, "", 0.0), (False, "le", 30.0, "", -41.55), (False, "le", 10.0, "Crimean Tatars", -61.55)]
    assert [v.figures for v in (votes[0], votes[2])] == [[], []]
