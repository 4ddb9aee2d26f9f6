"""How the audit history names the people app's records and the ids its entries hold
(``audit.display``). Registered in ``PeopleConfig.ready()``."""

from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.audit import display
from svidok.audit.services import texts_in
from svidok.common import extensions
from svidok.common.validation import is_uuid
from svidok.people import freetext
from svidok.people.models import Organization, Person


def _names(model, field: str):
    def resolve(ids: set[str]) -> dict[str, str]:
        found = model.objects.filter(uuid__in=[v for v in ids if is_uuid(v)]).only("uuid", field)
        return {str(obj.uuid): getattr(obj, field) for obj in found}
    return resolve



def withhold_entry(actor, entry) -> str:
    """Why ``actor`` may not read an audit entry's content (``accounts.audit_log``): the log keeps
    texts as written, and one names a protected person while ``actor`` may not see identities."""
    if rules.can(actor, "person.identity"):
        return ""
    texts = [entry.object_repr, *texts_in(entry.changes)]
    matcher = freetext.Matcher(texts)
    if matcher and any(freetext.pseudonymize(t, matcher)[1] for t in texts):
        return _("It names a protected person, and you may not see identities.")
    return ""


def register() -> None:
    extensions.provide("audit.withhold_entry", withhold_entry)
    display.register_type("people.person", models=("people.Person", "people.PersonIdentity", "people.Consent"))
    display.register_type("people.organization", models=("people.Organization",),
                          vocabulary_keys={"kind": "perpetrator_type"})
    display.register_reference("organization", _names(Organization, "name"), keys=("parent", "by_organization"))
    # display_name never holds a protected person's real name.
    display.register_reference("person", _names(Person, "display_name"), keys=("by_person", "person"))
