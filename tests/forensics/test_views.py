"""The forensics pages: a result set by scope, its plots, saved analyses, the validation report, the
claim tester, the import form, the links on the election page, and the standalone HTML report.

The whole 2018 file (and, to compare with, the Crimean precincts of 2016) is imported once for the
module; tests that need flagged precincts or an upload use small synthetic files.
"""

import base64
import datetime as dt
import json
import re
import uuid
import zipfile
from html import unescape
from types import SimpleNamespace
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.forensics import rendering, report, services
from svidok.forensics.data import load_precincts
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.forensics.views import PLOTS
from svidok.incidents import demo
from svidok.incidents.models import Place
from svidok.incidents.services import record_election
from tests.forensics.conftest import CRIMEA, FILE_2016, FILE_2018, csv_text, synthetic_row
from tests.helpers import login, make_user, settle_constraints

pytestmark = pytest.mark.django_db

PUTIN = "Путин Владимир Владимирович"
SVG = "{http://www.w3.org/2000/svg}svg"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NBSP = "\xa0"
ARC = "Autonomous Republic of Crimea"  # how English pages name the file's "Республика Крым"


def crimea_lines(path, name: str) -> bytes:
    """The header and the Crimean rows of a shipped results file."""
    with zipfile.ZipFile(path) as archive:
        lines = archive.read(name).decode("utf-8").splitlines(keepends=True)
    return "".join([lines[0]] + [line for line in lines[1:] if line.startswith(CRIMEA + ",")]).encode("utf-8")


