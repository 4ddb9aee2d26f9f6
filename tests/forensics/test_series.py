"""The series of votes in Crimea: computation on synthetic files (two votes with files, one without,
estimates with ≤), the page in English and Ukrainian, its plot, CSV, API and permissions.

The world is made once for the module (small synthetic files, milliseconds to import) and rolled
back at its end.
"""

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from svidok.accounts.models import Role
from svidok.forensics import series, services
from svidok.incidents.models import Place
from svidok.incidents.services import record_election, record_election_figure
from tests import factories
from tests.forensics.conftest import CRIMEA, SEVASTOPOL, csv_text, synthetic_row
from tests.helpers import login, make_user, settle_constraints

pytestmark = pytest.mark.django_db

URL = "/forensics/series/"
API = "/api/v1/forensics/series/"
SVG = "{http://www.w3.org/2000/svg}svg"
NBSP = "\xa0"

# 2016: Crimea 3,000 registered, 1,650 issued (55.00%), Иванов 1,100 of 1,650 cast (66.67%);
# Sevastopol 1,000 / 650 (65.00%), 400 of 650 (61.54%); both 4,000 / 2,300 (57.50%), 1,500 / 2,300 (65.22%).
ROWS_2016 = [
    synthetic_row(region=CRIMEA, uik="1"),
    synthetic_row(region=CRIMEA, uik="2", registered=2000, issued_station=1000, issued_outside=0, portable_box=0,
                  stationary_box=1000, invalid=0, valid=1000, ivanov=700, petrov=300),
    synthetic_row(region=SEVASTOPOL, uik="1"),
    synthetic_row(region="Область А", uik="1", ivanov=100, petrov=540),
]
# 2018: Crimea 1,000 / 850 (85.00%), Иванов 700 of 850 (82.35%); Sevastopol as 2016.
ROWS_2018 = [
    synthetic_row(region=CRIMEA, uik="1", issued_station=800, portable_box=50, stationary_box=800, valid=840,
                  ivanov=700, petrov=140),
    synthetic_row(region=SEVASTOPOL, uik="1"),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        lead = make_user(Role.COORDINATOR, "series_lead")
        arc = Place.objects.create(code=series.ARC_CODE, category="O", name_uk="Автономна Республіка Крим",
                                   name_latin="Avtonomna Respublika Krym")
        sev = Place.objects.create(code=series.SEVASTOPOL_CODE, category="K", name_uk="Севастополь",
                                   name_latin="Sevastopol")
        duma = record_election(actor=lead, fields={"name": "Duma 2016", "name_uk": "Дума 2016",
                                                   "date": dt.date(2016, 9, 18), "territory": arc})
        presidential = record_election(actor=lead, fields={"name": "Presidential 2018", "name_uk": "Президент 2018",
                                                           "date": dt.date(2018, 3, 18), "territory": arc})
        amendments = record_election(actor=lead, fields={"name": "Amendments 2020", "name_uk": "Поправки 2020",
                                                         "date": dt.date(2020, 7, 1), "territory": arc})
        elsewhere = record_election(actor=lead, fields={"name": "Elsewhere 2019", "date": dt.date(2019, 9, 8)})
        rs_2016 = services.import_results(actor=lead, election=duma, name="duma-2016.csv",
                                          source=csv_text(ROWS_2016).encode()).result_set
        rs_2018 = services.import_results(actor=lead, election=presidential, name="president-2018.csv",
                                          source=csv_text(ROWS_2018).encode()).result_set
        services.import_results(actor=lead, election=elsewhere, name="elsewhere.csv",
                                source=csv_text([synthetic_row()]).encode())
        article = factories.source(lead, title="Mejlis on the vote", url="https://example.org/mejlis")

        def figure(election, **fields):
            return record_election_figure(actor=lead, election=election, fields={"comparator": "eq", **fields})

        figure(presidential, metric="turnout", value=Decimal("85.00"), official=True, territory=arc,
               territory_text="Republic of Crimea", claimed_by="Commission")
        figure(presidential, metric="turnout", value=Decimal("65.00"), official=True, territory=sev,
               territory_text="Sevastopol", claimed_by="Commission of Sevastopol")
        figure(presidential, metric="turnout", comparator="le", value=Decimal("30"), official=False, territory=arc,
               territory_text="Crimea as a whole", claimed_by="Mejlis", source=article)
        figure(presidential, metric="turnout", comparator="le", value=Decimal("10"), official=False, territory=arc,
               territory_text="Crimea as a whole", population_group="Crimean Tatars", claimed_by="Mejlis", source=article)
        # No place given: on the page of the whole territory only, against its protocols.
        figure(duma, metric="turnout", comparator="approx", value=Decimal("50"), official=False, claimed_by="Observers")
        # Another territory's figure on the same election: on no page of this series.
        kherson = Place.objects.create(code="UA65000000000030969", category="O", name_uk="Херсонська",
                                       name_latin="Khersonska")
        figure(presidential, metric="turnout", value=Decimal("77.00"), official=True, territory=kherson,
               territory_text="Kherson region", claimed_by="Commission")
        figure(amendments, metric="turnout", value=Decimal("80.00"), official=True, territory=arc,
               territory_text="Republic of Crimea", claimed_by="Commission")
        figure(amendments, metric="turnout", comparator="le", value=Decimal("40"), official=False, territory=arc,
               territory_text="Crimea", claimed_by="Mejlis")
        settle_constraints()
        yield SimpleNamespace(lead=lead, duma=duma, presidential=presidential, amendments=amendments,
                              elsewhere=elsewhere, rs_2016=rs_2016, rs_2018=rs_2018)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def _estimates(vote):
    return [(f.figure.population_group, f.figure.comparator, f.value, f.reference, f.reference_kind, f.gap)
            for f in vote.estimates]


# -- the computation ----------------------------------------------------------------------------------


def test_series_lists_the_territory_votes_in_date_order_without_other_territories(world):
    where, votes = series.series("both")

    assert where.regions == (CRIMEA, SEVASTOPOL)
    assert [v.election.name for v in votes] == ["Duma 2016", "Presidential 2018", "Amendments 2020"]
    assert [v.result_set for v in votes] == [world.rs_2016, world.rs_2018, None]


def test_series_both_computes_official_figures_from_the_two_regions_only(world):
    _where, votes = series.series("both")

    o = votes[0].official
    assert (o["precincts"], o["registered"], o["ballots_issued"], o["ballots_cast"]) == (3, 4000, 2300, 2300)
    assert (round(o["turnout"], 2), o["leader"], o["leader_votes"], round(o["leader_share"], 2)) == (
        57.5, "Иванов Иван Иванович", 1500, 65.22)
    assert (o["leader_kind"], o["leader_role"]) == ("candidates", "candidate with most votes")


def test_series_by_region_gives_crimea_and_sevastopol_apart(world):
    _where, votes = series.series("both")

    crimea, sevastopol = votes[0].by_region[CRIMEA], votes[0].by_region[SEVASTOPOL]
    assert (crimea["registered"], round(crimea["turnout"], 2), round(crimea["leader_share"], 2)) == (3000, 55.0, 66.67)
    assert (sevastopol["registered"], round(sevastopol["turnout"], 2), round(sevastopol["leader_share"], 2)) == (
        1000, 65.0, 61.54)


def test_series_sets_each_estimate_against_the_protocols_of_its_own_place(world):
    _where, votes = series.series("both")

    assert _estimates(votes[1]) == [
        ("", "le", 30.0, 85.0, "protocols", -55.0),
        ("Crimean Tatars", "le", 10.0, 85.0, "protocols", -75.0),
    ]


def test_series_recorded_official_figure_is_checked_against_the_protocols(world):
    _where, votes = series.series("both")

    assert [(f.figure.territory_text, f.reference, f.gap) for f in votes[1].recorded_official] == [
        ("Republic of Crimea", 85.0, 0.0), ("Sevastopol", 65.0, 0.0)]


def test_series_vote_without_file_keeps_its_figures_and_compares_with_the_recorded_official(world):
    _where, votes = series.series("both")

    assert votes[2].official is None
    assert _estimates(votes[2]) == [("", "le", 40.0, 80.0, "recorded", -40.0)]


def test_series_figure_without_a_place_is_set_against_the_whole_territory_on_its_page_only(world):
    both = series.series("both")[1][0]
    crimea = series.series("crimea")[1][0]

    assert _estimates(both) == [("", "approx", 50.0, 57.5, "protocols", -7.5)]
    assert crimea.figures == []


def test_series_sevastopol_leaves_out_the_crimean_figures(world):
    _where, votes = series.series("sevastopol")

    assert [v.election.name for v in votes] == ["Duma 2016", "Presidential 2018"]
    assert [(round(v.official["turnout"], 2), v.official["registered"]) for v in votes] == [(65.0, 1000), (65.0, 1000)]
    assert [f.figure.territory_text for f in votes[1].figures] == ["Sevastopol"]


def test_series_crimea_alone(world):
    _where, votes = series.series("crimea")

    assert [(v.election.name, v.official and round(v.official["turnout"], 2)) for v in votes] == [
        ("Duma 2016", 55.0), ("Presidential 2018", 85.0), ("Amendments 2020", None)]
    assert [f.figure.territory_text for f in votes[1].figures] == [
        "Republic of Crimea", "Crimea as a whole", "Crimea as a whole"]


def test_series_names_the_answer_with_most_votes_for_a_referendum_file(world):
    header = ["region", "tik", "uik", "Число участников голосования, включенных в список участников голосования",
              "Число бюллетеней, выданных участникам голосования", "Число недействительных бюллетеней", "ДА", "НЕТ"]
    rs = services.import_results(actor=world.lead, election=world.amendments, name="amendments.csv",
                                 source=csv_text([[CRIMEA, "1 Первая", "1", 1000, 900, 10, 800, 90]],
                                                 header=header).encode()).result_set

    _where, votes = series.series("crimea")

    o = votes[2].official
    assert votes[2].result_set == rs
    assert (o["leader"], o["leader_kind"], o["leader_role"], round(o["turnout"], 2), round(o["leader_share"], 2)) == (
        "ДА", "answers", "answer with most votes", 90.0, 88.89)
    assert _estimates(votes[2]) == [("", "le", 40.0, 90.0, "protocols", -50.0)]


def test_series_unknown_territory_is_a_key_error():
    with pytest.raises(KeyError):
        series.series("kherson")


# -- the page -----------------------------------------------------------------------------------------


def test_series_page_shows_the_table_with_gaps(client, world):
    login(client, make_user(Role.ANALYST))

    response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("Presidential 2018") == 1
    assert body.count("<strong>57.50%</strong>") == 1
    assert body.count("-55.00 points from the official 85.00% of the protocols") == 1
    assert body.count("-75.00 points from the official 85.00% of the protocols") == 1
    assert body.count("-40.00 points from the recorded official 80.00%") == 1
    assert body.count("No precinct results imported.") == 1
    assert body.count('href="https://example.org/mejlis"') == 2
    assert str(world.rs_2016.uuid) in body  # the link to its precinct results
    assert body.count("/forensics/series/turnout.svg?territory=both") == 2


def test_series_page_in_ukrainian(client, world):
    login(client, make_user(Role.VIEWER))

    response = client.get(URL, {"territory": "sevastopol"}, HTTP_ACCEPT_LANGUAGE="uk")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<html lang="uk"') == 1
    assert body.count("Серія голосувань") >= 2
    assert body.count("Президент 2018") == 1
    assert body.count("<strong>65,00%</strong>") == 2
    assert body.count("1" + NBSP + "000") == 2  # registered, Ukrainian thousands
    assert body.count("кандидат з найбільшою кількістю голосів") == 2
    assert body.count("0,00 п. п. від офіційних 65,00% за протоколами") == 1
    assert body.count("Офіційні дані: явка = <strong>65%</strong>") == 1


def test_series_page_unknown_territory_is_a_field_error_not_a_500(client, world):
    login(client, make_user(Role.ANALYST))

    response = client.get(URL, {"territory": "kherson"})

    assert response.status_code == 400
    assert response.content.decode().count("Select a valid choice.") == 1


def test_series_page_needs_forensics_view(client, world):
    login(client, make_user("", "series_norole"))

    assert client.get(URL).status_code == 403
    assert client.get(URL + "turnout.svg").status_code == 403


def test_every_page_links_the_series_for_who_may_read_it(client, world):
    login(client, make_user(Role.VIEWER, "series_nav_viewer"))
    assert 'href="/forensics/series/"' in client.get("/incidents/").content.decode()

    login(client, make_user("", "series_nav_norole"))
    assert 'href="/forensics/series/"' not in client.get("/").content.decode()


def test_series_page_anonymous_goes_to_sign_in(client, world):
    response = client.get(URL)

    assert (response.status_code, response.url.split("?")[0]) == (302, "/accounts/login/")


def test_series_page_queries_do_not_grow_with_the_votes(client, world):
    login(client, make_user(Role.ANALYST))
    client.get(URL)  # fills the cache of computed figures

    with CaptureQueriesContext(connection) as three:
        assert client.get(URL).status_code == 200
    with transaction.atomic():
        extra = record_election(actor=world.lead, fields={"name": "Duma 2021", "date": dt.date(2021, 9, 19),
                                                          "territory": Place.objects.get(code=series.ARC_CODE)})
        services.import_results(actor=world.lead, election=extra, name="duma-2021.csv",
                                source=csv_text([synthetic_row(region=CRIMEA)]).encode())
        record_election_figure(actor=world.lead, election=extra, fields={
            "metric": "turnout", "comparator": "le", "value": Decimal("25"), "official": False,
            "territory": Place.objects.get(code=series.ARC_CODE), "claimed_by": "Mejlis",
            "source": factories.source(world.lead, title="Mejlis 2021")})
        client.get(URL)
        with CaptureQueriesContext(connection) as four:
            body = client.get(URL).content.decode()
        transaction.set_rollback(True)

    assert body.count("Duma 2021") == 1
    assert len(four.captured_queries) == len(three.captured_queries)


# -- plot, CSV, API -----------------------------------------------------------------------------------


def test_series_plot_is_an_svg_and_a_png(client, world):
    login(client, make_user(Role.VIEWER))

    svg = client.get(URL + "turnout.svg", {"territory": "crimea"})
    png = client.get(URL + "turnout.png")

    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert ElementTree.fromstring(svg.content).tag == SVG
    assert (png.status_code, png.content[:8]) == (200, b"\x89PNG\r\n\x1a\n")


def test_series_plot_unknown_format_or_territory_is_404(client, world):
    login(client, make_user(Role.VIEWER))

    assert client.get(URL + "turnout.gif").status_code == 404
    assert client.get(URL + "turnout.svg", {"territory": "kherson"}).status_code == 404


def test_series_csv_has_a_row_per_vote_and_per_figure(client, world):
    login(client, make_user(Role.ANALYST))

    response = client.get(URL, {"territory": "crimea", "format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert [(r["date"], r["row"]) for r in rows] == [
        ("2016-09-18", "protocols"), ("2018-03-18", "protocols"), ("2018-03-18", "official"),
        ("2018-03-18", "estimate"), ("2018-03-18", "estimate"), ("2020-07-01", "protocols"),
        ("2020-07-01", "official"), ("2020-07-01", "estimate")]
    assert (rows[0]["registered"], rows[0]["turnout"], rows[0]["leader_share"]) == ("3000", "55.0", "66.67")
    assert (rows[3]["comparator"], rows[3]["value"], rows[3]["compared_with"], rows[3]["gap_pp"], rows[3]["source"]) == (
        "≤", "30.0", "85.0", "-55.0", "Mejlis on the vote")
    assert (rows[5]["precincts"], rows[7]["compared_with_kind"], rows[7]["gap_pp"]) == ("", "recorded", "-40.0")


def test_series_csv_unknown_territory_is_400(client, world):
    login(client, make_user(Role.ANALYST))

    response = client.get(URL, {"territory": "kherson", "format": "csv"})

    assert response.status_code == 400


def test_series_api_gives_the_votes_and_gaps(api, world):
    response = api(make_user(Role.VIEWER)).get(API, {"territory": "crimea"})

    body = response.json()
    assert response.status_code == 200
    assert (body["territory"], body["regions"]) == ("crimea", [CRIMEA])
    assert [(v["name"], v["date"]) for v in body["votes"]] == [
        ("Duma 2016", "2016-09-18"), ("Presidential 2018", "2018-03-18"), ("Amendments 2020", "2020-07-01")]
    first = body["votes"][0]["official"]
    assert (first["file"], first["result_set"], first["registered"], round(first["turnout"], 2)) == (
        "duma-2016.csv", str(world.rs_2016.uuid), 3000, 55.0)
    assert body["votes"][2]["official"] is None
    assert [(f["official"], f["comparator"], f["value"], f["compared_with"], f["gap_pp"], f["population_group"])
            for f in body["votes"][1]["figures"]] == [
        (True, "=", 85.0, 85.0, 0.0, ""), (False, "≤", 30.0, 85.0, -55.0, ""),
        (False, "≤", 10.0, 85.0, -75.0, "Crimean Tatars")]


def test_series_api_unknown_territory_is_400_naming_it(api, world):
    response = api(make_user(Role.VIEWER)).get(API, {"territory": "kherson"})

    assert (response.status_code, list(response.json())) == (400, ["territory"])


def test_series_api_refuses_a_role_without_forensics_view(api, world):
    assert api(make_user("", "series_api_norole")).get(API).status_code == 403
    assert api().get(API).status_code == 401


def test_series_schema_documents_the_endpoint(tmp_path):
    from django.core.management import call_command
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    spec, _url = read_from_filename(str(path))
    validate(spec)

    get = spec["paths"]["/api/v1/forensics/series/"]["get"]
    assert [p["name"] for p in get["parameters"]] == ["territory"]
    assert get["parameters"][0]["schema"]["enum"] == ["both", "crimea", "sevastopol"]



def test_a_protected_name_in_a_sources_title_reads_as_the_pseudonym_without_clearance(client, api, world):
    """Sources' titles are free text (docs/identity-vault.md): the page, the CSV and the API read them as the
    reader may; the coordinator reads them as written."""
    victim = factories.person(world.lead, name="Ірина Коваленко", protected=True)
    statement = factories.source(world.lead, title="Statement of Iryna Kovalenko on the vote")
    record_election_figure(actor=world.lead, election=world.amendments, fields={
        "metric": "turnout", "comparator": "le", "value": Decimal("20"), "official": False,
        "territory": world.presidential.territory, "claimed_by": "Observers", "source": statement})
    viewer = make_user(Role.VIEWER, "series_freetext_viewer")

    login(client, viewer)
    page = client.get(URL, {"territory": "crimea"}).content.decode()
    csv_text_ = client.get(URL, {"territory": "crimea", "format": "csv"}).content.decode()
    body = json.dumps(api(viewer).get(API, {"territory": "crimea"}).json(), ensure_ascii=False)
    login(client, world.lead)
    cleared = client.get(URL, {"territory": "crimea"}).content.decode()

    for shown in (page, csv_text_, body):
        assert "Kovalenko" not in shown and victim.pseudonym in shown
    assert "Statement of Iryna Kovalenko on the vote" in cleared
