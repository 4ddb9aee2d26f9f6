import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from svidok.accounts.models import User
from svidok.accounts.services import SYSTEM_USERNAME
from svidok.audit.models import AuditEntry
from svidok.incidents import demo
from svidok.incidents.models import (
    Election,
    ElectionFigure,
    Incident,
    IncidentSource,
    Intervention,
    Involvement,
    Place,
    Source,
)
from svidok.people.models import NameVariant, Occupancy, Organization, Person, Position
from svidok.search.api import matching_ids

pytestmark = pytest.mark.django_db

MODELS = (Source, Person, Organization, NameVariant, Position, Occupancy, Election, ElectionFigure, Incident,
          Involvement, IncidentSource, Intervention, User, AuditEntry)


def _counts():
    # The system account exists before the demo (the vocabularies were loaded by it).
    return {model.__name__: (model.objects.exclude(username=SYSTEM_USERNAME) if model is User else model.objects).count()
            for model in MODELS}


def test_load_demo_creates_the_article_records():
    created = demo.load_demo()

    assert created == {"sources": 1, "persons": 2, "organizations": 4, "positions": 1, "occupancies": 1,
                       "elections": 1, "figures": 4, "incidents": 2, "interventions": 3}
    assert {name: count for name, count in _counts().items() if name != "AuditEntry"} == {
        "Source": 1, "Person": 2, "Organization": 4, "NameVariant": 16, "Position": 1, "Occupancy": 1,
        "Election": 1, "ElectionFigure": 4, "Incident": 2, "Involvement": 4, "IncidentSource": 2,
        "Intervention": 3, "User": 2,
    }
    assert sorted(Person.objects.values_list("display_name", flat=True)) == ["Emil Kurbedinov", "Ihor Prokopchuk"]


def test_load_demo_election_holds_official_figures_beside_mejlis_estimates():
    demo.load_demo()

    election = Election.objects.get()
    figures = [
        (f.official, f.territory_text, f.population_group, f.get_comparator_display(), f.value, f.claimed_by,
         f.source.title if f.source else None)
        for f in election.figures.order_by("-official", "-value")
    ]
    assert (election.date, election.territory, election.territory_text) == (
        dt.date(2018, 3, 18), None, "Autonomous Republic of Crimea and Sevastopol (occupied)")
    assert figures == [
        (True, "Republic of Crimea (occupation designation)", "", "=", Decimal("71.55"), "Occupation election commission of Crimea", None),
        (True, "Sevastopol", "", "=", Decimal("71.44"), "Occupation election commission of Sevastopol", None),
        (False, "Crimea as a whole", "", "≤", Decimal("30.00"), "Mejlis of the Crimean Tatar People", demo.ARTICLE_TITLE),
        (False, "Crimea as a whole", "Crimean Tatars", "≤", Decimal("10.00"), "Mejlis of the Crimean Tatar People", demo.ARTICLE_TITLE),
    ]


def test_load_demo_incidents_are_verified_public_and_cite_the_article():
    demo.load_demo()

    article = Source.objects.get()
    rows = [
        (i.reference, i.type.code, i.status, i.sensitivity, i.confidence, i.date_start, i.date_end, i.date_precision,
         i.victim_count, sorted(t.code for t in i.legal_tags.all()), [s.title for s in i.sources.all()])
        for i in Incident.objects.order_by("reference")
    ]
    assert rows == [
        ("SV-2018-000001", "dismissal", "verified", "public", "medium", dt.date(2018, 3, 18), dt.date(2018, 3, 20), "range",
         None, ["echr-10", "echr-14", "iccpr-25"], [article.title]),
        ("SV-2018-000002", "threat_of_dismissal", "verified", "public", "medium", dt.date(2018, 3, 1), None, "month",
         None, ["gciv-31", "iccpr-25"], [article.title]),
    ]
    assert (article.kind.code, article.published_on, article.language, article.grading) == ("article", dt.date(2018, 3, 22), "en", "B2")


def test_load_demo_involvements_name_reporters_and_perpetrator_but_no_victim():
    demo.load_demo()

    involvements = [
        (i.incident.reference, i.party.display_name, i.role.code, i.perpetrator_type.code if i.perpetrator_type else None, i.details)
        for i in Involvement.objects.select_related("incident", "person", "organization", "role", "perpetrator_type").order_by("incident__reference", "id")
    ]
    assert involvements == [
        ("SV-2018-000001", "Emil Kurbedinov", "reporter", None, "lawyer; informed via QHA"),
        ("SV-2018-000001", "QHA", "reporter", None, "published the lawyer's report"),
        ("SV-2018-000001", "Occupation authorities of Crimea", "perpetrator", "occupation_administration",
         "employers not named; dismissals follow the authorities' threats of dismissal for not voting"),
        ("SV-2018-000002", "Occupation authorities of Crimea", "perpetrator", "occupation_administration",
         "demanded Crimeans vote, threatening dismissal from work"),
    ]


