"""The people app's records in the search index: persons (by pseudonym only when protected) and
organizations, with every name variant. Services call these inside their transaction."""

from django.db.models import Q

from svidok.accounts import rules
from svidok.common import extensions
from svidok.common.idlists import among
from svidok.people import vault
from svidok.people.models import NameVariant, Organization, Person
from svidok.people.queries import visible_organizations, visible_persons
from svidok.search import indexing
from svidok.search.api import matching_ids, ranked_ties, register_searchable
from svidok.search.backends import backend
from svidok.search.normalize import text_keys


def person_keys(person) -> set[str]:
    if person.protected:
        return text_keys(person.pseudonym)
    keys = text_keys(person.display_name)
    for variant in person.names.all():
        keys |= text_keys(variant.name)
    return keys


def index_person(person) -> None:
    """Index a person, and the incidents they appear in (their display name may have changed)."""
    indexing.replace_keys("person", {person.pk: person_keys(person)}, {person.pk: indexing.name_rank(person.display_name)})
    extensions.ask("search.party_changed", person=person)


def index_persons(persons) -> None:
    """Index many persons (e.g. created by an import). Unlike :func:`index_person`, the incidents
    they appear in are not re-indexed: callers that change display names use index_person."""
    persons = list(persons)
    variants: dict[int, list[str]] = {p.pk: [] for p in persons}
    for person_id, name in NameVariant.objects.filter(person__in=[p.pk for p in persons if not p.protected]).values_list("person_id", "name"):
        variants[person_id].append(name)
    keys_by_id = {}
    for person in persons:
        if person.protected:
            keys_by_id[person.pk] = set(text_keys(person.pseudonym))
            continue
        keys = text_keys(person.display_name)
        for name in variants[person.pk]:
            keys |= text_keys(name)
        keys_by_id[person.pk] = keys
    indexing.replace_keys("person", keys_by_id, {p.pk: indexing.name_rank(p.display_name) for p in persons})
    # Protected persons' real names go to the blind index, never to the search index.
    vault.index_identities(persons)


def index_organizations(organizations) -> None:
    """Index many organizations (their incidents are not re-indexed; see :func:`index_persons`)."""
    organizations = list(organizations)
    names: dict[int, list[str]] = {o.pk: [o.name] for o in organizations}
    for organization_id, name in NameVariant.objects.filter(organization__in=list(names)).values_list("organization_id", "name"):
        names[organization_id].append(name)
    indexing.replace_keys("organization", {pk: set().union(*(text_keys(n) for n in texts)) for pk, texts in names.items()})


def index_organization(organization) -> None:
    keys = set()
    for name in [organization.name, *organization.names.values_list("name", flat=True)]:
        keys |= text_keys(name)
    indexing.replace_keys("organization", {organization.pk: keys})
    extensions.ask("search.party_changed", organization=organization)




def matching_persons(user, q: str) -> Q:
    """The persons matching ``q`` for ``user``: by the search index (public names, pseudonyms), and
    for users allowed ``person.identity`` also protected persons by their real names, through the
    blind index (exact words in any spelling). Others never match a protected person by name."""
    condition = Q(pk__in=matching_ids("person", q))
    if rules.can(user, "person.identity"):
        condition |= Q(pk__in=vault.find_protected(q))
    return condition


# The most persons whose names can come first that are sorted by the database (ranked_ties).
MAX_NAME_TIES = 5_000


def find_persons(user, q: str, limit: int) -> list:
    """The first ``limit`` persons matching ``q``, by name.

    Their search entries rank them by the first letters of their name (``indexing.name_rank``):
    the matches that can come first are read from the index in that order, and only they are
    sorted by name, not every match (a two-letter word matches 20,000 persons of 550,000 at a
    million incidents: docs/search.md). A database that does not order names by code point
    sorts every match.
    """
    persons = visible_persons(user)
    if persons.query.is_empty() or not limit:
        return []
    candidates = None
    if backend().sorts_by_code_point(Person._meta.get_field("display_name")):
        candidates = ranked_ties("person", q, limit, MAX_NAME_TIES)
    if candidates is not None and rules.can(user, "person.identity"):
        # Protected persons found by a real name (exact words: usually none or a few) join the
        # candidates as ids: OR-ing their subquery made PostgreSQL read every person.
        protected = list(vault.find_protected(q).values_list("pk", flat=True)[:MAX_NAME_TIES + 1])
        candidates = None if len(protected) > MAX_NAME_TIES else candidates + protected
    if candidates is None:
        return persons.filter(matching_persons(user, q)).order_by("display_name", "id")[:limit]
    return persons.filter(pk__in=among(candidates)).order_by("display_name", "id")[:limit]


def find_organizations(user, q: str, limit: int) -> list:
    return visible_organizations(user).filter(pk__in=matching_ids("organization", q)).order_by("name", "id")[:limit]


def register() -> None:
    register_searchable("persons", find_persons, order=20)
    register_searchable("organizations", find_organizations, order=30)
    indexing.register("person", index_many=index_persons, every=Person.objects.all, order=20)
    indexing.register("organization", index_many=index_organizations, every=Organization.objects.all, order=30)
