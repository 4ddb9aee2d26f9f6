"""The demo data set: the facts of one real article (March 2018, occupied Crimea) as records.

Source text: ``../shared/data/seed-article.txt`` (Ukraine's statement at the OSCE Permanent
Council on 22 March 2018; dismissals of Crimean Tatars for not voting, reported by lawyer Emil
Kurbedinov through QHA; threats of dismissal; the list of organizers handed to OSCE states; the
Mejlis boycott call and turnout estimates). Only short quotations of it are kept here.

Everything is written through the services, so the demo is audited and indexed exactly like data
entered by a user. The author is ``demo-loader``, a coordinator account with an unusable password
(nobody can sign in as it): ``svidok setup --demo`` loads the demo before it creates the five
sign-in accounts, and a dedicated author keeps the demo records apart from people's own work.

Idempotent: each record is looked up by its natural key (source title, person or organization
name, election name and day, figure, incident title, intervention title and date) and created only
when missing; a second run writes nothing, not even an audit entry. Records that exist are left as
they are, even if someone has edited them since.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from svidok.accounts.models import Role
from svidok.accounts.services import ensure_service_account
from svidok.incidents import services
from svidok.incidents.models import Election, ElectionFigure, Incident, Intervention, Place, Source
from svidok.people.models import Occupancy, Organization, Person, Position
from svidok.people.services import record_occupancy, record_organization, record_person, record_position

DEMO_USERNAME = "demo-loader"
# The demo's incidents are verified by a second account: four eyes (docs/permissions.md) holds for
# the platform's own records too.
DEMO_REVIEWER_USERNAME = "demo-reviewer"
ARC_CODE = "UA01000000000013043"  # Autonomous Republic of Crimea (KATOTTG)
SEVASTOPOL_CODE = "UA85000000000065278"  # city with special status (KATOTTG)

ARTICLE_TITLE = 'Ukraine at the OSCE: Russia must not persecute Crimeans who ignored the presidential "election" (news report, March 2018)'
ELECTION_NAME = 'Russian presidential "election" in occupied Crimea'
ELECTION_DAY = dt.date(2018, 3, 18)
DISMISSAL_TITLE = "Several Crimean Tatars dismissed for not taking part in the Russian presidential vote"
THREAT_TITLE = "Occupation authorities demand Crimeans vote, threatening dismissal from work"
OSCE_STATEMENT_TITLE = "Ukraine's statement at the OSCE Permanent Council on the Russian presidential \"election\" in Crimea"
OSCE_LIST_TITLE = "List of organizers of the illegal presidential \"election\" in Crimea handed to OSCE participating States"
BOYCOTT_TITLE = "Mejlis calls on Crimean Tatars to ignore the Russian presidential vote"
OSCE_DAY = dt.date(2018, 3, 22)


def role(code: str):
    return services.term("involvement_role", code)


class _Loader:
    def __init__(self, actor, reviewer=None):
        self.actor = actor
        self.reviewer = reviewer or actor
        self.created: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def place(self, code: str) -> Place | None:
        # The gazetteer may not be loaded (a bare test database): fall back to territory_text.
        return Place.objects.filter(code=code).first()

    def source(self) -> Source:
        found = Source.objects.filter(title=ARTICLE_TITLE, kind__code="article").first()
        if found:
            return found
        self._count("sources")
        return services.record_source(actor=self.actor, fields={
            "kind": services.term("source_type", "article"),
            "title": ARTICLE_TITLE,
            # The text came without masthead or address; it cites QHA and Ukraine's OSCE statement.
            "publisher": "",
            "url": "",
            "published_on": OSCE_DAY,
            "language": "en",
            # B: relays an official state statement (verifiable in the OSCE record) and an
            # established Crimean Tatar news agency; 2: consistent with other reporting of the time.
            "reliability": Source.Reliability.B,
            "credibility": 2,
            "excerpt": (
                '"We urge the Russian occupation authorities to refrain from repressive and punitive measures '
                'against the Crimean people who refused to participate in the so-called "elections"" … '
                "QHA reported that on the second day after the illegal \"election\" of the Russian president, "
                "lawyer Emil Kurbedinov informed that several Crimean Tatars had been dismissed in the occupied "
                "Crimea for not participating in the vote."
            ),
            "notes": (
                "Publication date approximate: the article reports the OSCE Permanent Council meeting of "
                "22 March 2018 as recent, so it appeared on or shortly after that day; recorded as 2018-03-22. "
                "Publisher and URL unknown (text received without them)."
            ),
        })

    def person(self, name: str, **kwargs) -> Person:
        found = Person.objects.filter(display_name=name, protected=False).first()
        if found:
            return found
        self._count("persons")
        return record_person(actor=self.actor, name=name, protected=False, **kwargs)

    def organization(self, name: str, kind: str, **kwargs) -> Organization:
        found = Organization.objects.filter(name=name).first()
        if found:
            return found
        self._count("organizations")
        return record_organization(actor=self.actor, name=name, kind=services.term("perpetrator_type", kind), **kwargs)

    def occupancy(self, person: Person, organization: Organization, title: str, source: Source) -> None:
        position = Position.objects.filter(organization=organization, title=title).first()
        if position is None:
            self._count("positions")
            position = record_position(actor=self.actor, organization=organization, title=title, kind="head")
        if not Occupancy.objects.filter(person=person, position=position).exists():
            self._count("occupancies")
            # The article gives no term of office: it shows him in the post on 22 March 2018 only.
            record_occupancy(actor=self.actor, person=person, position=position, source=source)

    def election(self, notes: str) -> Election:
        found = Election.objects.filter(name=ELECTION_NAME, date=ELECTION_DAY).first()
        if found:
            return found
        self._count("elections")
        return services.record_election(actor=self.actor, fields={
            "name": ELECTION_NAME,
            "name_uk": "Президентські «вибори» РФ в окупованому Криму",
            "kind": "presidential",
            "date": ELECTION_DAY,
            "territory": self.place(ARC_CODE),
            "territory_text": "Autonomous Republic of Crimea and Sevastopol (occupied)",
            "notes": notes,
        })

    def figure(self, election: Election, **fields) -> None:
        key = {k: fields[k] for k in ("metric", "official", "territory_text", "population_group")}
        if ElectionFigure.objects.filter(election=election, **key).exists():
            return
        self._count("figures")
        services.record_election_figure(actor=self.actor, election=election, fields=fields)

    def incident(self, *, title: str, fields: dict, legal_tags: list[str], involvements: list[dict],
                 source: Source, source_note: str) -> Incident:
        found = Incident.objects.filter(title=title, created_by=self.actor).first()
        if found:
            return found
        self._count("incidents")
        incident = services.record_incident(
            actor=self.actor,
            fields={"title": title, **fields},
            legal_tags=[services.term("legal_qualification", code) for code in legal_tags],
            tags=["demo", "crimea-2018"],
            involvements=involvements,
            sources=[(source, source_note)],
        )
        services.submit_incident(actor=self.actor, incident=incident)
        return services.verify_incident(
            actor=self.reviewer, incident=incident, reason="Demo data: matches the article cited as its source.",
        )

    def intervention(self, *, title: str, date, incidents=(), **fields) -> Intervention:
        found = Intervention.objects.filter(title=title, date=date).first()
        if found:
            return found
        self._count("interventions")
        return services.record_intervention(actor=self.actor, fields={"title": title, "date": date, **fields}, incidents=incidents)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create the article's facts as records if missing. Returns how many of each kind were created."""
    actor = ensure_service_account(username=DEMO_USERNAME, role=Role.COORDINATOR)
    load = _Loader(actor, ensure_service_account(username=DEMO_REVIEWER_USERNAME, role=Role.COORDINATOR))
    article = load.source()
    crimea, sevastopol = load.place(ARC_CODE), load.place(SEVASTOPOL_CODE)

    kurbedinov = load.person(
        "Emil Kurbedinov",
        description="Crimean lawyer; reported the dismissals of Crimean Tatars for not voting (March 2018).",
        names=[
            {"name": "Эмиль Курбединов", "lang": "ru", "kind": "official"},
            {"name": "Еміль Курбедінов", "lang": "uk", "kind": "official"},
        ],
    )
    prokopchuk = load.person(
        "Ihor Prokopchuk",
        description="Permanent Representative of Ukraine to the International Organizations in Vienna (March 2018).",
        names=[
            {"name": "Ігор Прокопчук", "lang": "uk", "kind": "official"},
            {"name": "Игорь Прокопчук", "lang": "ru", "kind": "transliteration"},
        ],
    )
    qha = load.organization(
        "QHA", "media", description="Crimean News Agency (Qırım Haber Ajansı), a Crimean Tatar news agency.",
        names=[{"name": "Qırım Haber Ajansı", "lang": "crh", "kind": "official"},
               {"name": "Crimean News Agency", "lang": "en", "kind": "alias"}],
    )
    occupation = load.organization(
        "Occupation authorities of Crimea", "occupation_administration", place=crimea,
        description="The Russian occupation administration of the Autonomous Republic of Crimea and Sevastopol, as a whole.",
        names=[{"name": "Окупаційна влада Криму", "lang": "uk", "kind": "alias"}],
    )
    mejlis = load.organization(
        "Mejlis of the Crimean Tatar People", "other",
        description="Representative body of the Crimean Tatar people.",
        names=[{"name": "Qırımtatar Milliy Meclisi", "lang": "crh", "kind": "official"},
               {"name": "Меджліс кримськотатарського народу", "lang": "uk", "kind": "official"}],
    )
    mission = load.organization(
        "Permanent Mission of Ukraine to the International Organizations in Vienna", "government",
        names=[{"name": "Постійне представництво України при міжнародних організаціях у Відні", "lang": "uk", "kind": "official"}],
    )
    load.occupancy(prokopchuk, mission, "Permanent Representative of Ukraine to the International Organizations in Vienna", article)

    election = load.election(
        "The Mejlis of the Crimean Tatar People called on Crimean Tatars to ignore the vote, although this "
        "could bring repression by the occupation authorities; Ukraine also urged Crimeans to ignore it. "
        "Ukraine, the EU, the USA and the G7 declared the vote in Crimea not recognised; the Verkhovna Rada "
        "declared it illegal. Official turnout: protocols of the occupation election commissions (not in "
        "the article). Mejlis estimates: the article."
    )
    # Official figures come from the commissions' protocols, not from the article, so they cite no
    # source here: 1,079,531 of 1,508,701 voters in Crimea, 242,176 of 339,010 in Sevastopol.
    load.figure(election, metric="turnout", comparator="eq", value=Decimal("71.55"), official=True,
                territory=crimea, territory_text="Republic of Crimea (occupation designation)",
                population_group="", claimed_by="Occupation election commission of Crimea",
                notes="Official protocols: 1,079,531 ballots issued to 1,508,701 registered voters.")
    load.figure(election, metric="turnout", comparator="eq", value=Decimal("71.44"), official=True,
                territory=sevastopol, territory_text="Sevastopol",
                population_group="", claimed_by="Occupation election commission of Sevastopol",
                notes="Official protocols: 242,176 ballots issued to 339,010 registered voters.")
    load.figure(election, metric="turnout", comparator="le", value=Decimal("30"), official=False,
                territory=crimea, territory_text="Crimea as a whole", population_group="",
                claimed_by="Mejlis of the Crimean Tatar People", source=article,
                notes="Mejlis estimate of the real turnout, as reported in the article.")
    load.figure(election, metric="turnout", comparator="le", value=Decimal("10"), official=False,
                territory=crimea, territory_text="Crimea as a whole", population_group="Crimean Tatars",
                claimed_by="Mejlis of the Crimean Tatar People", source=article,
                notes="Mejlis estimate of the turnout among Crimean Tatars, \"despite pressure and intimidation\".")

    perpetrator_type = services.term("perpetrator_type", "occupation_administration")
    dismissal = load.incident(
        title=DISMISSAL_TITLE,
        fields={
            "narrative": (
                "Several Crimean Tatars were dismissed from their jobs in occupied Crimea for not taking part in "
                "the Russian presidential vote of 18 March 2018. Lawyer Emil Kurbedinov made this known on the "
                "second day after the vote (20 March 2018), as reported by QHA. The dismissals happened between "
                "the vote and that report, hence the date range 18–20 March 2018. The victims are not named and "
                "their number is not given (\"several\"), so none is recorded. Their employers "
                "are not named; the dismissals carried out the occupation authorities' threats (see the related "
                "incident). Whether this is part of persecution (Rome Statute Art. 7(1)(h)) is to be examined "
                "with the other incidents; it is not tagged."
            ),
            "type": services.term("incident_type", "dismissal"),
            "date_start": ELECTION_DAY,
            "date_end": dt.date(2018, 3, 20),
            "date_precision": "range",
            "place": crimea,
            "place_text": "occupied Crimea (places not reported)",
            "election": election,
            "confidence": Incident.Confidence.MEDIUM,
            "sensitivity": Incident.Sensitivity.PUBLIC,
            "victim_count": None,
        },
        # ICCPR 25: voting free of compulsion (Human Rights Committee, General Comment 25 §19).
        # ECHR 10: abstaining is an expression of political opinion, punished by dismissal.
        # ECHR 14: the dismissed are Crimean Tatars, a group targeted for its political stance.
        # Not ECHR P1-3 (it covers elections of the legislature, not of a president), not ECHR 8
        # (nothing reported yet on the effect on the victims' private life).
        legal_tags=["iccpr-25", "echr-10", "echr-14"],
        involvements=[
            {"person": kurbedinov, "role": role("reporter"), "details": "lawyer; informed via QHA"},
            {"organization": qha, "role": role("reporter"), "details": "published the lawyer's report"},
            {"organization": occupation, "role": role("perpetrator"), "perpetrator_type": perpetrator_type,
             "details": "employers not named; dismissals follow the authorities' threats of dismissal for not voting"},
        ],
        source=article,
        source_note="QHA report of lawyer Emil Kurbedinov's information, second day after the vote.",
    )
    load.incident(
        title=THREAT_TITLE,
        fields={
            "narrative": (
                "Before the Russian presidential vote of 18 March 2018 the occupation authorities demanded that "
                "Crimeans come and vote, threatening them in particular with dismissal from work. The article "
                "gives no exact date or place; recorded as March 2018."
            ),
            "type": services.term("incident_type", "threat_of_dismissal"),
            "date_start": dt.date(2018, 3, 1),
            "date_precision": "month",
            "place": crimea,
            "place_text": "occupied Crimea",
            "election": election,
            "confidence": Incident.Confidence.MEDIUM,
            "sensitivity": Incident.Sensitivity.PUBLIC,
        },
        # ICCPR 25: compulsion of voters (General Comment 25 §19). GC IV 31: moral coercion of
        # protected persons by the occupying power. Hague Art. 45 (compelled allegiance) is arguable
        # for forced voting but not tagged until the legal team decides.
        legal_tags=["iccpr-25", "gciv-31"],
        involvements=[
            {"organization": occupation, "role": role("perpetrator"), "perpetrator_type": perpetrator_type,
             "details": "demanded Crimeans vote, threatening dismissal from work"},
        ],
        source=article,
        source_note="\"The occupiers themselves demanded the Crimeans to come and vote, in particular, threatening with dismissal from work.\"",
    )

    load.intervention(
        title=OSCE_STATEMENT_TITLE, date=OSCE_DAY, incidents=[dismissal],
        kind=services.term("intervention_type", "statement"),
        description=(
            "Ukraine urged the Russian occupation authorities to refrain from repressive and punitive measures "
            "against Crimeans who refused to take part in the vote, declared the \"elections\" in Crimea void "
            "and called on OSCE participating States not to recognise them and to take sanctions."
        ),
        by_person=prokopchuk, by_organization=mission, addressee="OSCE Permanent Council",
        election=election, source=article,
    )
    load.intervention(
        title=OSCE_LIST_TITLE, date=OSCE_DAY,
        kind=services.term("intervention_type", "list_to_states"),
        description=(
            "The list of those who took part in organizing and holding the vote in Crimea was handed to the OSCE "
            "States with a call for sanctions. The article reports it alongside the statement of 22 March 2018."
        ),
        by_organization=mission, addressee="OSCE participating States", election=election, source=article,
    )
    load.intervention(
        title=BOYCOTT_TITLE, date=None,
        kind=services.term("intervention_type", "statement"),
        description=(
            "Before the vote the Mejlis called on Crimean Tatars to ignore it, although this could bring "
            "repression. It also promised to collect the facts of pressure for use in international litigation. "
            "The article gives no date."
        ),
        by_organization=mejlis, addressee="Crimean Tatars", election=election, source=article,
    )
    return load.created
