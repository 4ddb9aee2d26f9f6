"""How the audit history names the people app's records and the ids its entries hold
(``audit.display``). Registered in ``PeopleConfig.ready()``."""

from svidok.audit import display
from svidok.common.validation import is_uuid
from svidok.people.models import Organization, Person


def _names(model, field: str):
    def resolve(ids: set[str]) -> dict[str, str]:
        found = model.objects.filter(uuid__in=[v for v in ids if is_uuid(v)]).only("uuid", field)
        return {str(obj.uuid): getattr(obj, field) for obj in found}
    return resolve


def register() -> None:
    display.register_type("people.person", models=("people.Person", "people.PersonIdentity", "people.Consent"))
    display.register_type("people.organization", models=("people.Organization",),
                          vocabulary_keys={"kind": "perpetrator_type"})
    display.register_reference("organization", _names(Organization, "name"), keys=("parent", "by_organization"))
    # display_name never holds a protected person's real name.
    display.register_reference("person", _names(Person, "display_name"), keys=("by_person", "person"))