@pytest.fixture(scope="module")
def results(django_db_setup, django_db_blocker):
    """The 2018 file in one election and the Crimean precincts of 2016 in another; rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        importer = make_user(Role.COORDINATOR, "forensics_pages_importer")
        election = record_election(actor=importer, fields={"name": "Presidential 2018", "date": dt.date(2018, 3, 18)})
        earlier = record_election(actor=importer, fields={"name": "Duma 2016", "date": dt.date(2016, 9, 18)})
        rs = services.import_results(actor=importer, election=election, source=FILE_2018, label="CEC 2018").result_set
        rs_2016 = services.import_results(actor=importer, election=earlier, source=crimea_lines(FILE_2016, "2016.csv"),
                                          name="2016-crimea.csv", label="CEC 2016, Crimea").result_set
        settle_constraints()
        yield SimpleNamespace(election=election, earlier=earlier, rs=rs, rs_2016=rs_2016, importer=importer)
        transaction.set_rollback(True)


def page_url(rs, suffix=""):
    return f"/forensics/results/{rs.uuid}/{suffix}"


INLINE_TAGS = r"</?(?:strong|em|a|span|code|sub|sup)\b[^>]*>"


def text_of(fragment: str) -> str:
    """The text of an HTML fragment: inline tags dropped, other tags and runs of spaces made one space.
    No-break spaces (thousands in Ukrainian) are kept."""
    text = re.sub(r"<[^>]+>", " ", re.sub(INLINE_TAGS, "", fragment))
    return re.sub(r"[ \t\r\n]+", " ", unescape(text)).strip()


def facts(body: str) -> dict[str, str]:
    """The official totals of the report block: label -> shown value."""
    block = body[body.index('<dl class="facts">', body.index("forensics-block")):]
    block = block[:block.index("</dl>")]
    return {text_of(dt_): text_of(dd) for dt_, dd in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", block)}


def options(body: str, select_id: str) -> list[str]:
    select = body[body.index(f'id="{select_id}"'):]
    select = select[:select.index("</select>")]
    return [text_of(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select)]


def selected(body: str, select_id: str) -> list[str]:
    select = body[body.index(f'id="{select_id}"'):]
    select = select[:select.index("</select>")]
    return [text_of(o) for o in re.findall(r"<option[^>]* selected>(.*?)</option>", select)]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- the result set page ------------------------------------------------------------------------------


def test_result_set_page_whole_file_shows_official_totals(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs), {"territory": "all"})

    assert response.status_code == 200
    assert facts(response.content.decode()) == {
        "Precincts": "97,699",
        "Registered voters": "109,008,428",
        "Ballots issued": "73,629,581",
        "Turnout": "67.54%",
        "Leader": f"{PUTIN}: 76.69% (56,430,712 votes)",
        "Invalid ballots": "1.08%",
        "Voting outside the station (home voting)": "6.55%",
        "Early voting": "0.30%",
    }


def test_result_set_page_crimea_shows_official_totals(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs), {"region": CRIMEA})

    assert response.status_code == 200
    assert facts(response.content.decode()) == {
        "Precincts": "1,206",
        "Registered voters": "1,508,701",
        "Ballots issued": "1,079,531",
        "Turnout": "71.55%",
        "Leader": f"{PUTIN}: 92.15% (994,569 votes)",
        "Invalid ballots": "1.06%",
        "Voting outside the station (home voting)": "5.12%",
        "Early voting": "0.00%",
    }


def test_result_set_page_in_ukrainian_formats_numbers_the_ukrainian_way(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs), {"region": CRIMEA}, HTTP_ACCEPT_LANGUAGE="uk")

    shown = facts(response.content.decode())
    assert response.content.decode().count('<html lang="uk"') == 1
    assert list(shown.values())[:4] == [f"1{NBSP}206", f"1{NBSP}508{NBSP}701", f"1{NBSP}079{NBSP}531", "71,55%"]
    assert list(shown.values())[4].startswith(f"{PUTIN}: 92,15% (994{NBSP}569 ")


def test_result_set_page_region_selector_lists_regions_with_counts(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs), {"region": CRIMEA}).content.decode()

    regions = options(body, "id_region")
    # The empty choice is the default scope (the occupied regions); they come first, in English.
    assert (len(regions), regions[:3]) == (1 + 87, ["Autonomous Republic of Crimea, Sevastopol",
                                                    "Autonomous Republic of Crimea (1,206)", "Sevastopol (182)"])
    assert selected(body, "id_region") == ["Autonomous Republic of Crimea (1,206)"]


def test_result_set_page_commission_selector_only_within_a_region(client, results, viewer):
    login(client, viewer)

    whole = client.get(page_url(results.rs)).content.decode()
    crimea = client.get(page_url(results.rs), {"region": CRIMEA}).content.decode()

    tiks = Precinct.objects.filter(result_set=results.rs, region=CRIMEA).values("tik").distinct().count()
    assert 'id="id_tik"' not in whole
    assert (tiks, len(options(crimea, "id_tik")), options(crimea, "id_tik")[0]) == (27, 28, "all")
    assert "1 Алуштинская городская (37)" in options(crimea, "id_tik")


def test_result_set_page_commission_scope_shows_its_totals(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs), {"region": CRIMEA, "tik": "1 Алуштинская городская"})

    assert response.status_code == 200
    assert facts(response.content.decode())["Precincts"] == "37"
    assert selected(response.content.decode(), "id_tik") == ["1 Алуштинская городская (37)"]


def test_result_set_page_lists_saved_analyses_of_its_scope(client, results, analyst, viewer):
    saved = services.run_and_save(actor=analyst, result_set=results.rs, region=CRIMEA, replicates=10, seed=3)
    login(client, viewer)

    crimea = client.get(page_url(results.rs), {"region": CRIMEA}).content.decode()
    whole = client.get(page_url(results.rs), {"territory": "all"}).content.decode()

    assert f'<a href="/forensics/analyses/{saved.uuid}/">' in crimea
    assert f"{ARC} · 10 replicates, seed 3 · analyst" in text_of(crimea)
    assert f"/forensics/analyses/{saved.uuid}/" not in whole
    assert "None for this scope yet." in whole


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.ANALYST])
def test_result_set_page_run_form_shown_to_analysing_roles(client, results, role):
    login(client, make_user(role, f"user_{role}"))

    body = client.get(page_url(results.rs), {"territory": "all"}).content.decode()

    assert f'action="/forensics/results/{results.rs.uuid}/analyses/new/"' in body
    assert "Run and save" in body


@pytest.mark.parametrize("role", [Role.DOCUMENTER, Role.VIEWER])
def test_result_set_page_run_form_hidden_from_other_roles(client, results, role):
    login(client, make_user(role, f"user_{role}"))

    response = client.get(page_url(results.rs), {"territory": "all"})

    assert response.status_code == 200
    assert "/analyses/new/" not in response.content.decode()


def test_result_set_page_unknown_region_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs), {"region": "Атлантида"}).status_code == 404


def test_result_set_page_unknown_commission_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs), {"region": CRIMEA, "tik": "99 Нет такой"}).status_code == 404


def test_result_set_page_unknown_result_set_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(f"/forensics/results/{uuid.uuid4()}/").status_code == 404


def test_result_set_page_anonymous_is_sent_to_sign_in(client, results):
    response = client.get(page_url(results.rs))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/forensics/results/")


def test_result_set_page_with_comparison_shows_same_precinct_change(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs), {"region": CRIMEA, "compare": str(results.rs_2016.uuid)})

    body = response.content.decode()
    sp = response.context["report"]["same_precinct"]
    assert response.status_code == 200
    assert (sp["matched"], round(sp["median_change"])) == (1205, 21)
    assert f"{sp['matched']:,} precincts matched by region and number" in text_of(body)
    assert f'/plots/change.svg?region=%D0%A0%D0%B5%D1%81%D0%BF%D1%83%D0%B1%D0%BB%D0%B8%D0%BA%D0%B0+%D0%9A%D1%80%D1%8B%D0%BC&amp;compare={results.rs_2016.uuid}"' in body


def test_result_set_page_unknown_comparison_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs), {"compare": str(uuid.uuid4())}).status_code == 404
    assert client.get(page_url(results.rs), {"compare": str(results.rs.uuid)}).status_code == 404
    assert client.get(page_url(results.rs), {"compare": "not-a-uuid"}).status_code == 404


def test_result_set_page_without_analysable_precincts_says_so(client, coordinator, viewer):
    election = record_election(actor=coordinator, fields={"name": "Synthetic", "date": dt.date(2020, 1, 1)})
    source = csv_text([synthetic_row(uik="1", registered=""), synthetic_row(uik="2", valid="")]).encode("utf-8")
    rs = services.import_results(actor=coordinator, election=election, source=source, name="empty.csv").result_set
    login(client, viewer)

    response = client.get(page_url(rs))

    body = response.content.decode()
    assert response.status_code == 200
    assert "No precinct here has every number the analyses need." in body
    assert "<img" not in body
    assert client.get(page_url(rs, "precincts/")).context["flag_counts"] == {"missing": 2}


def test_result_set_page_links_every_plot_of_its_scope(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs), {"region": CRIMEA}).content.decode()

    # The plots come after the numbers: a placeholder asks for each (htmx) and links the image (no JS).
    fragments = re.findall(r'hx-get="([^"]+)" hx-trigger="load"', body)
    links = re.findall(r'<a href="([^"]+)">Open the plot</a>', body)
    query = "?region=%D0%A0%D0%B5%D1%81%D0%BF%D1%83%D0%B1%D0%BB%D0%B8%D0%BA%D0%B0+%D0%9A%D1%80%D1%8B%D0%BC"
    names = [name for name in PLOTS if name != "change"]
    assert "<img" not in body
    assert fragments == [f"/forensics/results/{results.rs.uuid}/plots/{name}/figure/{query}" for name in names]
    assert links == [f"/forensics/results/{results.rs.uuid}/plots/{name}.svg{query}" for name in names]


# -- plots --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLOTS)
def test_plot_svg_is_an_svg_document(client, results, viewer, name):
    login(client, viewer)

    response = client.get(page_url(results.rs, f"plots/{name}.svg"), {"compare": str(results.rs_2016.uuid)})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert ElementTree.fromstring(response.content).tag == SVG


@pytest.mark.parametrize("name", PLOTS)
def test_plot_png_is_a_png_image(client, results, viewer, name):
    login(client, viewer)

    response = client.get(page_url(results.rs, f"plots/{name}.png"), {"region": CRIMEA, "compare": str(results.rs_2016.uuid)})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == PNG_MAGIC


def test_plot_change_without_comparison_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs, "plots/change.svg")).status_code == 404


@pytest.mark.parametrize("path", ["plots/nonsense.svg", "plots/turnout.pdf", "plots/turnout.svg.png", "plots/klimek.svg"])
def test_plot_unknown_name_or_format_is_404(client, results, viewer, path):
    login(client, viewer)

    assert client.get(page_url(results.rs, path)).status_code == 404


def test_plot_unknown_region_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs, "plots/turnout.svg"), {"region": "Атлантида"}).status_code == 404


def test_plot_second_request_is_served_from_the_cache(client, results, viewer):
    cache.clear()
    login(client, viewer)
    url = page_url(results.rs, "plots/fingerprint.svg")

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(url, {"region": CRIMEA})
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url, {"region": CRIMEA})

    # Loading a region's precincts counts the ones left out (flags LIKE %missing%); a cached plot loads nothing.
    def loads(ctx):
        return [q["sql"] for q in ctx.captured_queries if "flags" in q["sql"]]

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert (len(loads(first_queries)), len(loads(second_queries))) == (1, 0)


def test_plot_download_names_the_file(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs, "plots/turnout.png"), {"region": CRIMEA, "download": "1"})

    assert response["Content-Disposition"] == 'attachment; filename="turnout.png"'


def test_plot_anonymous_is_sent_to_sign_in(client, results):
    assert client.get(page_url(results.rs, "plots/turnout.svg")).status_code == 302


# -- running and reading saved analyses ---------------------------------------------------------------


def run(client, rs, **fields):
    data = {"region": CRIMEA, "tik": "", "replicates": "50", "seed": "0", "compare": ""} | fields
    return client.post(page_url(rs, "analyses/new/"), data)


def test_analysis_run_saves_and_redirects_to_the_analysis(client, results, analyst):
    login(client, analyst)

    response = run(client, results.rs)

    analysis = Analysis.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/forensics/analyses/{analysis.uuid}/")
    assert (analysis.result_set, analysis.region, analysis.tik, analysis.created_by) == (results.rs, CRIMEA, "", analyst)
    assert (analysis.params["replicates"], analysis.params["seed"], analysis.params["klimek"]) == (50, 0, False)
    assert analysis.result["summary"]["registered"] == 1_508_701
    assert analysis.result["integer_test"]["replicates"] == 50


def test_analysis_run_is_audited(client, results, analyst):
    login(client, analyst)

    run(client, results.rs)

    analysis = Analysis.objects.get()
    entries = AuditEntry.objects.filter(object_type="forensics.analysis", object_id=str(analysis.uuid))
    assert [(e.action, e.actor, e.changes["region"], e.changes["params"]["replicates"]) for e in entries] == [
        ("create", analyst, CRIMEA, 50)]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DOCUMENTER])
def test_analysis_run_refused_to_viewer_and_documenter(client, results, role):
    login(client, make_user(role, f"user_{role}"))

    response = run(client, results.rs)

    assert response.status_code == 403
    assert Analysis.objects.count() == 0


def test_analysis_run_get_is_not_allowed(client, results, analyst):
    login(client, analyst)

    assert client.get(page_url(results.rs, "analyses/new/")).status_code == 405


@pytest.mark.parametrize(("fields", "message"), [
    ({"replicates": "0"}, "replicates: Ensure this value is greater than or equal to 10."),
    ({"replicates": "many"}, "replicates: Enter a whole number."),
    ({"seed": "-1"}, "seed: Ensure this value is greater than or equal to 0."),
    ({"compare": str(uuid.UUID(int=7))}, "compare: Select a valid choice. That choice is not one of the available choices."),
])
def test_analysis_run_bad_input_saves_nothing_and_says_why(client, results, analyst, fields, message):
    login(client, analyst)

    response = run(client, results.rs, **fields)
    page = client.get(response["Location"])

    assert Analysis.objects.count() == 0
    assert response.status_code == 302
    assert response["Location"] == page_url(results.rs) + "?region=%D0%A0%D0%B5%D1%81%D0%BF%D1%83%D0%B1%D0%BB%D0%B8%D0%BA%D0%B0+%D0%9A%D1%80%D1%8B%D0%BC"
    assert messages_of(page) == [f"The analysis was not run: {message}"]


def test_analysis_run_unknown_region_saves_nothing(client, results, analyst):
    login(client, analyst)

    response = run(client, results.rs, region="Атлантида")
    page = client.get(page_url(results.rs))

    assert Analysis.objects.count() == 0
    assert response.status_code == 302
    assert messages_of(page) == ["The analysis was not run: No precincts in region 'Атлантида' in this result set."]


def test_analysis_page_renders_the_report_block(client, results, analyst, viewer):
    analysis = services.run_and_save(actor=analyst, result_set=results.rs, region=CRIMEA, replicates=50, seed=0)
    login(client, viewer)

    response = client.get(f"/forensics/analyses/{analysis.uuid}/")

    body = response.content.decode()
    observed = analysis.result["integer_test"]["observed"]
    assert response.status_code == 200
    assert facts(body)["Turnout"] == "71.55%"
    assert "Integer-percentage test" in body
    assert "Shpilkin's estimate of anomalous votes" in body
    assert f"Analysis · {ARC}" in text_of(body)
    assert "50 replicates, seed 0, format version 1" in text_of(body)
    assert (observed["either"], observed["result"], observed["turnout"]) == (236, 121, 128)
    assert '<td data-label="Observed" class="num">236</td>' in body
    assert "Klimek et al. fraud model" not in body


def test_analysis_json_download_is_the_stored_result(client, results, analyst, viewer):
    analysis = services.run_and_save(actor=analyst, result_set=results.rs, region=CRIMEA, replicates=50, seed=0)
    login(client, viewer)

    response = client.get(f"/forensics/analyses/{analysis.uuid}/", {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="analysis-{analysis.uuid}.json"'
    assert json.loads(response.content) == Analysis.objects.get(pk=analysis.pk).result
    assert sorted(json.loads(response.content)) == ["electronic_voting", "integer_test", "params", "shpilkin", "source",
                                                   "summary", "validation", "version"]


def test_analysis_run_with_klimek_shows_the_fit_and_its_plot(client, results, analyst):
    login(client, analyst)

    run(client, results.rs, klimek="on")
    analysis = Analysis.objects.get()
    page = client.get(f"/forensics/analyses/{analysis.uuid}/")
    plot = client.get(f"/forensics/analyses/{analysis.uuid}/klimek.svg")
    png = client.get(f"/forensics/analyses/{analysis.uuid}/klimek.png")

    body = page.content.decode()
    assert {"alpha", "f_e", "f_i"} <= set(analysis.result["klimek"]["params"])
    assert "Klimek et al. fraud model" in body
    assert f'<img src="/forensics/analyses/{analysis.uuid}/klimek.svg"' in body
    assert (plot.status_code, plot["Content-Type"]) == (200, "image/svg+xml")
    assert ElementTree.fromstring(plot.content).tag == SVG
    assert png.content[:8] == PNG_MAGIC


def test_analysis_without_fit_has_no_klimek_plot(client, results, analyst):
    analysis = services.run_and_save(actor=analyst, result_set=results.rs, region=CRIMEA, replicates=10)
    login(client, analyst)

    assert client.get(f"/forensics/analyses/{analysis.uuid}/klimek.svg").status_code == 404
    assert client.get(f"/forensics/analyses/{analysis.uuid}/klimek.gif").status_code == 404


def test_analysis_unknown_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(f"/forensics/analyses/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/forensics/analyses/{uuid.uuid4()}/klimek.svg").status_code == 404


# -- the validation report ----------------------------------------------------------------------------


@pytest.fixture
def flagged(coordinator):
    """A synthetic file of four precincts: line 3 issues more ballots than voters, line 4's votes do not
    add up to the valid ballots; lines 2 and 5 are clean."""
    election = record_election(actor=coordinator, fields={"name": "Synthetic", "date": dt.date(2020, 1, 1)})
    rows = [synthetic_row(uik="1"), synthetic_row(uik="2", registered=600), synthetic_row(uik="3", ivanov=401),
            synthetic_row(uik="4")]
    source = csv_text(rows).encode("utf-8")
    return services.import_results(actor=coordinator, election=election, source=source, name="flagged.csv").result_set


def precinct_rows(body: str) -> list[tuple[str, str]]:
    """(line, flags) of each row of the validation table."""
    rows = re.findall(r'<td data-label="Line" class="num">(\d+)</td>.*?<td data-label="Flags">(.*?)</td>', body, re.S)
    return [(line, text_of(flags)) for line, flags in rows]


def test_validation_report_shows_flagged_precincts_only(client, flagged, viewer):
    login(client, viewer)

    response = client.get(page_url(flagged, "precincts/"))

    assert response.status_code == 200
    assert precinct_rows(response.content.decode()) == [
        ("3", "more ballots issued than voters registered"),
        ("4", "candidate votes do not add up to the valid ballots"),
    ]


def test_validation_report_filters_by_flag(client, flagged, viewer):
    login(client, viewer)

    response = client.get(page_url(flagged, "precincts/"), {"flag": "votes_not_valid"})

    assert precinct_rows(response.content.decode()) == [("4", "candidate votes do not add up to the valid ballots")]


def test_validation_report_all_shows_every_precinct(client, flagged, viewer):
    login(client, viewer)

    response = client.get(page_url(flagged, "precincts/"), {"all": "1"})

    body = response.content.decode()
    assert [line for line, _flags in precinct_rows(body)] == ["2", "3", "4", "5"]
    assert precinct_rows(body)[0] == ("2", "—")
    assert '<td data-label="Turnout" class="num">65.00%</td>' in body


def test_validation_report_counts_each_flag_with_a_link(client, flagged, viewer):
    login(client, viewer)

    body = client.get(page_url(flagged, "precincts/")).content.decode()

    assert '<a href="?flag=issued_above_registered">more ballots issued than voters registered</a>: 1' in body
    assert '<a href="?flag=votes_not_valid">candidate votes do not add up to the valid ballots</a>: 1' in body


def test_validation_report_unknown_flag_is_404(client, flagged, viewer):
    login(client, viewer)

    assert client.get(page_url(flagged, "precincts/"), {"flag": "suspicious"}).status_code == 404


def test_validation_report_clean_file_says_so(client, results, viewer):
    login(client, viewer)

    response = client.get(page_url(results.rs, "precincts/"), {"region": CRIMEA})

    body = response.content.decode()
    assert response.status_code == 200
    assert "No precinct in this region or commission was flagged." in body
    assert "No precincts to show." in body


def test_validation_report_of_a_scope_counts_and_links_within_it(client, coordinator, viewer):
    election = record_election(actor=coordinator, fields={"name": "Synthetic", "date": dt.date(2020, 1, 1)})
    rows = [synthetic_row(uik="1", registered=600), synthetic_row(region="Область Б", uik="1"),
            synthetic_row(region="Область Б", tik="2 Вторая", uik="2", registered=600)]
    rs = services.import_results(actor=coordinator, election=election, source=csv_text(rows).encode("utf-8"),
                                 name="two-regions.csv").result_set
    login(client, viewer)

    whole = client.get(page_url(rs, "precincts/")).content.decode()
    commission = client.get(page_url(rs, "precincts/"), {"region": "Область Б", "tik": "2 Вторая"}).content.decode()
    clean = client.get(page_url(rs, "precincts/"), {"region": "Область Б", "tik": "1 Первая"}).content.decode()

    scoped = "region=%D0%9E%D0%B1%D0%BB%D0%B0%D1%81%D1%82%D1%8C+%D0%91&tik=2+%D0%92%D1%82%D0%BE%D1%80%D0%B0%D1%8F"
    links = [unescape(href) for href in re.findall(r'<a href="([^"]*)">', commission) if "flag=" in href or "all=" in href]
    assert "more ballots issued than voters registered</a>: 2" in whole
    assert "more ballots issued than voters registered</a>: 1" in commission
    assert links == [f"?{scoped}&flag=issued_above_registered", f"?{scoped}&all=1"]
    assert [line for line, _flags in precinct_rows(commission)] == ["4"]
    assert "No precinct in this region or commission was flagged." in clean


# -- the claim tester ---------------------------------------------------------------------------------


def claim(client, rs, headers=None, **params):
    return client.get(page_url(rs, "claim/"), params, headers=headers)


def claim_text(response) -> str:
    body = response.content.decode()
    return text_of(body[body.index('<section class="card">'):])


def test_claim_page_without_a_claim_shows_the_form_only(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs)

    body = response.content.decode()
    assert response.status_code == 200
    assert '<input type="number" name="value"' in body
    assert 'class="errors"' not in body
    assert "Official protocols" not in body


def test_claim_page_opened_with_a_region_fills_it_in_without_errors(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, region=CRIMEA)

    body = response.content.decode()
    assert 'class="errors"' not in body
    assert "This field is required." not in body
    assert selected(body, "id_region") == [ARC]
    assert "Official protocols" not in body


def test_claim_crimea_turnout_30_implies_fictitious_ballots(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="30", region=CRIMEA)

    text = claim_text(response)
    assert response.status_code == 200
    assert ("1,206 precincts, 1,508,701 registered voters, 1,079,531 ballots issued: turnout 71.55%; "
            f"{PUTIN} 92.15%; invalid ballots 1.06%.") in text
    assert ("If real turnout was 30%, at most 452,610 ballots were cast by voters, and at least 626,921 of the "
            "issued ballots — 58.07% — would be fictitious.") in text
    assert "With the same real turnout in every precinct: 627,753 fictitious ballots." in text
    assert "They cannot detect padding spread evenly across a whole region" in text


def test_claim_crimea_turnout_30_in_ukrainian_formats_numbers(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="30", region=CRIMEA,
                     headers={"accept-language": "uk"})

    text = claim_text(response)
    assert f"626{NBSP}921" in text
    assert "58,07%" in text
    assert "58.07" not in text


def test_claim_group_without_share_cannot_be_read_from_the_protocols(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="10", region=CRIMEA, group="Crimean Tatars")

    text = claim_text(response)
    assert ("The protocols do not record who voted, so a turnout among Crimean Tatars cannot be read from them. "
            "Give the group's share of registered voters") in text
    assert "fictitious" not in text.split("The methods can detect")[0].split("cannot be read")[1].split("Give")[0]


def test_claim_group_with_share_shows_the_turnout_the_others_need(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="10", region=CRIMEA,
                     group="Crimean Tatars", group_share="12")

    # 12% of 1,508,701 = 181,044.12 voters, at most 18,104.41 ballots; the other 1,327,656.88 voters
    # then cast (1,079,531 - 18,104.41) / 1,327,656.88 = 79.95%.
    text = claim_text(response)
    assert ("Crimean Tatars: 181,044 registered voters, at most 18,104 ballots. For the official total to be honest, "
            "everybody else must have voted at 79.95%.") in text
    # The official 71.55% does not satisfy "10% of the group": only the others' turnout makes the total possible.
    assert "The official figure itself satisfies this claim" not in text
    assert "That is impossible" not in text


def test_claim_group_with_large_share_is_impossible_without_fictitious_ballots(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="10", region=CRIMEA,
                     group="Crimean Tatars", group_share="40")

    # 40% of 1,508,701 = 603,480.4 voters cast at most 60,348.04 ballots; the other 905,220.6 would need
    # (1,079,531 - 60,348.04) / 905,220.6 = 112.59%, i.e. 1,019,182.96 - 905,220.6 = 113,962 ballots too many.
    text = claim_text(response)
    assert ("Crimean Tatars: 603,480 registered voters, at most 60,348 ballots. For the official total to be honest, "
            "everybody else must have voted at 112.59%. That is impossible: at least 113,962 ballots would be "
            "fictitious.") in text


def test_claim_consistent_with_the_official_figure_says_so(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="80", region=CRIMEA)

    assert "The official figure itself satisfies this claim: it implies no fictitious ballots." in claim_text(response)


@pytest.mark.parametrize(("params", "error"), [
    ({"value": "150"}, "Ensure this value is less than or equal to 100."),
    ({"value": "-5"}, "Ensure this value is greater than or equal to 0."),
    ({"value": "thirty"}, "Enter a number."),
    ({"value": "30", "metric": "happiness"}, "Select a valid choice. happiness is not one of the available choices."),
    ({"value": "30", "region": "Атлантида"}, "Select a valid choice. Атлантида is not one of the available choices."),
])
def test_claim_invalid_input_is_a_form_error(client, results, viewer, params, error):
    login(client, viewer)

    response = claim(client, results.rs, **({"metric": "turnout", "comparator": "le", "region": CRIMEA} | params))

    body = response.content.decode()
    assert response.status_code == 200
    assert error in unescape(body)
    assert "Official protocols" not in body


def test_claim_csv_lists_every_precinct(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="30", region=CRIMEA, format="csv")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == "region,tik,uik,registered,ballots_issued,turnout,fictitious,share"
    assert len(lines) == 1 + 1206
    assert sum(int(line.rsplit(",", 2)[1]) for line in lines[1:]) == 627_753


def test_claim_with_earlier_election_shows_same_precinct_evidence(client, results, viewer):
    login(client, viewer)

    response = claim(client, results.rs, metric="turnout", comparator="le", value="30", region=CRIMEA,
                     compare=str(results.rs_2016.uuid))

    assert re.search(r"At the 1,205 precincts also in the other vote, turnout changed by a median of 2\d\.\d points from that vote to this one",
                     claim_text(response))


# -- the election page --------------------------------------------------------------------------------


def test_election_page_links_precinct_results_for_analyst_without_import(client, results, analyst):
    login(client, analyst)

    body = client.get(f"/incidents/elections/{results.election.uuid}/").content.decode()

    assert "<h2>Precinct results</h2>" in body
    assert f'<a href="/forensics/results/{results.rs.uuid}/">CEC 2018</a> · 97,699 precincts' in body
    assert "/import/" not in body


def test_election_page_offers_import_to_coordinator(client, results, coordinator):
    login(client, coordinator)

    body = client.get(f"/incidents/elections/{results.election.uuid}/").content.decode()

    assert f'<a class="button" href="/forensics/elections/{results.election.uuid}/import/">Import precinct results</a>' in body


def test_election_page_without_results_has_no_section_for_analyst(client, analyst, coordinator):
    election = record_election(actor=coordinator, fields={"name": "Local 2019", "date": dt.date(2019, 9, 8)})
    login(client, analyst)

    body = client.get(f"/incidents/elections/{election.uuid}/").content.decode()

    assert "Precinct results" not in body


def test_election_page_without_results_tells_coordinator(client, coordinator):
    election = record_election(actor=coordinator, fields={"name": "Local 2019", "date": dt.date(2019, 9, 8)})
    login(client, coordinator)

    body = client.get(f"/incidents/elections/{election.uuid}/").content.decode()

    assert "No official precinct results imported." in body
    assert f'href="/forensics/elections/{election.uuid}/import/"' in body


def test_election_page_title_is_the_election_name_only(client, results, coordinator):
    login(client, coordinator)

    body = client.get(f"/incidents/elections/{results.election.uuid}/").content.decode()

    assert re.search(r"<title>(.*?)</title>", body, re.S).group(1) == "Presidential 2018 · Svidok"
    assert body.index("<h2>Change history</h2>") > body.index("<h2>Incidents</h2>")


@pytest.fixture
def demo_election_with_results(coordinator, crimea_2018_csv_bytes):
    Place.objects.create(code=demo.ARC_CODE, category="O", name_uk="Автономна Республіка Крим",
                         name_latin="Avtonomna Respublika Krym")
    demo.load_demo()
    election = demo.Election.objects.get(name=demo.ELECTION_NAME)
    rs = services.import_results(actor=coordinator, election=election, source=crimea_2018_csv_bytes,
                                 name="2018-crimea.csv").result_set
    return election, rs


def test_election_page_mejlis_estimate_opens_the_claim_tester_filled_in(client, analyst, demo_election_with_results):
    election, rs = demo_election_with_results
    login(client, analyst)

    body = client.get(f"/incidents/elections/{election.uuid}/").content.decode()
    links = [unescape(href) for href in re.findall(r'<a href="([^"]+)">test against the protocols</a>', body)]
    tester = client.get(links[0])

    assert len(links) == 2  # the Mejlis' 30% and 10% among Crimean Tatars; official figures have none
    assert links[0] == (f"/forensics/results/{rs.uuid}/claim/?metric=turnout&comparator=le&value=30.00&region="
                        "%D0%A0%D0%B5%D1%81%D0%BF%D1%83%D0%B1%D0%BB%D0%B8%D0%BA%D0%B0+%D0%9A%D1%80%D1%8B%D0%BC")
    assert tester.status_code == 200
    assert selected(tester.content.decode(), "id_region") == [ARC]
    assert 'value="30.00"' in tester.content.decode()
    assert "at least 626,921 of the issued ballots — 58.07% — would be fictitious" in claim_text(tester)


# -- importing through the page -----------------------------------------------------------------------


def upload(content: bytes, name="results.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "label": "Synthetic upload",
            "leader": "", "encoding": "", "mapping": ""}


def import_url(election):
    return f"/forensics/elections/{election.uuid}/import/"


@pytest.fixture
def election(coordinator):
    return record_election(actor=coordinator, fields={"name": "Synthetic election", "date": dt.date(2020, 1, 1)})


def test_import_page_shows_the_form_to_coordinator(client, coordinator, election):
    login(client, coordinator)

    response = client.get(import_url(election))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert '<input type="file" name="file"' in response.content.decode()


def test_import_upload_creates_result_set_and_redirects(client, coordinator, election):
    login(client, coordinator)
    content = csv_text([synthetic_row(uik="1"), synthetic_row(uik="2", registered=600)]).encode("utf-8")

    response = client.post(import_url(election), upload(content))

    rs = ResultSet.objects.get(election=election)
    page = client.get(response["Location"])
    assert (response.status_code, response["Location"]) == (302, f"/forensics/results/{rs.uuid}/")
    assert (rs.election, rs.label, rs.source_name, rs.precinct_count, rs.leader) == (
        election, "Synthetic upload", "results.csv", 2, "Иванов Иван Иванович")
    assert messages_of(page) == ["Imported 2 precincts (1 flagged for review).",
                                 "The file carries no totals of its own to check against."]
    assert facts(page.content.decode())["Precincts"] == "2"  # the flagged precinct is kept in the figures


def test_import_upload_is_audited_with_the_file_hash(client, coordinator, election):
    import hashlib

    login(client, coordinator)
    content = csv_text([synthetic_row(uik="1")]).encode("utf-8")

    client.post(import_url(election), upload(content))

    rs = ResultSet.objects.get(election=election)
    entries = AuditEntry.objects.filter(object_type="forensics.resultset", object_id=str(rs.uuid))
    assert [(e.action, e.actor, e.changes["sha256"], e.changes["precincts"]) for e in entries] == [
        ("import", coordinator, hashlib.sha256(content).hexdigest(), 1)]


def test_import_broken_file_is_400_with_the_line_and_writes_nothing(client, coordinator, election):
    login(client, coordinator)
    rows = [synthetic_row(uik="1"), synthetic_row(uik="2")[:-1], synthetic_row(uik="3")]
    content = csv_text(rows).encode("utf-8")
    audit_before = AuditEntry.objects.count()

    response = client.post(import_url(election), upload(content))

    assert response.status_code == 400
    assert "line 3: 12 cells, but the header has 13 columns" in unescape(response.content.decode())
    assert (ResultSet.objects.filter(election=election).count(), Precinct.objects.filter(result_set__election=election).count(),
            AuditEntry.objects.count()) == (0, 0, audit_before)


def test_import_zip_upload_is_read(client, coordinator, election):
    import io

    login(client, coordinator)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("results.csv", csv_text([synthetic_row(uik="1"), synthetic_row(uik="2")]))

    response = client.post(import_url(election), upload(archive.getvalue(), name="results.zip"))

    rs = ResultSet.objects.get(election=election)
    assert response.status_code == 302
    assert (rs.source_name, rs.precinct_count) == ("results.zip", 2)


def test_import_windows_1251_needs_its_encoding_chosen(client, coordinator, election):
    login(client, coordinator)
    content = csv_text([synthetic_row(uik="1")]).encode("cp1251")

    refused = client.post(import_url(election), upload(content))
    accepted = client.post(import_url(election), upload(content) | {"encoding": "cp1251"})

    assert refused.status_code == 400
    assert "results.csv is not UTF-8" in refused.content.decode()
    assert accepted.status_code == 302
    assert ResultSet.objects.get(election=election).candidates == ["Иванов Иван Иванович", "Петров Пётр Петрович"]


def test_import_same_file_twice_is_refused(client, coordinator, election):
    login(client, coordinator)
    content = csv_text([synthetic_row(uik="1")]).encode("utf-8")
    client.post(import_url(election), upload(content))

    response = client.post(import_url(election), upload(content, name="again.csv"))

    assert response.status_code == 400
    assert "was already imported into this election" in unescape(response.content.decode())
    assert ResultSet.objects.filter(election=election).count() == 1


def test_import_without_file_is_400(client, coordinator, election):
    login(client, coordinator)

    response = client.post(import_url(election), {"label": "x"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert ResultSet.objects.filter(election=election).count() == 0


def test_import_bad_mapping_json_is_400(client, coordinator, election):
    login(client, coordinator)
    data = upload(csv_text([synthetic_row()]).encode("utf-8")) | {"mapping": "{registered:"}

    response = client.post(import_url(election), data)

    assert response.status_code == 400
    assert "Not valid JSON: Expecting property name enclosed in double quotes at line 1." in response.content.decode()
    assert ResultSet.objects.filter(election=election).count() == 0


@pytest.mark.parametrize("role", [Role.DOCUMENTER, Role.ANALYST, Role.VIEWER])
def test_import_refused_to_other_roles(client, election, role):
    login(client, make_user(role, f"user_{role}"))
    content = csv_text([synthetic_row(uik="1")]).encode("utf-8")

    assert client.get(import_url(election)).status_code == 403
    assert client.post(import_url(election), upload(content)).status_code == 403
    assert ResultSet.objects.filter(election=election).count() == 0


def test_import_unknown_election_is_404(client, coordinator):
    login(client, coordinator)

    assert client.get(f"/forensics/elections/{uuid.uuid4()}/import/").status_code == 404


# -- the standalone report ----------------------------------------------------------------------------


def test_standalone_html_embeds_every_plot_and_links_nothing_outside(results):
    p = load_precincts(results.rs, region=CRIMEA)
    earlier = load_precincts(results.rs_2016, region=CRIMEA)
    result = report.analyze(results.rs, region=CRIMEA, replicates=10, compare=results.rs_2016)

    html = rendering.standalone_html(result, p, compare=earlier)

    uris = re.findall(r'<img src="(data:[^"]+)"', html)
    assert html.startswith("<!doctype html>")
    assert html.rstrip().endswith("</html>")
    assert len(uris) == len(PLOTS) == 6
    assert all(uri.startswith("data:image/svg+xml;base64,") for uri in uris)
    assert [ElementTree.fromstring(base64.b64decode(uri.split(",", 1)[1])).tag for uri in uris] == [SVG] * 6
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html) == []
    assert "facts" in html and "71.55%" in html


def test_standalone_html_says_when_it_was_made_in_utc(results):
    """The time is given as UTC, so it must be UTC, not the installation's local time (Kyiv)."""
    result = report.analyze(results.rs, region=CRIMEA, replicates=10)
    before = timezone.now()
    html = rendering.standalone_html(result, load_precincts(results.rs, region=CRIMEA))
    after = timezone.now()

    said = re.search(r"Generated by Svidok (\d{4}-\d\d-\d\d \d\d:\d\d) UTC\.", html).group(1)
    assert said in {f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M}" for moment in (before, after)}


