"""Input validation for the forensics pages. Forms parse and check; services write."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from svidok.common.untrusted import InputRefused, load_json
from svidok.forensics import claims
from svidok.forensics.checks import electronic_count
from svidok.forensics.models import ResultSet
from svidok.forensics.regions import region_label

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Results file"), help_text=_("CSV, or a ZIP archive holding one CSV; one row per precinct."))
    label = forms.CharField(label=_("Label"), max_length=200, required=False,
                            help_text=_("e.g. “CEC protocols, scraped on 20 March 2018”"))
    leader = forms.CharField(label=_("Leader's column"), max_length=300, required=False,
                             help_text=_("Header of the candidate to analyse; empty: the candidate with most votes."))
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[("", "UTF-8"), ("cp1251", "Windows-1251"), ("koi8-r", "KOI8-R")])
    mapping = forms.CharField(label=_("Column mapping (JSON, optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_('Only when a column is not recognised, e.g. {"registered": "Число избирателей"}.'))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 200 MB."))
        return upload

    def clean_mapping(self):
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return {}
        try:
            value = load_json(text, name=_("The mapping"))
        except InputRefused as exc:
            raise ValidationError(str(exc)) from None
        except json.JSONDecodeError as exc:
            raise ValidationError(_("Not valid JSON: %(msg)s at line %(line)s.") % {"msg": exc.msg, "line": exc.lineno}) from None
        except ValueError as exc:
            raise ValidationError(_("Not valid JSON: %(value)s is not a JSON number.") % {"value": str(exc)[:20]}) from None
        if not isinstance(value, dict):
            raise ValidationError(_("The mapping must be a JSON object."))
        return value


class ScopeForm(forms.Form):
    """Which part of a result set a page shows: a region and/or a territorial commission."""

    region = forms.CharField(required=False, max_length=200)
    tik = forms.CharField(required=False, max_length=300)
    compare = forms.UUIDField(required=False)


class RunForm(forms.Form):
    region = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    tik = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    replicates = forms.IntegerField(label=_("Monte Carlo replicates"), min_value=10, max_value=10000, initial=1000)
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, max_value=2**32 - 1, initial=0)
    compare = forms.ModelChoiceField(label=_("Compare with (same precincts)"), queryset=ResultSet.objects.none(),
                                     required=False, to_field_name="uuid")
    klimek = forms.BooleanField(label=_("Fit the Klimek et al. model (slower)"), required=False)
    without_electronic_voting = forms.BooleanField(
        label=_("Leave out the rows of remote electronic voting"), required=False,
        help_text=_("By default every row of the file is counted, so the totals are the file's."))

    def __init__(self, *args, result_set: ResultSet, **kwargs):
        super().__init__(*args, **kwargs)
        if not electronic_count(result_set):
            # Nothing to leave out: the option would only confuse.
            del self.fields["without_electronic_voting"]
        qs = ResultSet.objects.exclude(pk=result_set.pk).select_related("election").order_by("-election__date")
        self.fields["compare"].queryset = qs
        self.fields["compare"].label_from_instance = lambda rs: f"{rs.election.display_name} · {rs.source_name}"


class ClaimForm(forms.Form):
    metric = forms.ChoiceField(label=_("Figure"), choices=[
        ("turnout", _("turnout (%)")), ("leader_share", _("leader's share (%)")), ("invalid_share", _("invalid ballots (%)")),
    ])
    comparator = forms.ChoiceField(label=_("Claim"), choices=[("le", "≤"), ("eq", "="), ("approx", "≈"), ("ge", "≥")], initial="le")
    value = forms.DecimalField(label=_("Claimed value (%)"), min_value=0, max_value=100, decimal_places=2)
    region = forms.ChoiceField(label=_("Region"), required=False)
    group = forms.CharField(label=_("Population group"), max_length=200, required=False,
                            help_text=_("Only for a claim about one group, e.g. Crimean Tatars."))
    group_share = forms.DecimalField(label=_("Group's share of registered voters (%)"), required=False,
                                     min_value=0, max_value=100, decimal_places=2,
                                     help_text=_("From a census or another source: the protocols do not record who voted."))
    compare = forms.ModelChoiceField(label=_("Earlier election (same precincts)"), queryset=ResultSet.objects.none(),
                                     required=False, to_field_name="uuid")
    without_electronic_voting = forms.BooleanField(label=_("Leave out the rows of remote electronic voting"),
                                                   required=False)

    def __init__(self, *args, result_set: ResultSet, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        if not electronic_count(result_set):
            del self.fields["without_electronic_voting"]
        self.fields["region"].choices = [("", _("whole file"))] + [(r, region_label(r)) for r in regions]
        qs = ResultSet.objects.exclude(pk=result_set.pk).select_related("election").order_by("-election__date")
        self.fields["compare"].queryset = qs
        self.fields["compare"].label_from_instance = lambda rs: f"{rs.election.display_name} · {rs.source_name}"

    def claim(self) -> claims.Claim:
        d = self.cleaned_data
        share = d.get("group_share")
        return claims.Claim(metric=d["metric"], comparator=d["comparator"], value=float(d["value"]),
                            group=d.get("group", "").strip(), group_share=None if share is None else float(share))
