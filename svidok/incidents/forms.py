"""Input validation for the incident pages. Forms parse and check; services write."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from svidok.common.forms import DateInput, add_errors_once, pick_one
from svidok.common.forms import TermChoiceField as BaseTermChoiceField
from svidok.common.validation import is_uuid, public_id_in
from svidok.incidents import services
from svidok.incidents.models import DatePrecision, Election, ElectionFigure, Incident, Intervention, Place, Source, Term
from svidok.incidents.queries import filter_incidents
from svidok.people import freetext, suggest
from svidok.people import services as people_services
from svidok.people.models import PROTECTED_ROLES, Organization, Person
from svidok.search.api import matching_ids

PLACE_CODE = re.compile(r"^UA\d{17}$")
# Higher levels first: typing "Bakhchysarai" means the raion's town before a same-named village.
_CATEGORY_RANK = Case(
    *[When(category=c, then=Value(i)) for i, c in enumerate("OKPHMXCB")], default=Value(9), output_field=IntegerField()
)
PROTECTED_BY_DEFAULT = PROTECTED_ROLES


def terms(vocabulary: str):
    return Term.objects.filter(vocabulary__code=vocabulary, active=True).order_by("order", "code")


def TermChoiceField(vocabulary: str, **kwargs):  # noqa: N802 - used as a field class
    return BaseTermChoiceField(vocabulary, model=Term, **kwargs)


class ElectionChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Election.objects.order_by("-date"), to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.display_name} ({date_format(obj.date, 'DATE_FORMAT')})"  # the date in the reader's language


def resolve_place(text: str) -> Place | None:
    """A place from its KATOTTG code or any spelling of its name; ambiguity is a field error."""
    text = (text or "").strip()
    if not text:
        return None
    if PLACE_CODE.match(text.upper()):
        place = Place.objects.filter(code=text.upper()).first()
        if place is None:
            raise ValidationError(gettext("No place has the code %(code)s.") % {"code": text})
        return place
    candidates = list(
        Place.objects.filter(pk__in=matching_ids("place", text)).annotate(rank=_CATEGORY_RANK).order_by("rank", "name_uk")[:11]
    )
    exact = [p for p in candidates if text.casefold() in {p.name_uk.casefold(), p.name_latin.casefold(), p.name_ru.casefold()}]
    if len(exact) > 1 and exact[0].rank < exact[1].rank:
        return exact[0]
    return pick_one(
        candidates, exact, none=gettext("No place matches “%(text)s”.") % {"text": text},
        several=gettext("Several places match: %(names)s. Enter the KATOTTG code of the one you mean."),
        label=lambda p: f"{p.name} ({p.code})",
    )


def filter_with_place_names(queryset, params, *, match_text: bool = True):
    """The incident list's filters (``queries.filter_incidents``) with the place given by its code
    or by any spelling of its name, as people type it in the list, the map and the statistics.
    Returns the filtered queryset and the cleaned filters; a name that fits no place, or several,
    is a ValidationError on ``place``."""
    params = params.copy()
    place = (params.get("place") or "").strip()
    if place:
        try:
            params["place"] = resolve_place(place).code
        except ValidationError as exc:
            raise ValidationError({"place": exc.messages}) from None
    return filter_incidents(queryset, params, match_text=match_text)


def _party_by_id(value: str):
    """The person or organization with this public id, or None."""
    if not is_uuid(value):
        return None
    return Person.objects.filter(uuid=value).first() or Organization.objects.filter(uuid=value).first()


def resolve_party(text: str):
    """An existing person or organization from its id or name; none or several is a field error."""
    text = (text or "").strip()
    if public_id_in(text):
        text = public_id_in(text)
        found = Person.objects.filter(uuid=text).first() or Organization.objects.filter(uuid=text).first()
        if found is None:
            raise ValidationError(gettext("No person or organization has this id."))
        return found
    persons = list(Person.objects.filter(pk__in=matching_ids("person", text))[:11])
    organizations = list(Organization.objects.filter(pk__in=matching_ids("organization", text))[:11])
    candidates = persons + organizations
    exact = [c for c in candidates if c.display_name.casefold() == text.casefold()]
    return pick_one(
        candidates, exact,
        none=gettext("No person or organization matches “%(text)s”. To record a new one, leave this empty and fill in the name.")
        % {"text": text},
        several=gettext("Several match: %(names)s. Type the full name, or type it under “Name” and pick one with "
                        "“Use this person”."),
        label=lambda c: c.display_name,
    )


def resolve_source(text: str) -> Source:
    text = (text or "").strip()
    if is_uuid(text):
        found = Source.objects.filter(uuid=text).first()
        if found is None:
            raise ValidationError(gettext("No source has this id."))
        return found
    candidates = list(Source.objects.filter(Q(title__icontains=text) | Q(url=text))[:11])
    exact = [s for s in candidates if s.title.casefold() == text.casefold() or s.url == text]
    # The titles listed when several match are read as without clearance (this knows no reader):
    # a protected person's name in a title is not shown to whoever typed a part of it.
    names = freetext.Matcher([s.title for s in candidates])
    return pick_one(
        candidates, exact, none=gettext("No source matches “%(text)s”.") % {"text": text},
        several=gettext("Several sources match: %(names)s. Type the full title or the address."),
        label=lambda s: freetext.pseudonymize(s.title, names)[0],
    )


class IncidentForm(forms.Form):
    title = freetext.checked(forms.CharField(label=_("Title"), max_length=300))
    type = TermChoiceField("incident_type", label=_("Type"))
    date_start = forms.DateField(label=_("Date"), widget=DateInput())
    date_end = forms.DateField(label=_("Until"), required=False, widget=DateInput(), help_text=_("Only for a date range."))
    date_precision = forms.ChoiceField(label=_("Precision"), choices=DatePrecision.choices, initial=DatePrecision.DAY)
    place = forms.CharField(
        label=_("Place"), required=False, max_length=200,
        help_text=_("Settlement, hromada or raion: any spelling of its name, or its KATOTTG code."),
    )
    place_text = freetext.checked(forms.CharField(label=_("Place details"), required=False, max_length=300))
    election = ElectionChoiceField(label=_("Election"), required=False)
    narrative = freetext.checked(forms.CharField(label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 6})))
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Incident.Confidence.choices, initial=Incident.Confidence.MEDIUM)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Incident.Sensitivity.choices, initial=Incident.Sensitivity.INTERNAL)
    victim_count = forms.IntegerField(label=_("Number of victims"), required=False, min_value=0)
    legal_tags = forms.ModelMultipleChoiceField(
        label=_("Legal qualification"), required=False, queryset=terms("legal_qualification"), to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_tags"].label_from_instance = lambda t: t.label

    @classmethod
    def initial_for(cls, incident: Incident) -> dict:
        return {
            "title": incident.title, "type": incident.type.code, "date_start": incident.date_start, "date_end": incident.date_end,
            "date_precision": incident.date_precision, "place": incident.place.code if incident.place_id else "",
            "place_text": incident.place_text, "election": incident.election.uuid if incident.election_id else None,
            "narrative": incident.narrative, "confidence": incident.confidence, "sensitivity": incident.sensitivity,
            "victim_count": incident.victim_count, "legal_tags": [t.code for t in incident.legal_tags.all()],
            "tags": ", ".join(t.name for t in incident.tags.all()),
        }

    def clean_place(self):
        return resolve_place(self.cleaned_data.get("place"))

    def clean(self):
        data = super().clean()
        # The use case's own rules (the end not before the start, a range with its end, tags) are
        # checked here too, so that they are shown with every other error of the same submit
        # instead of after the fields are right (the service checks them again when it writes).
        fields = {k: data.get(k) for k in services.INCIDENT_FIELDS if k in data}
        try:
            services.check_incident(fields, data.get("legal_tags"), data.get("tags"))
        except ValidationError as exc:
            add_errors_once(self, exc)
        return data

    def clean_tags(self):
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {k: data[k] for k in ("title", "type", "date_start", "date_end", "date_precision", "place", "place_text",
                                       "election", "narrative", "confidence", "sensitivity", "victim_count")}
        return fields


class RowForm(forms.Form):
    """One row of a formset on the incident form: an existing record, or a new one, never both.

    ``row`` (hidden) names the record an existing row shows: the involvement's id, or the source
    link's; a row without it is a new one."""

    row = forms.CharField(required=False, widget=forms.HiddenInput)

    # A row counts as filled when the user typed or chose something in it; the selects that
    # always carry a value (kind of party, protection, grading) do not make an empty row "changed".
    FILLED_BY: tuple[str, ...] = ()

    def has_changed(self):
        if self.is_existing:
            return super().has_changed()
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.FILLED_BY)

    @property
    def is_existing(self) -> bool:
        value = self.data.get(self.add_prefix("row")) if self.is_bound else self.initial.get("row")
        return bool((value or "").strip())

    def _delete_ticked(self) -> bool:
        return self.is_bound and bool(self.data.get(self.add_prefix("DELETE")))

    @property
    def number(self) -> int:
        """The row's number in its list, from 1 (the legend's)."""
        return int(self.prefix.rsplit("-", 1)[-1]) + 1

    def existing_or_new(self, data: dict, new_field: str, *, found_as: str, resolve, both: str, neither: str) -> bool:
        """Exactly one of ``existing`` and ``new_field``; an existing record is resolved into ``data[found_as]``.

        True when the row names a new record (its own fields are then checked by the caller).
        """
        existing, new = (data.get("existing") or "").strip(), (data.get(new_field) or "").strip()
        if existing and new:
            self.add_error(new_field, both)
        elif not existing and not new:
            self.add_error(new_field, neither)
        elif existing:
            try:
                data[found_as] = resolve(existing)
            except ValidationError as exc:
                self.add_error("existing", exc)
        else:
            return True
        return False