def test_standalone_html_without_comparison_leaves_the_change_plot_out(results):
    p = load_precincts(results.rs, region=CRIMEA)
    result = report.analyze(results.rs, region=CRIMEA, replicates=10)

    html = rendering.standalone_html(result, p)

    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == 5
    assert "Same precincts in the other vote" not in html


# -- the territory a page opens on, region names, plots after the numbers (issue 13, item 7) ---------


def test_result_set_page_without_scope_opens_on_the_occupied_regions(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs)).content.decode()

    shown = facts(body)
    assert (shown["Precincts"], shown["Registered voters"], shown["Turnout"]) == ("1,388", "1,847,711", "71.53%")
    assert ("Showing the occupied Ukrainian regions of this file: Autonomous Republic of Crimea, Sevastopol."
            in text_of(body))
    assert (f'<a class="button" href="/forensics/results/{results.rs.uuid}/?territory=all">'
            "Show the whole file (97,699 precincts)</a>") in body
    assert re.search(r"<h1>(.*?)</h1>", body, re.S).group(1) == (
        "Precinct results · Autonomous Republic of Crimea, Sevastopol")


def test_result_set_page_whole_file_on_request_has_no_territory_note(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs), {"territory": "all"}).content.decode()

    assert facts(body)["Precincts"] == "97,699"
    assert "Showing the occupied" not in body
    assert f'<a href="/forensics/results/{results.rs.uuid}/">Only Autonomous Republic of Crimea, Sevastopol</a>' in body


