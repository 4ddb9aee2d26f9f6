"""Permission-aware reads of persons and organizations."""

from django.core.exceptions import ValidationError
from django.http import Http404

from svidok.accounts import rules
from svidok.people.models import Organization, Person


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
