"""Input validation for the person and organization pages. Forms parse and check; services write."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from svidok.common.validation import is_uuid
from svidok.incidents.forms import DateInput, TermChoiceField, pick_one, resolve_place, resolve_source
from svidok.people import suggest
from svidok.people.models import Listing, NameVariant, Organization, Person, ReferenceEntity
from svidok.search.api import matching_ids

LANGUAGE_CHOICES = [("", "—"), ("uk", _("Ukrainian")), ("ru", _("Russian")), ("crh", _("Crimean Tatar")), ("en", _("English"))]
SCRIPT_CHOICES = [("", _("detect from the name")), ("Cyrl", _("Cyrillic")), ("Latn", _("Latin"))]


class PersonForm(forms.Form):
    """What every editor may change about a person; identity fields are added for those allowed to see them."""

    name = forms.CharField(label=_("Name"), max_length=300,
                           help_text=_("For a protected person this stays in the identity record; others see a pseudonym."))
    protected = forms.BooleanField(label=_("Protected identity"), required=False,
                                   help_text=_("Shown by a pseudonym. On by default for victims and witnesses."))
    gender = forms.CharField(label=_("Gender"), required=False, max_length=16)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    other_names = forms.CharField(label=_("Other names"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    contacts = forms.CharField(label=_("Contacts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    identifiers = forms.CharField(label=_("Identifiers"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("passport, tax number, ..."))
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    IDENTITY = ("other_names", "birth_date", "contacts", "identifiers", "address")

    def __init__(self, *args, identity: bool, editing: bool = False, protected_locked: bool = False,
                 check_existing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A new person's name is matched against the registry first (people.suggest).
        self.suggest_box = suggest.attach(self, "name", pick=False) if check_existing else None
        if not identity:
            for name in self.IDENTITY:
                del self.fields[name]
            if editing:
                # The name is an identity field; without the right to see it, it is neither shown nor changed.
                del self.fields["name"]
        elif editing:
            self.fields["name"].label = _("Full name")
        if protected_locked:
            # Lifting protection shows the real name to everybody: only those who may see it decide that.
            self.fields["protected"].disabled = True
            self.fields["protected"].help_text = _("Only a coordinator can lift the protection.")

    def clean(self):
        data = super().clean()
        name = data.get("name")
        if self.suggest_box is not None and name and not suggest.check(self, name, birth_date=data.get("birth_date")):
            self.add_error("name", gettext(
                "Persons already recorded may be the one you mean (below). Open the one it is, or tick "
                "“create a new person anyway” and save again."))
        return data

    def person_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("protected", "gender", "description")}

    def identity_fields(self) -> dict:
        data = {k: self.cleaned_data[k] for k in self.IDENTITY if k in self.cleaned_data}
        if "name" in self.cleaned_data and "name" in self.fields:
            data["full_name"] = self.cleaned_data["name"]
        return data


class NameVariantForm(forms.Form):
    name = forms.CharField(label=_("Name variant"), max_length=300)
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGE_CHOICES)
    script = forms.ChoiceField(label=_("Script"), required=False, choices=SCRIPT_CHOICES)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameVariant.Kind.choices, initial=NameVariant.Kind.OFFICIAL)
    origin = forms.CharField(label=_("Origin"), required=False, max_length=300, help_text=_("Where this spelling comes from."))

    def variant(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "lang", "script", "kind", "origin")}


def resolve_organization(text: str, *, exclude: Organization | None = None) -> Organization | None:
    """An organization from its id or any spelling of its name; none or several is a field error."""
    text = (text or "").strip()
    if not text:
        return None
    queryset = Organization.objects.exclude(pk=exclude.pk) if exclude is not None else Organization.objects.all()
    found = queryset.filter(uuid=text).first() if is_uuid(text) else None
    if found is not None:
        return found
    candidates = list(queryset.filter(pk__in=matching_ids("organization", text))[:11])
    exact = [c for c in candidates if c.name.casefold() == text.casefold()]
    return pick_one(
        candidates, exact, none=gettext("No organization matches “%(text)s”.") % {"text": text},
        several=gettext("Several match: %(names)s. Type the full name or the id."),
        label=lambda c: f"{c.name} ({c.public_id})",
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = TermChoiceField("perpetrator_type", label=_("Type"), required=False)
    parent = forms.CharField(label=_("Part of"), required=False, max_length=500,
                             help_text=_("The parent organization: any spelling of its name, or its id."))
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_("Settlement, hromada or raion: any spelling of its name, or its KATOTTG code."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    other_names = forms.CharField(label=_("Other spellings"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("One per line, e.g. the name in Russian or Ukrainian."))

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        if organization is not None:
            # Variants of an existing organization are added one by one, with language and origin.
            del self.fields["other_names"]

    @classmethod
    def initial_for(cls, organization: Organization) -> dict:
        return {"name": organization.name, "kind": organization.kind.code if organization.kind_id else None,
                "parent": organization.parent.name if organization.parent_id else "",
                "place": organization.place.code if organization.place_id else "", "description": organization.description}

    def clean_parent(self):
        return resolve_organization(self.cleaned_data.get("parent"), exclude=self.organization)

    def clean_place(self):
        return resolve_place(self.cleaned_data.get("place"))

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "kind", "parent", "place", "description")}

    def names(self) -> list[dict]:
        lines = (self.cleaned_data.get("other_names") or "").splitlines()
        return [{"name": line.strip()} for line in lines if line.strip()]


# --- sanctions proposals ---------------------------------------------------------------------------------


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300,
                            help_text=_("e.g. Organizers of the 2018 presidential election in occupied Crimea"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


def resolve_member(text: str):
    """A person or organization for a proposal, from its id or any spelling of its name."""
    text = (text or "").strip()
    if is_uuid(text):
        found = Person.objects.filter(uuid=text).first() or Organization.objects.filter(uuid=text).first()
        if found is None:
            raise forms.ValidationError(gettext("No person or organization has this id."))
        return found
    persons = list(Person.objects.filter(pk__in=matching_ids("person", text))[:11])
    organizations = list(Organization.objects.filter(pk__in=matching_ids("organization", text))[:11])
    candidates = persons + organizations
    exact = [c for c in candidates if c.display_name.casefold() == text.casefold()]
    return pick_one(
        candidates, exact, none=gettext("No person or organization matches “%(text)s”.") % {"text": text},
        several=gettext("Several match: %(names)s. Type the full name or the id."),
        label=lambda c: f"{c.display_name} ({c.public_id})",
    )


class MemberForm(forms.Form):
    party = forms.CharField(label=_("Person or organization"), max_length=500,
                            help_text=_("Any spelling of the name, or the id."))

    def clean_party(self):
        return resolve_member(self.cleaned_data.get("party"))

    def service_fields(self) -> dict:
        party = self.cleaned_data["party"]
        return {"person": party} if isinstance(party, Person) else {"organization": party}


class GroundsForm(forms.Form):
    """A member's grounds: the statement of reasons and the posts, incidents and sources it rests on."""

    grounds = forms.CharField(label=_("Statement of reasons"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    occupancies = forms.ModelMultipleChoiceField(label=_("Positions held"), required=False, queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    incidents = forms.ModelMultipleChoiceField(label=_("Incidents (as perpetrator or instigator)"), required=False,
                                               queryset=None, widget=forms.CheckboxSelectMultiple, to_field_name="reference")
    sources = forms.ModelMultipleChoiceField(label=_("Further sources"), required=False, queryset=None,
                                             widget=forms.CheckboxSelectMultiple, to_field_name="uuid")
    other_source = forms.CharField(label=_("Another source"), required=False, max_length=500,
                                   help_text=_("Title, URL or id of a recorded source to add."))

    def __init__(self, *args, occupancies, incidents, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupancies"].queryset = occupancies
        self.fields["occupancies"].label_from_instance = lambda o: (
            f"{o.position.title}, {o.position.organization.name} ({o.start_date or '?'} – {o.end_date or ''})")
        self.fields["incidents"].queryset = incidents
        self.fields["incidents"].label_from_instance = lambda i: f"{i.reference} · {i.title} ({i.date_start})"
        self.fields["sources"].queryset = sources
        self.fields["sources"].label_from_instance = lambda s: f"{s.title}{', ' + s.publisher if s.publisher else ''}"
        if not occupancies.exists():
            del self.fields["occupancies"]

    def clean_other_source(self):
        text = self.cleaned_data.get("other_source")
        return resolve_source(text) if (text or "").strip() else None

    def chosen_sources(self) -> list:
        sources = list(self.cleaned_data["sources"])
        extra = self.cleaned_data.get("other_source")
        return sources + ([extra] if extra is not None and extra not in sources else [])


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note (optional)"), required=False, max_length=2000)


class ListingForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"))
    jurisdiction_other = forms.CharField(label=_("Other jurisdiction"), required=False, max_length=100,
                                         help_text=_("For “other”: e.g. Canada, Switzerland."))
    status = forms.ChoiceField(label=_("Status"))
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput(),
                           help_text=_("Of the status: the submission, listing or delisting. Required for listed and delisted."))
    legal_act = forms.CharField(label=_("Legal act"), required=False, max_length=300,
                                help_text=_("e.g. Council Implementing Regulation (EU) 2018/705"))
    reference_entity = forms.CharField(label=_("Entry in an imported list"), required=False, max_length=300,
                                       help_text=_("list name and the list's own record id, e.g. eu-269:EU.5178.38"))
    source = forms.CharField(label=_("Source"), required=False, max_length=500, help_text=_("Title, URL or id of a recorded source."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = Listing.Jurisdiction.choices
        self.fields["status"].choices = Listing.Status.choices

    def clean_reference_entity(self):
        text = (self.cleaned_data.get("reference_entity") or "").strip()
        if not text:
            return None
        name, _sep, record_id = text.partition(":")
        found = ReferenceEntity.objects.filter(reference_list__name=name.strip(), record_id=record_id.strip()).first()
        if found is None:
            raise forms.ValidationError(gettext("No entry “%(id)s” in a list “%(list)s”.") % {"id": record_id.strip(), "list": name.strip()})
        return found

    def clean_source(self):
        text = self.cleaned_data.get("source")
        return resolve_source(text) if (text or "").strip() else None

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class SubmitForm(forms.Form):
    jurisdictions = forms.MultipleChoiceField(label=_("Submitted to"), required=False, widget=forms.CheckboxSelectMultiple)
    date = forms.DateField(label=_("Date of submission"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdictions"].choices = [c for c in Listing.Jurisdiction.choices if c[0] != Listing.Jurisdiction.OTHER]


class ReopenProposalForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