def test_result_set_page_unknown_territory_or_place_is_404(client, results, viewer):
    login(client, viewer)

    assert client.get(page_url(results.rs), {"territory": "moon"}).status_code == 404
    assert client.get(page_url(results.rs), {"place": "UA99000000000000000"}).status_code == 404


def test_result_set_page_names_regions_in_ukrainian(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs), HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert re.search(r"<h1>(.*?)</h1>", body, re.S).group(1) == "Результати за дільницями · Автономна Республіка Крим, Севастополь"
    assert options(body, "id_region")[1:3] == ["Автономна Республіка Крим (1\xa0206)", "Севастополь (182)"]


def test_election_page_links_results_on_the_election_territory(client, coordinator, demo_election_with_results):
    election, rs = demo_election_with_results
    login(client, coordinator)

    body = client.get(f"/incidents/elections/{election.uuid}/").content.decode()
    link = re.search(rf'<a href="(/forensics/results/{rs.uuid}/(?:\?[^"]*)?)">', body).group(1)
    page = client.get(unescape(link)).content.decode()

    assert unescape(link) == f"/forensics/results/{rs.uuid}/?place={demo.ARC_CODE}"
    assert facts(page)["Precincts"] == "1,388"
    assert ("Showing the territory of the page you came from: Autonomous Republic of Crimea, Sevastopol."
            in text_of(page))


