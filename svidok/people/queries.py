"""Permission-aware reads of persons and organizations."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404

from svidok.accounts import rules
from svidok.people.merging import canonical, source_records
from svidok.people.models import NameVariant, Occupancy, Organization, Person


def visible_persons(user):
    return Person.objects.all() if rules.can(user, "person.view") else Person.objects.none()


def get_person_for_user(user, public_id: str) -> Person:
    try:
        return visible_persons(user).get(uuid=public_id)
    except (Person.DoesNotExist, ValidationError):
        raise Http404("No such person") from None


def get_organization_for_user(user, public_id: str) -> Organization:
    try:
        return visible_organizations(user).get(uuid=public_id)
    except (Organization.DoesNotExist, ValidationError):
        raise Http404("No such organization") from None


def visible_organizations(user):
    return Organization.objects.all() if rules.can(user, "organization.view") else Organization.objects.none()


def can_see_identity(user, person: Person) -> bool:
    """The real name behind a pseudonym: coordinators and admins only."""
    return not person.protected or rules.can(user, "person.identity")


def person_records(person: Person) -> dict:
    """What a person's page shows of the person itself: the records shown (a canonical person's
    linked records too; deduplication links records, it never merges their rows), the record
    this one is linked to, names and posts, each post citing its source."""
    if person.merged_into_id is not None:
        # A linked record's own page shows its own rows and points to the canonical person.
        records, linked_to = [person], canonical(person)
    else:
        records, linked_to = source_records(person), None
    names = (NameVariant.objects.filter(person__in=records, person__protected=False)
             .select_related("person").order_by("-primary", "person_id", "id"))
    return {
        "records": records,
        "linked_to": linked_to,
        "source_records": records[1:],
        "names": () if person.protected else names,
        "occupancies": Occupancy.objects.filter(person__in=records)
        .select_related("position__organization", "source", "person")
        .prefetch_related("position__organization__names")  # the organization's name in the reader's language
        .order_by("-start_date", "id"),
    }


def organization_posts(organization: Organization):
    """An organization's posts with their holders, each citing its source."""
    return organization.positions.prefetch_related(
        Prefetch("occupancies", queryset=Occupancy.objects.select_related("person", "source").order_by("-start_date", "id")))
