"""Input validation for the person and organization pages. Forms parse and check; services write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from svidok.common import extensions
from svidok.common.forms import DateInput, TermChoiceField, pick_one
from svidok.common.validation import check_not_future, public_id_in
from svidok.people import freetext, services, suggest
from svidok.people.models import Consent, NameVariant, Organization
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
    description = freetext.checked(forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})))
    other_names = forms.CharField(label=_("Other names"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    contacts = forms.CharField(label=_("Contacts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    identifiers = forms.CharField(label=_("Identifiers"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("passport, tax number, ..."))
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Identity notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Kept sealed with the identity; only those who may see identities read them."))

    IDENTITY = ("other_names", "birth_date", "contacts", "identifiers", "address", "notes")

    def __init__(self, *args, identity: bool, editing: bool = False, protected_locked: bool = False,
                 check_existing: bool = False, sealed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Editing a protected person: the identity is not shown on a page load (it is revealed on the
        # person's page, with a reason); its fields come empty and an empty field keeps what is stored.
        self.sealed = sealed
        # A new person's name is matched against the registry first (people.suggest).
        self.suggest_box = suggest.attach(self, "name") if check_existing else None
        if not identity:
            for name in self.IDENTITY:
                del self.fields[name]
            if editing:
                # The name is an identity field; without the right to see it, it is neither shown nor changed.
                del self.fields["name"]
        elif editing:
            self.fields["name"].label = _("Full name")
            if sealed:
                for name in ("name", *self.IDENTITY):
                    self.fields[name].required = False
                    self.fields[name].help_text = _("Not shown here. Type a new value to replace it; leave empty to keep it.")
        if protected_locked:
            # Lifting protection shows the real name to everybody: only those who may see it decide that.
            self.fields["protected"].disabled = True
            self.fields["protected"].help_text = _("Only a coordinator can lift the protection.")

    def clean(self):
        data = super().clean()
        name = data.get("name")
        # The service's own checks of the name and the birth date, shown with the other fields' errors.
        for field, check in (("name", lambda: name and services.validate_name("name", name)),
                             ("birth_date", lambda: check_not_future("birth_date", data.get("birth_date")))):
            if field in self.fields and field not in self.errors:
                try:
                    check()
                except ValidationError as exc:
                    self.add_error(field, exc.message_dict.get(field, exc.messages))
        if "name" not in self.errors and self.suggest_box is not None and name and not suggest.check(self, name, birth_date=data.get("birth_date")):
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
        if self.sealed:  # fields left empty keep the stored values
            data = {k: v for k, v in data.items() if v not in (None, "")}
        return data


class NameVariantForm(forms.Form):
    name = forms.CharField(label=_("Name variant"), max_length=300)
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGE_CHOICES)
    script = forms.ChoiceField(label=_("Script"), required=False, choices=SCRIPT_CHOICES)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameVariant.Kind.choices, initial=NameVariant.Kind.OFFICIAL)
    origin = forms.CharField(label=_("Origin"), required=False, max_length=300, help_text=_("Where this spelling comes from."))

    def variant(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "lang", "script", "kind", "origin")}


class ConsentForm(forms.Form):
    """A protected person's consent, as a monitor records it (``people.consent.record_consent`` checks it)."""

    purpose = forms.ChoiceField(label=_("What the person agreed to"), choices=[("", "—"), *Consent.Purpose.choices])
    partner = forms.CharField(
        label=_("Partner"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"list": "consent-partners", "autocomplete": "off"}),
        help_text=_("Only for sharing with a named partner: the organisation as the person named it."))
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    method = forms.ChoiceField(label=_("How it was obtained"), choices=[("", "—"), *Consent.Method.choices])
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the signed form is kept, who witnessed it. Sealed: only those who may see identities read it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The partners named so far, offered as the user types (one spelling for each).
        self.fields["partner"].after_template = "people/_partner_list.html"

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("purpose", "partner", "given_on", "method", "note")}


class ConsentWithdrawalForm(forms.Form):
    """The withdrawal of one consent (``people.consent.withdraw_consent`` checks it)."""

    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())
    method = forms.ChoiceField(label=_("How it was withdrawn"), choices=[("", "—"), *Consent.Method.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Sealed: only those who may see identities read it."))

    # The service names the withdrawal's own fields; the form calls them as the user reads them.
    FIELD_MAP = {"withdrawal_method": "method", "withdrawal_note": "note"}

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("withdrawn_on", "method", "note")}


def resolve_organization(text: str, *, exclude: Organization | None = None) -> Organization | None:
    """An organization from its id or any spelling of its name; none or several is a field error."""
    text = (text or "").strip()
    if not text:
        return None
    queryset = Organization.objects.exclude(pk=exclude.pk) if exclude is not None else Organization.objects.all()
    found = queryset.filter(uuid=public_id_in(text)).first() if public_id_in(text) else None
    if found is not None:
        return found
    candidates = list(queryset.filter(pk__in=matching_ids("organization", text))[:11])
    exact = [c for c in candidates if c.name.casefold() == text.casefold()]
    return pick_one(
        candidates, exact, none=gettext("No organization matches “%(text)s”.") % {"text": text},
        several=gettext("Several match: %(names)s. Type the full name, or paste the address of the record's page."),
        label=lambda c: c.name,
    )


def resolve_place(text: str):
    """A place from its code or any spelling of its name: the gazetteer's app (above) answers."""
    if not (text or "").strip():
        return None
    answers = extensions.ask("places.resolve", text)
    if not answers:
        raise ValidationError(gettext("Places cannot be looked up here."))
    return answers[0]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = TermChoiceField("perpetrator_type", model=Organization.kind.field.related_model, label=_("Type"), required=False)
    parent = forms.CharField(label=_("Part of"), required=False, max_length=500,
                             help_text=_("The parent organization: any spelling of its name, or its id."))
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_("Settlement, hromada or raion: any spelling of its name, or its KATOTTG code."))
    description = freetext.checked(forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})))
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

    def clean_name(self):
        # The service's check of an organization's name, shown with the other fields' errors.
        name = self.cleaned_data.get("name")
        try:
            services.validate_name("name", name, kind="organization")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["name"]) from None
        return name

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "kind", "parent", "place", "description")}

    def names(self) -> list[dict]:
        lines = (self.cleaned_data.get("other_names") or "").splitlines()
        return [{"name": line.strip()} for line in lines if line.strip()]


# --- sanctions proposals ---------------------------------------------------------------------------------
