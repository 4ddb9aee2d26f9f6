"""Keeping the search index in step with the records. Called by services inside their transaction.

(Stub: the full transliteration-aware implementation replaces these bodies.)
"""


def index_incident(incident) -> None:
    pass


def index_person(person) -> None:
    pass


def index_organization(organization) -> None:
    pass


def index_places(places) -> None:
    pass
