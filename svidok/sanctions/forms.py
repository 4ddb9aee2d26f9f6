"""Forms of the sanctions pages: proposals, members and their grounds, reviews, listings."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from svidok.common.forms import DateInput, add_errors_once, pick_one
from svidok.common.validation import public_id_in
from svidok.incidents.forms import resolve_source
from svidok.people.models import Organization, Person
from svidok.sanctions import services
from svidok.sanctions.models import Listing, ReferenceEntity
from svidok.search.api import matching_ids

LANGUAGE_CHOICES = [("", "—"), ("uk", _("Ukrainian")), ("ru", _("Russian")), ("crh", _("Crimean Tatar")), ("en", _("English"))]
SCRIPT_CHOICES = [("", _("detect from the name")), ("Cyrl", _("Cyrillic")), ("Latn", _("Latin"))]


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300,
                            help_text=_("e.g. Organizers of the 2018 presidential election in occupied Crimea"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


def resolve_member(text: str):
    """A person or organization for a proposal, from its id or any spelling of its name."""
    text = (text or "").strip()
    if public_id_in(text):
        text = public_id_in(text)
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
        several=gettext("Several match: %(names)s. Type the full name, or paste the address of the record's page."),
        label=lambda c: c.display_name,
    )


class MemberForm(forms.Form):
    party = forms.CharField(label=_("Person or organization"), max_length=500,
                            help_text=_("Any spelling of the name, or the address of the record's page."))

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

    def clean(self):
        data = super().clean()
        # The use case's rules across fields ("other" names the jurisdiction, a listing has its date)
        # with the fields' own errors, in one submit.
        try:
            services.check_listing(**{k: data.get(k) for k in ("jurisdiction", "status", "jurisdiction_other", "date",
                                                                 "legal_act", "note")})
        except ValidationError as exc:
            add_errors_once(self, exc)
        return data

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
