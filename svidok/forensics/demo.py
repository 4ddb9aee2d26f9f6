"""Demo precinct results: the shipped 2016, 2018 and 2020 files, attached to demo elections.

`svidok setup --demo` calls this after the article's demo data, so a fresh `make run` shows the
forensics pages with real numbers: the 2018 presidential vote on the demo election, the 2016
State Duma vote on an election of its own for the same-precinct comparison, and the 2020
constitutional amendments vote on a third, so that the series of votes in Crimea
(/forensics/series/) shows three votes. No estimate is added here: the only ones with a source in
the demo data are the article's, for 2018 (svidok/incidents/demo.py). Idempotent: a file already
imported into its election is skipped.
"""

import datetime as dt
import hashlib

from django.conf import settings

from svidok.accounts.models import Role
from svidok.accounts.services import ensure_service_account
from svidok.forensics import services
from svidok.forensics.models import ResultSet
from svidok.incidents import services as incident_services
from svidok.incidents.demo import ARC_CODE, DEMO_USERNAME, ELECTION_DAY, ELECTION_NAME
from svidok.incidents.models import Election, Place

DUMA_NAME = 'Russian State Duma "election" in occupied Crimea'
DUMA_DAY = dt.date(2016, 9, 18)
AMENDMENTS_NAME = 'Russian constitutional amendments "vote" in occupied Crimea'
# Voting ran from 25 June to 1 July 2020; 1 July is the day the CEC names as the voting day.
AMENDMENTS_DAY = dt.date(2020, 7, 1)
# Votes held there since, whose precinct files the platform does not ship: recorded so the series of
# votes in Crimea runs to 2024, with no figure (no figure is invented: import the CEC's file, or record
# a published figure with its source, to fill them in).
LATER_VOTES = [
    dict(name='Russian State Duma "election" in occupied Crimea, 2021',
         name_uk="«Вибори» до Державної думи РФ в окупованому Криму, 2021", kind="parliamentary",
         date=dt.date(2021, 9, 19),
         notes="Held by Russia in occupied Crimea from 17 to 19 September 2021. No precinct results are shipped "
               "with Svidok: import the CEC's file to analyse it."),
    dict(name='Russian presidential "election" in occupied Crimea, 2024',
         name_uk="«Вибори» президента РФ в окупованому Криму, 2024", kind="presidential",
         date=dt.date(2024, 3, 17),
         notes="Held by Russia in occupied Crimea from 15 to 17 March 2024. No precinct results are shipped "
               "with Svidok: import the CEC's file to analyse it."),
]
FILES = {
    "2018": ("2018.csv.zip", "CEC precinct protocols, presidential election 2018 (dkobak/elections)"),
    "2016": ("2016.csv.zip", "CEC precinct protocols, State Duma party-list vote 2016 (dkobak/elections)"),
    "2020": ("2020.csv.zip", "CEC precinct protocols, constitutional amendments vote 2020 (dkobak/elections)"),
}


def _election(actor, **fields) -> Election:
    found = Election.objects.filter(name=fields["name"], date=fields["date"]).first()
    if found:
        return found
    return incident_services.record_election(actor=actor, fields={
        "territory": Place.objects.filter(code=ARC_CODE).first(),
        "territory_text": "Autonomous Republic of Crimea and Sevastopol (occupied)",
        **fields,
    })


def _duma_election(actor) -> Election:
    return _election(
        actor, name=DUMA_NAME, name_uk="«Вибори» до Державної думи РФ в окупованому Криму", kind="parliamentary",
        date=DUMA_DAY,
        notes="Held by Russia in occupied Crimea on 18 September 2016. Its precinct results are the "
              "baseline for the same-precinct comparison with March 2018.")


def _amendments_election(actor) -> Election:
    return _election(
        actor, name=AMENDMENTS_NAME, name_uk="«Голосування» щодо поправок до Конституції РФ в окупованому Криму",
        kind="referendum", date=AMENDMENTS_DAY,
        notes="Held by Russia in occupied Crimea from 25 June to 1 July 2020, on amendments to the Russian "
              "constitution; the first federal vote there after March 2018. Its file answers ДА / НЕТ: "
              "the leader is the answer with most votes.")


def load_demo_results() -> dict[str, int]:
    """Import the shipped results files into the demo elections if missing; returns what was created."""
    actor = ensure_service_account(username=DEMO_USERNAME, role=Role.COORDINATOR)
    presidential = Election.objects.filter(name=ELECTION_NAME, date=ELECTION_DAY).first()
    if presidential is None:
        return {}
    targets = {"2018": presidential, "2016": _duma_election(actor), "2020": _amendments_election(actor)}
    for fields in LATER_VOTES:
        _election(actor, **fields)
    created = {}
    for key, election in targets.items():
        filename, label = FILES[key]
        path = settings.DATA_DIR / "elections" / filename
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        if ResultSet.objects.filter(election=election, sha256=sha256).exists():
            continue
        outcome = services.import_results(actor=actor, election=election, source=path, label=label)
        created[f"{key} precincts"] = len(outcome.parsed)
    return created
