"""The periodic report's content (issue 14, item 3): its figures match the incidents built here, a
report for publication holds only verified public incidents and no protected name, and an empty
period or an election without results is said, not failed on."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from svidok.incidents.models import Place
from svidok.incidents.services import add_involvement, link_source, submit_incident, verify_incident
from svidok.people.consent import Purpose
from svidok.reports import periodic, periodic_writers
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
TYPED = "Iryna Kovalenko"


@dataclass
class World:
    places: dict
    election: object
    public: object  # verified, public, with a protected victim named in its text
    internal: object  # verified, internal
    submitted: object  # reported, not verified
    draft: object
    unplaced: object  # verified, public, no place
    victim: object


def _verified(coordinator, incident):
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident, reason="two sources")


@pytest.fixture
def world(coordinator, places, election):
    village = Place.objects.create(code="UA01020010020012345", category="C", name_uk="Тестове", name_latin="Testove",
                                   parent=places["hromada"], region=places["crimea"], raion=places["raion"])
    places["town"].latitude, places["town"].longitude = 44.75, 33.86
    places["town"].save()
    victim = factories.person(coordinator, name=NAME, protected=True)
    public = factories.incident(coordinator, title=f"{TYPED} dismissed from school No. 5", type_code="dismissal",
                                narrative=f"The director told {TYPED} to vote or leave.", place=places["town"],
                                election=election, date=dt.date(2018, 3, 1), sensitivity="public")
    add_involvement(actor=coordinator, incident=public, role=factories.term("involvement_role", "victim"), person=victim,
                    details=f"{TYPED} taught history")
    link_source(actor=coordinator, incident=public, new_source={
        "title": "Teachers pushed to vote", "kind": factories.term("source_type", "article"),
        "publisher": "Crimean Human Rights Group", "url": "https://example.org/teachers", "published_on": dt.date(2018, 3, 5)})
    public = _verified(coordinator, public)
    internal = _verified(coordinator, factories.incident(
        coordinator, title="Search of a mosque", type_code="search", place=village, election=election,
        date=dt.date(2018, 3, 10), sensitivity="internal"))
    submitted = factories.incident(coordinator, title="Threat to a doctor", type_code="threat_of_dismissal",
                                   place=places["town"], election=election, date=dt.date(2018, 2, 20), sensitivity="public")
    submit_incident(actor=coordinator, incident=submitted)
    draft = factories.incident(coordinator, title="Draft not yet reported", place=places["town"], election=election,
                               sensitivity="public")
    unplaced = _verified(coordinator, factories.incident(coordinator, title="Dismissal somewhere in Crimea",
                                                         election=election, date=dt.date(2018, 3, 12), sensitivity="public"))
    return World(places, election, public, internal, submitted, draft, unplaced, victim)


def _figures(report) -> dict:
    return dict(report.figures)


def test_internal_report_counts_reported_and_verified_incidents_of_the_election(world, coordinator):
    scope = periodic.resolve_scope(election=world.election.name)

    report = periodic.build(actor=coordinator, scope=scope, purpose="internal")

    assert (report.counted, report.listed) == (4, 3)
    assert _figures(report)["Incidents documented"] == "4"
    assert _figures(report)["Verified"] == "3"
    assert _figures(report)["Reported, not yet verified"] == "1"
    by_type = next(c.table for c in report.charts if c.table.key == "by-type")
    assert by_type.total == 4
    assert len(report.map_features) == 3  # the unplaced incident is not on the map
    assert "1 incident has no known place: it is counted, but not on the map nor in the figures by region." in report.unknown
    assert "1 incident is reported but not yet verified: it is counted in the figures, but not listed." in report.unknown
    assert any("No official precinct results" in line for line in report.unknown)
    assert [f.has_results for f in report.forensics] == [False]


def test_internal_report_lists_verified_incidents_with_names_as_clearance_allows(world, coordinator, analyst):
    scope = periodic.resolve_scope(election=world.election.name)
    for reader, shown in ((coordinator, NAME), (analyst, world.victim.pseudonym)):
        report = periodic.build(actor=reader, scope=scope, purpose="internal")

        entries = list(periodic.incident_entries(report))

        assert [e["reference"] for e in entries] == [world.public.reference, world.internal.reference,
                                                     world.unplaced.reference]
        assert entries[0]["people"][0]["name"] == shown
        assert entries[0]["sources"] == [{"title": "Teachers pushed to vote", "publisher": "Crimean Human Rights Group",
                                          "url": "https://example.org/teachers", "date": "March 5, 2018"}]
        assert entries[0]["place"] == "Bakhchysarai"
        assert entries[2]["place"] == "place not known"


def test_publication_report_holds_only_verified_public_incidents_without_protected_names(world, coordinator, tmp_path):
    scope = periodic.resolve_scope(election=world.election.name)
    report = periodic.build(actor=coordinator, scope=scope, purpose=Purpose.PUBLICATION)
    path = tmp_path / "report.html"

    periodic_writers.write(report, "html", path)

    html = path.read_text(encoding="utf-8")
    assert (report.counted, report.listed) == (2, 2)
    assert world.public.reference in html and world.unplaced.reference in html
    assert world.internal.reference not in html and world.submitted.reference not in html
    assert world.draft.reference not in html and "Search of a mosque" not in html
    assert NAME not in html and TYPED not in html and "Kovalenko" not in html and "Коваленко" not in html
    assert world.victim.pseudonym not in html  # withheld without consent to publication: not even the pseudonym
    assert "Report for publication" in html
    assert report.redactions >= 1


def test_period_and_place_narrow_the_report(world, coordinator):
    scope = periodic.resolve_scope(date_from="2018-03-05", date_to="2018-03-31", place=world.places["raion"].code)

    report = periodic.build(actor=coordinator, scope=scope, purpose="internal")

    assert (report.counted, report.listed) == (1, 1)  # the search in the village; the unplaced one is in no raion
    assert report.subtitle == "March 5, 2018 – March 31, 2018, Bakhchysaraiskyi"
    assert [f.election.name for f in report.forensics] == [world.election.name]


@pytest.mark.parametrize("spelling", ["Бахчисарайський", "bakhchysaraiskyi"])
def test_place_is_taken_by_its_name_in_any_spelling(world, spelling):
    """People know a raion by its name, not by its KATOTTG code: either does."""
    scope = periodic.resolve_scope(date_from="2018-03-05", date_to="2018-03-31", place=spelling)

    assert scope.place == world.places["raion"]


def test_place_name_that_fits_several_places_asks_for_one(world):
    """"Бахчисарай" alone is the town; a stem the town, the hromada and the raion share is not."""
    with pytest.raises(ValidationError) as refused:
        periodic.resolve_scope(date_from="2018-03-05", date_to="2018-03-31", place="Бахчисарайськ")

    assert refused.value.message_dict["place"][0].startswith("Several places match: ")


def test_empty_period_says_nothing_is_documented(world, coordinator, tmp_path):
    scope = periodic.resolve_scope(date_from="2030-01-01", date_to="2030-01-31")
    report = periodic.build(actor=coordinator, scope=scope, purpose="internal")

    periodic_writers.write(report, "html", tmp_path / "empty.html")

    assert report.counted == 0 and report.forensics == []
    assert report.unknown[0].startswith("No incident in this report's scope is documented in Svidok.")
    assert "No verified incident in this report's scope." in (tmp_path / "empty.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("arguments", "key", "message"), [
    ({}, "election", "Choose an election, or give the first and last day of a period."),
    ({"election": "No such vote"}, "election", "No election is called “No such vote”."),
    ({"date_from": "2018-13-01", "date_to": "2018-12-31"}, "date_from", "From: “2018-13-01” is not a date; write it as 2024-03-31."),
    ({"date_from": "2018-03-31", "date_to": "2018-03-01"}, "date_to",
     "The period ends (March 1, 2018) before it begins (March 31, 2018)."),
    ({"date_from": "2018-03-01"}, "date_to", "Give the first and the last day of the period."),
    ({"date_from": "2018-03-01", "date_to": "2018-03-31", "place": "UA99"}, "place", "No place matches “UA99”."),
    ({"date_from": "2018-03-01", "date_to": "2018-03-31", "place": "UA01999999999999999"}, "place",
     "No place has the code UA01999999999999999."),
])
def test_bad_scope_is_refused_with_a_message(db, arguments, key, message):
    with pytest.raises(ValidationError) as refused:
        periodic.resolve_scope(**arguments)

    assert refused.value.message_dict[key][0].startswith(message)


def test_two_elections_of_one_name_are_listed_with_their_dates(world, coordinator):
    from svidok.incidents.services import record_election

    record_election(actor=coordinator, fields={"name": world.election.name, "date": dt.date(2024, 3, 17)})

    with pytest.raises(ValidationError) as refused:
        periodic.resolve_scope(election=world.election.name.upper())

    assert "(March 18, 2018)" in refused.value.messages[0] and "(March 17, 2024)" in refused.value.messages[0]


def test_viewer_may_not_make_a_report(world, viewer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        periodic.build(actor=viewer, scope=periodic.resolve_scope(election=world.election.name))


def test_election_with_results_gets_the_findings_of_its_results_page(world, coordinator, tmp_path):
    from svidok.forensics import services as forensics_services
    from tests.forensics.conftest import csv_text, synthetic_row

    rows = [synthetic_row(uik=str(n), registered=1000 + 10 * n, issued_station=500 + 7 * n, stationary_box=550 + 7 * n,
                          valid=630 + 7 * n, ivanov=400 + 5 * n, petrov=230 + 2 * n) for n in range(1, 21)]
    forensics_services.import_results(actor=coordinator, election=world.election, source=csv_text(rows).encode(),
                                      name="results.csv")
    report = periodic.build(actor=coordinator, scope=periodic.resolve_scope(election=world.election.name))

    periodic_writers.write(report, "html", tmp_path / "r.html")
    periodic_writers.write(report, "docx", tmp_path / "r.docx")

    found = report.forensics[0]
    assert (found.has_results, found.problem, found.scope_label) == (True, "", "the whole file")
    assert found.summary["precincts"] == 20
    assert found.summary["registered"] == sum(1000 + 10 * n for n in range(1, 21))
    assert sorted(found.plots) == ["fingerprint", "turnout"]
    assert not any("No official precinct results" in line for line in report.unknown)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Whole percentages beyond chance (z)" in html and 'alt="Histogram of precinct turnout"' in html
    from docx import Document

    document = Document(tmp_path / "r.docx")
    assert "Territory analysed: the whole file." in [p.text for p in document.paragraphs]
    drawn = [c for c in report.charts if periodic_writers.table_png(c.table) is not None]  # a table with no rows has no chart
    assert len(document.inline_shapes) == 1 + len(drawn) + 2  # map, charts, the two forensic plots