class InvolvementForm(RowForm):
    """One row: an existing party, or a new person/organization, in a role."""

    PROTECTED_CHOICES = [("auto", _("Automatic: yes for victims and witnesses")), ("yes", _("Yes")), ("no", _("No"))]

    existing = forms.CharField(
        label=_("Existing person or organization"), required=False, max_length=300,
        help_text=_("Its full name, or the address of its page. Leave empty to record a new one below."),
    )
    party_kind = forms.ChoiceField(
        label=_("New party is"), choices=[("person", _("a person")), ("organization", _("an organization"))], initial="person",
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    protected = forms.ChoiceField(label=_("Protected identity"), choices=PROTECTED_CHOICES, initial="auto")
    role = TermChoiceField("involvement_role", label=_("Role"), required=False)
    perpetrator_type = TermChoiceField("perpetrator_type", label=_("Perpetrator type"), required=False)
    details = freetext.checked(forms.CharField(label=_("Details"), required=False, max_length=500))
    # The id of the party "use this person" picked: the text field shows its name (never an id,
    # docs/wording.md) and the id rides along hidden, so that a name shared by several still
    # names the one picked.
    picked = forms.CharField(required=False, widget=forms.HiddenInput)

    FILLED_BY = ("existing", "name", "role", "perpetrator_type", "details")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new person's name is matched against the registry: likely existing persons are shown
        # under the field, and the row names one of them ("use this person") or is confirmed new.
        suggest.attach(self, "name", pick_url=reverse("incidents:person_pick"))
        used = (self.data.get(self.add_prefix(suggest.USE)) or "").strip() if self.is_bound else ""
        if used:
            party = _party_by_id(used)
            self.data = self.data.copy()
            self.data[self.add_prefix("existing")] = party.display_name if party is not None else used
            self.data[self.add_prefix("picked")] = used
            self.data[self.add_prefix("name")] = ""

    def _resolve(self, text: str):
        """The picked party while the field still shows its name; else the party the text names."""
        picked = _party_by_id((self.data.get(self.add_prefix("picked")) or "").strip())
        if picked is not None and text == picked.display_name:
            return picked
        return resolve_party(text)

    def clean(self):
        data = super().clean()
        if self._delete_ticked():
            return data  # removed: whatever the row says does not matter
        is_new = self.existing_or_new(
            data, "name", found_as="party", resolve=self._resolve,
            both=gettext("Either pick an existing person or organization, or enter a new name, not both."),
            neither=gettext("Enter a name, or pick an existing person or organization."),
        )
        if is_new:
            try:
                people_services.validate_name("name", data["name"], kind=data.get("party_kind") or "person")
            except ValidationError as exc:
                add_errors_once(self, exc)
        if is_new and "name" not in self.errors and data.get("party_kind") == "person" and not suggest.check(self, data["name"]):
            self.add_error("name", gettext(
                "Persons already recorded may be the one you mean (below): use one of them, or tick "
                "“create a new person anyway” and save again."))
        if not data.get("role") and "role" not in self.errors:
            self.add_error("role", gettext("A role is required."))
        return data

    def is_protected(self) -> bool:
        choice = self.cleaned_data.get("protected", "auto")
        if choice == "auto":
            role = self.cleaned_data.get("role")
            return role is not None and role.code in PROTECTED_BY_DEFAULT
        return choice == "yes"


class SourceForm(RowForm):
    """One row: an existing source, or a new one with its grading."""

    existing = forms.CharField(
        label=_("Existing source"), required=False, max_length=500,
        help_text=_("Its full title, URL or id. Leave empty to record a new one below."),
    )
    title = freetext.checked(forms.CharField(label=_("Source title"), required=False, max_length=500))
    kind = TermChoiceField("source_type", label=_("Source type"), required=False)
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=300)
    author = forms.CharField(label=_("Author"), required=False, max_length=300)
    url = forms.URLField(label=_("URL"), required=False, max_length=2000, assume_scheme="https")
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DateInput())
    reliability = forms.ChoiceField(label=_("Reliability"), choices=Source.Reliability.choices, initial=Source.Reliability.F)
    credibility = forms.TypedChoiceField(
        label=_("Credibility"), coerce=int, initial=6,
        choices=[(1, _("1 — confirmed")), (2, _("2 — probably true")), (3, _("3 — possibly true")),
                 (4, _("4 — doubtful")), (5, _("5 — improbable")), (6, _("6 — cannot be judged"))],
    )
    excerpt = freetext.checked(forms.CharField(label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 3})))
    note = freetext.checked(forms.CharField(label=_("What it says about the incident"), required=False, max_length=500))

    FILLED_BY = ("existing", "title", "kind", "publisher", "author", "url", "published_on", "excerpt", "note")

    def clean(self):
        data = super().clean()
        if self.is_existing or self._delete_ticked():
            return data  # an existing link: only its note and its removal are edited here
        is_new = self.existing_or_new(
            data, "title", found_as="source", resolve=resolve_source,
            both=gettext("Either pick an existing source, or enter a new title, not both."),
            neither=gettext("Enter a title, or pick an existing source."),
        )
        if is_new and not data.get("kind") and "kind" not in self.errors:
            self.add_error("kind", gettext("A source type is required."))
        if is_new:
            try:
                services.validate_source(self.service_fields())
            except ValidationError as exc:
                add_errors_once(self, exc)
        return data

    def service_fields(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("title", "kind", "publisher", "author", "url", "published_on",
                                                      "reliability", "credibility", "excerpt")}


