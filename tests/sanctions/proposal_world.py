"""A small registry for the proposal tests: a commission, its chair, incidents and sources.

Synthetic data built through the services. ``build(coordinator, documenter)`` returns a namespace;
each test module wraps it in a fixture.
"""

import datetime as dt
from types import SimpleNamespace

from svidok.incidents.services import add_involvement, link_source, submit_incident, verify_incident
from svidok.people.services import record_occupancy, record_person, record_position
from tests import factories
from tests.helpers import second_lead

CHAIR_NAMES = [
    {"name": "Mikhail Grigorievich MALYSHEV", "lang": "en", "kind": "transliteration", "origin": "EU Regulation 2018/705"},
    {"name": "Михайло Григорович МАЛИШЕВ", "lang": "uk", "kind": "official"},
]


def _verified(documenter, coordinator, **fields):
    incident = factories.incident(documenter, **fields)
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


def build(coordinator, documenter):
    role = lambda code: factories.term("involvement_role", code)  # noqa: E731
    w = SimpleNamespace()
    w.commission = factories.organization(coordinator, name="Избирательная комиссия Республики Крым",
                                          names=[{"name": "Election Commission of the Republic of Crimea", "lang": "en"}])
    w.chair_post = record_position(actor=coordinator, organization=w.commission, title="Chair", kind="chair")
    w.appointment = factories.source(coordinator, title="Decision No. 1 on the chair of the commission",
                                     publisher="Crimean election commission", published_on=dt.date(2014, 9, 1),
                                     url="https://example.org/decision-1")
    w.chair = record_person(actor=coordinator, name="Михаил Григорьевич МАЛЫШЕВ", names=CHAIR_NAMES,
                            identity={"birth_date": dt.date(1961, 5, 17)})
    w.chair_held = record_occupancy(actor=coordinator, person=w.chair, position=w.chair_post,
                                    start_date=dt.date(2014, 9, 1), source=w.appointment)
    w.report = factories.source(coordinator, title="Teachers told to vote", publisher="QHA",
                                published_on=dt.date(2018, 3, 21), url="https://example.org/qha-teachers")
    w.ordered = _verified(documenter, coordinator, title="Teachers ordered to vote", sensitivity="internal")
    add_involvement(actor=coordinator, incident=w.ordered, person=w.chair, role=role("perpetrator"))
    link_source(actor=coordinator, incident=w.ordered, source=w.report)
    # A restricted incident: leads see it, analysts and viewers do not.
    w.secret_source = factories.source(coordinator, title="Statement of a protected witness", publisher="Svidok interview")
    # Recorded by the coordinator, so verified by another lead (four eyes).
    w.verifier = second_lead()
    w.secret = _verified(coordinator, w.verifier, title="Threats to a precinct member", sensitivity="restricted",
                         type_code="threat_of_dismissal", date=dt.date(2018, 3, 10))
    add_involvement(actor=coordinator, incident=w.secret, person=w.chair, role=role("instigator"))
    link_source(actor=coordinator, incident=w.secret, source=w.secret_source)
    # The chair only reported this one: not a ground.
    w.reported = _verified(documenter, coordinator, title="Ballots found outside a precinct", type_code="other",
                           date=dt.date(2018, 3, 18))
    add_involvement(actor=coordinator, incident=w.reported, person=w.chair, role=role("reporter"))
    w.victim = record_person(actor=coordinator, name="Rustem Aliev", protected=True, identity={"birth_date": dt.date(1980, 2, 2)})
    add_involvement(actor=coordinator, incident=w.ordered, person=w.victim, role=role("victim"))
    return w