def test_plot_figure_draws_the_plot_and_points_at_its_image(client, results, viewer):
    login(client, viewer)

    fragment = client.get(page_url(results.rs, "plots/turnout/figure/"), {"region": CRIMEA})
    src = re.search(r'<img src="([^"]+)" alt="Histogram of precinct turnout">', fragment.content.decode()).group(1)
    image = client.get(unescape(src))

    assert fragment.status_code == 200
    assert unescape(src) == page_url(results.rs, "plots/turnout.svg") + "?" + urlencode({"region": CRIMEA})
    assert (image.status_code, image["Content-Type"]) == (200, "image/svg+xml")
    assert ElementTree.fromstring(image.content).tag == SVG


def test_plot_svg_titles_the_region_in_the_reader_language(client, results, viewer):
    login(client, viewer)

    english = client.get(page_url(results.rs, "plots/turnout.svg"), {"region": CRIMEA}).content.decode()
    ukrainian = client.get(page_url(results.rs, "plots/turnout.svg"), {"region": CRIMEA},
                           HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert "Autonomous Republic of Crimea" in english and CRIMEA not in english
    assert "Автономна Республіка Крим" in ukrainian and CRIMEA not in ukrainian


def test_validation_report_names_regions_in_the_reader_language(client, results, viewer):
    login(client, viewer)

    body = client.get(page_url(results.rs, "precincts/"), {"region": CRIMEA, "all": "1"}).content.decode()

    cells = set(re.findall(r'<td data-label="Region">(.*?)</td>', body))
    assert cells == {"Autonomous Republic of Crimea"}
