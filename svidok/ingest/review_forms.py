"""Forms of the review pages: a candidate's fields, and the three decisions."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from svidok.common.forms import DateInput
from svidok.incidents.forms import TermChoiceField, resolve_place
from svidok.ingest.models import Candidate
from svidok.ingest.review import perpetrator_label

PRECISION_CHOICES = [("day", _("exact day")), ("month", _("month")), ("year", _("year"))]


def place_names(place) -> set[str]:
    return {n.casefold() for n in (place.name, place.name_uk, place.name_ru, place.name_latin, place.name_crh, place.code) if n}


class CandidateForm(forms.Form):
    """A candidate's fields as the reviewer corrects them. The place is typed like on the incident
    form (any spelling, or the KATOTTG code); the place already chosen is shown by its name, and
    keeping that name keeps the place even where the name alone is shared by several places."""

    type = TermChoiceField("incident_type", label=_("Type"))
    date_start = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    date_precision = forms.ChoiceField(label=_("Precision"), choices=PRECISION_CHOICES, initial="day")
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_("Settlement, hromada or raion: any spelling of its name."))
    victim_count = forms.IntegerField(label=_("Number of victims"), required=False, min_value=0, max_value=1_000_000)
    perpetrators = forms.CharField(
        label=_("Perpetrators"), required=False, max_length=6000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. A new name is looked up in the registry of persons."),
    )

    def __init__(self, *args, candidate: Candidate, **kwargs):
        self.candidate = candidate
        kwargs.setdefault("prefix", f"c{candidate.position}")
        super().__init__(*args, **kwargs)
        self.fields["type"].label_from_instance = lambda t: t.label

    @classmethod
    def initial_for(cls, candidate: Candidate) -> dict:
        return {
            "type": candidate.type.code, "date_start": candidate.date_start, "date_precision": candidate.date_precision or "day",
            "place": candidate.place.name if candidate.place_id else candidate.place_as_written,
            "victim_count": candidate.victim_count,
            "perpetrators": "\n".join(perpetrator_label(p) for p in candidate.perpetrators),
        }

    def clean_place(self):
        text = (self.cleaned_data.get("place") or "").strip()
        current = self.candidate.place
        if current is not None and text.casefold() in place_names(current):
            return current
        if not text:
            return None
        if current is None and text == self.candidate.place_as_written:
            # The place as the article wrote it, which extraction did not find in the gazetteer:
            # left open rather than an error the reviewer did not cause.
            try:
                return resolve_place(text)
            except ValidationError:
                return None
        return resolve_place(text)

    def clean_perpetrators(self):
        return [line.strip() for line in (self.cleaned_data.get("perpetrators") or "").splitlines() if line.strip()]

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("type", "date_start", "date_precision", "place", "victim_count", "perpetrators")}


def incident_label(incident) -> str:
    parts = [incident.reference, incident.type.label, date_format(incident.date_start, "DATE_FORMAT")]
    if incident.place_id:
        parts.append(incident.place.name)
    return " · ".join(parts)


class MergeForm(forms.Form):
    incident = forms.ChoiceField(label=_("Incident"))

    def __init__(self, *args, incidents=(), prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.incidents = {i.reference: i for i in incidents}
        # By reference, type, date and place: a title may name a protected person.
        self.fields["incident"].choices = [(i.reference, incident_label(i)) for i in incidents]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