class RowFormSet(forms.BaseFormSet):
    """The rows of one list on the incident form: the existing ones first, then new ones; each
    can be ticked for removal in place. One blank row when there is none at all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.extra = 0 if self.initial else 1

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this row")

    def filled(self) -> list:
        """The rows to write: new rows with something typed in them and changed existing rows, not the removed."""
        return [row for row in self.forms if row.has_changed() and not self._should_delete_form(row)]

    def removed(self) -> list:
        """The existing rows ticked for removal."""
        return [row for row in self.forms if row.is_existing and self._should_delete_form(row)]

    def with_row_added(self, data):
        """A copy of ``data`` with one more row in this list (the "add another" button without JavaScript)."""
        data = data.copy()
        key = self.management_form.add_prefix(forms.formsets.TOTAL_FORM_COUNT)
        data[key] = str(min(self.total_form_count() + 1, self.max_num))
        return data


InvolvementFormSet = forms.formset_factory(InvolvementForm, formset=RowFormSet, extra=0, max_num=50, validate_max=True, can_delete=True)
SourceFormSet = forms.formset_factory(SourceForm, formset=RowFormSet, extra=0, max_num=50, validate_max=True, can_delete=True)


class IncidentFilterForm(forms.Form):
    """The list filters; the values are handed to ``filter_incidents`` as they are."""

    SORT_CHOICES = [
        ("-date", _("Newest first")), ("date", _("Oldest first")), ("reference", _("Reference")),
        ("title", _("Title")), ("status", _("Status")), ("-updated", _("Recently changed")),
    ]

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("any"))] + list(Incident.Status.choices))
    date_from = forms.CharField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.CharField(label=_("To"), required=False, widget=DateInput())
    place = forms.CharField(label=_("Place or raion"), required=False, max_length=200)
    election = forms.ChoiceField(label=_("Election"), required=False)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), required=False, choices=[("", _("any"))] + list(Incident.Sensitivity.choices))
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    published = forms.ChoiceField(label=_("On the public site"), required=False, choices=[
        ("", _("any")), ("yes", _("published on the public site")), ("no", _("not on the public site"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, elections=None, **kwargs):
        """``elections``: those the user may see (every election when not given)."""
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("any"))] + [(t.code, t.label) for t in terms("incident_type")]
        elections = Election.objects.all() if elections is None else elections
        self.fields["election"].choices = [("", _("any"))] + [
            (str(e.uuid), f"{e.display_name} ({e.date:%Y})") for e in elections.order_by("-date")
        ]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(forms.Form):
    reason = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DuplicateForm(forms.Form):
    original = forms.CharField(label=_("Duplicate of (reference)"), max_length=20, help_text=_("e.g. SV-2018-000123"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_original(self):
        return self.cleaned_data["original"].strip().upper()


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SourceRecordForm(forms.Form):
    """A source on its own page: every field the service takes."""

    title = freetext.checked(forms.CharField(label=_("Title"), max_length=500))
    kind = TermChoiceField("source_type", label=_("Source type"))
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=300)
    author = forms.CharField(label=_("Author"), required=False, max_length=300)
    url = forms.URLField(label=_("URL"), required=False, max_length=2000, assume_scheme="https")
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DateInput())
    accessed_on = forms.DateField(label=_("Accessed on"), required=False, widget=DateInput())
    language = forms.CharField(label=_("Language"), required=False, max_length=8, help_text=_("A code: uk, ru, crh, en..."))
    reliability = forms.ChoiceField(label=_("Reliability"), choices=Source.Reliability.choices, initial=Source.Reliability.F)
    credibility = SourceForm.base_fields["credibility"]
    excerpt = freetext.checked(forms.CharField(label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 4})))
    notes = freetext.checked(forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})))

    FIELDS = ("kind", "title", "publisher", "author", "url", "published_on", "accessed_on", "language",
              "reliability", "credibility", "excerpt", "notes")

    @classmethod
    def initial_for(cls, source: Source) -> dict:
        return {name: getattr(source, name) for name in cls.FIELDS} | {"kind": source.kind.code}

    def clean(self):
        data = super().clean()
        # The use case's rules across fields ("accessed before it was published") with the fields' own errors.
        try:
            services.validate_source({k: data.get(k) for k in self.FIELDS})
        except ValidationError as exc:
            add_errors_once(self, exc)
        return data

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.FIELDS}


def resolve_references(text: str, visible) -> list:
    """Incidents from references separated by commas, spaces or lines; unknown or invisible ones are a field error."""
    references = [r.upper() for r in re.split(r"[\s,;]+", text or "") if r]
    found = {i.reference: i for i in visible.filter(reference__in=references)}
    missing = [r for r in references if r not in found]
    if missing:
        raise ValidationError(gettext("No incident has the reference %(refs)s.") % {"refs": ", ".join(missing)})
    return [found[r] for r in dict.fromkeys(references)]


class InterventionForm(forms.Form):
    kind = TermChoiceField("intervention_type", label=_("Type"))
    title = freetext.checked(forms.CharField(label=_("Title"), max_length=300))
    by = forms.CharField(label=_("By"), required=False, max_length=300,
                         help_text=_("The person or organization that acted: its full name or id."))
    addressee = forms.CharField(label=_("Addressed to"), required=False, max_length=300)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=Intervention.Status.choices, initial=Intervention.Status.DONE)
    incidents = forms.CharField(label=_("Incidents"), required=False, max_length=2000,
                                help_text=_("References such as SV-2018-000123, separated by commas."))
    description = freetext.checked(forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})))

    def __init__(self, *args, visible_incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible_incidents = visible_incidents

    def clean_by(self):
        text = (self.cleaned_data.get("by") or "").strip()
        return resolve_party(text) if text else None

    def clean_incidents(self):
        return resolve_references(self.cleaned_data.get("incidents"), self.visible_incidents)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        party = data.get("by")
        is_person = party is not None and party._meta.model_name == "person"
        return {"kind": data["kind"], "title": data["title"], "description": data["description"], "addressee": data["addressee"],
                "date": data["date"], "status": data["status"],
                "by_person": party if is_person else None, "by_organization": party if party is not None and not is_person else None}


class ElectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    name_uk = forms.CharField(label=_("Name in Ukrainian"), required=False, max_length=300)
    kind = forms.CharField(label=_("Kind"), required=False, max_length=40, help_text=_("e.g. presidential, regional, referendum"))
    date = forms.DateField(label=_("Voting day"), widget=DateInput())
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200,
                                help_text=_("Region or raion from the gazetteer: any spelling of its name, or its KATOTTG code."))
    territory_text = forms.CharField(label=_("Territory as described"), required=False, max_length=300)
    notes = freetext.checked(forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})))

    def clean_territory(self):
        return resolve_place(self.cleaned_data.get("territory"))

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class FigureForm(forms.Form):
    metric = forms.ChoiceField(label=_("Figure"), choices=ElectionFigure.Metric.choices)
    comparator = forms.ChoiceField(label=_("Comparator"), choices=ElectionFigure.Comparator.choices, initial=ElectionFigure.Comparator.EQ)
    value = forms.DecimalField(label=_("Value"), max_digits=7, decimal_places=2)
    official = forms.TypedChoiceField(label=_("Official"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Yes: published by the organizers")), ("no", _("No: an estimate"))])
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200,
                                help_text=_("Any spelling of its name, or its KATOTTG code."))
    territory_text = forms.CharField(label=_("Territory as described"), required=False, max_length=200)
    population_group = forms.CharField(label=_("Population group"), required=False, max_length=200, help_text=_("e.g. Crimean Tatars"))
    claimed_by = forms.CharField(label=_("Claimed by"), required=False, max_length=200)
    source = forms.CharField(label=_("Source"), required=False, max_length=500, help_text=_("Its full title, URL or id."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_territory(self):
        return resolve_place(self.cleaned_data.get("territory"))

    def clean_source(self):
        text = (self.cleaned_data.get("source") or "").strip()
        return resolve_source(text) if text else None

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)
