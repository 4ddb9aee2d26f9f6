"""How the audit history names the incidents app's records, terms and the ids its entries hold
(``audit.display``). Registered in ``IncidentsConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from svidok.audit import display
from svidok.common.validation import is_uuid
from svidok.incidents.models import Election, Place, Source, Term


def _terms(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    vocabularies = {v for v, _code in pairs}
    codes = {code for _v, code in pairs}
    found = Term.objects.filter(vocabulary__code__in=vocabularies, code__in=codes).select_related("vocabulary")
    return {(term.vocabulary.code, term.code): term.label for term in found}


def _places(codes: set[str]) -> dict[str, str]:
    return {p.code: p.name for p in Place.objects.filter(code__in=codes).only("code", "name_uk", "name_latin")}


def _by_uuid(model, fields: tuple[str, ...], name):
    def resolve(ids: set[str]) -> dict[str, str]:
        found = model.objects.filter(uuid__in=[v for v in ids if is_uuid(v)]).only("uuid", *fields)
        return {str(obj.uuid): name(obj) for obj in found}
    return resolve


def register() -> None:
    display.register_type("incidents.incident", models=("incidents.Incident",),
                          vocabulary_keys={"type": "incident_type", "legal_tags": "legal_qualification"})
    display.register_type("incidents.source", models=("incidents.Source",), vocabulary_keys={"kind": "source_type"})
    display.register_type("incidents.intervention", models=("incidents.Intervention",),
                          vocabulary_keys={"kind": "intervention_type"}, source_keys=("source",))
    display.register_type("incidents.election", models=("incidents.Election",), source_keys=("source",))
    display.register_type("incidents.case", models=("incidents.Case",))
    display.register_labels({"shared_with": _("Shared with"), "named_access": _("May see this restricted incident"),
                             "second_person": _("Checked by a second person"),
                             "withdrawal_reason": _("Why it was withdrawn from the public site")})
    # An involvement's role and perpetrator type read the same in every record's history.
    display.register_type("*", vocabulary_keys={"role": "involvement_role", "perpetrator_type": "perpetrator_type"})
    display.register_terms(_terms)
    display.register_reference("place", _places, keys=("place", "territory"))
    display.register_reference("election", _by_uuid(Election, ("name", "name_uk"), lambda e: e.display_name), keys=("election",))
    display.register_reference("source", _by_uuid(Source, ("title",), lambda s: s.title))