def test_load_demo_audit_payloads_name_no_victim():
    demo.load_demo()

    # Persons are named by id (the history resolves it to today's name), organizations by name.
    names = {str(p.uuid): p.display_name for p in Person.objects.all()}
    parties = [
        (names.get(e.changes["involvement"][1].get("person"), e.changes["involvement"][1]["party"]), e.changes["involvement"][1]["role"])
        for e in AuditEntry.objects.filter(action="link", object_type="incidents.incident")
        if "involvement" in e.changes
    ]
    assert parties == [
        ("Emil Kurbedinov", "reporter"), ("QHA", "reporter"), ("Occupation authorities of Crimea", "perpetrator"),
        ("Occupation authorities of Crimea", "perpetrator"),
    ]
    assert AuditEntry.objects.filter(payload__contains='"role":"victim"').count() == 0
    assert Person.objects.filter(protected=True).count() == 0


def test_load_demo_interventions_by_ukraine_and_the_mejlis():
    demo.load_demo()

    rows = [
        (i.kind.code, i.date, i.addressee, i.by_person.display_name if i.by_person else None,
         i.by_organization.name, [x.reference for x in i.incidents.all()], i.source.title == demo.ARTICLE_TITLE)
        for i in Intervention.objects.order_by("title")
    ]
    mission = "Permanent Mission of Ukraine to the International Organizations in Vienna"
    assert rows == [
        ("list_to_states", dt.date(2018, 3, 22), "OSCE participating States", None, mission, [], True),
        ("statement", None, "Crimean Tatars", None, "Mejlis of the Crimean Tatar People", [], True),
        ("statement", dt.date(2018, 3, 22), "OSCE Permanent Council", "Ihor Prokopchuk", mission, ["SV-2018-000001"], True),
    ]
    occupancy = Occupancy.objects.select_related("position__organization", "source").get()
    assert (occupancy.person.display_name, occupancy.position.organization.name, occupancy.source.title) == (
        "Ihor Prokopchuk", mission, demo.ARTICLE_TITLE)


def test_load_demo_twice_changes_nothing():
    demo.load_demo()
    before = _counts()
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    created = demo.load_demo()

    assert created == {}
    assert _counts() == before
    assert AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() == last_entry


def test_load_demo_uses_gazetteer_places_when_loaded():
    # Arrange: the two gazetteer entries the demo looks up (the gazetteer loader is tested on its own).
    crimea = Place.objects.get_or_create(code=demo.ARC_CODE, defaults={"category": "O", "name_uk": "Автономна Республіка Крим"})[0]
    sevastopol = Place.objects.get_or_create(code=demo.SEVASTOPOL_CODE, defaults={"category": "K", "name_uk": "Севастополь"})[0]

    demo.load_demo()

    assert Election.objects.get().territory == crimea
    assert sorted((f.territory.code, str(f.value)) for f in ElectionFigure.objects.all()) == sorted([
        (crimea.code, "71.55"), (sevastopol.code, "71.44"), (crimea.code, "30.00"), (crimea.code, "10.00")])
    assert set(Incident.objects.values_list("place__code", flat=True)) == {crimea.code}


def test_demo_author_is_a_coordinator_nobody_can_sign_in_as():
    demo.load_demo()

    author = User.objects.get(username=demo.DEMO_USERNAME)
    assert (author.role, author.has_usable_password()) == ("coordinator", False)
    assert set(Incident.objects.values_list("created_by__username", flat=True)) == {demo.DEMO_USERNAME}
    # Four eyes hold for the demo too: a second account, nobody can sign in as either, verifies.
    reviewer = User.objects.get(username=demo.DEMO_REVIEWER_USERNAME)
    assert (reviewer.role, reviewer.has_usable_password()) == ("coordinator", False)
    verifiers = [(e.actor.username, e.changes["second_person"]) for e in AuditEntry.objects.filter(action="status").select_related("actor")
                 if e.changes.get("status") == ["submitted", "verified"]]
    assert verifiers == [(demo.DEMO_REVIEWER_USERNAME, [None, True])] * 2
    # Through the sign-in form, as anyone would try (the lockout backend needs a request).
    client = Client()
    client.post(reverse("accounts:login"), {"username": demo.DEMO_USERNAME, "password": ""})
    assert "_auth_user_id" not in client.session


def test_load_demo_command_reports_what_it_created_then_nothing():
    first, second = StringIO(), StringIO()

    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)

    assert first.getvalue() == ("demo data: created 1 sources, 2 persons, 4 organizations, 1 positions, 1 occupancies, "
                                "1 elections, 4 figures, 2 incidents, 3 interventions\n")
    assert second.getvalue() == "demo data: already loaded, nothing to do\n"


@pytest.mark.parametrize("query", ["Kurbedinov", "Курбединов", "Курбедінов", "Emil Kurbedinov"])
def test_demo_lawyer_found_in_any_spelling(query):
    demo.load_demo()

    found = Person.objects.filter(pk__in=matching_ids("person", query))
    assert list(found.values_list("display_name", flat=True)) == ["Emil Kurbedinov"]
