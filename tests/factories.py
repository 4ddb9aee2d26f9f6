"""Test data built through the services, so tests see what users would create."""

import datetime as dt

from svidok.incidents.models import Term
from svidok.incidents.services import record_incident, record_source
from svidok.people.services import record_organization, record_person


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary__code=vocabulary, code=code)


def incident(actor, *, title="Teacher dismissed for not voting", type_code="dismissal", date=dt.date(2018, 3, 20), **fields):
    fields = {"title": title, "type": term("incident_type", type_code), "date_start": date} | fields
    return record_incident(actor=actor, fields=fields)


def source(actor, *, title="QHA report", kind="article", **fields):
    return record_source(actor=actor, fields={"title": title, "kind": term("source_type", kind)} | fields)


def person(actor, name="Mykola Petrenko", **kwargs):
    return record_person(actor=actor, name=name, **kwargs)


def organization(actor, name="Election Commission of the Republic of Crimea", kind="election_commission", **kwargs):
    return record_organization(actor=actor, name=name, kind=term("perpetrator_type", kind), **kwargs)
