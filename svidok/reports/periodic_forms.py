"""The "Periodic reports" form: what the report covers, its language, format and purpose."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from svidok.incidents.forms import ElectionChoiceField
from svidok.reports.models import ReportRun


class PeriodicReportForm(forms.Form):
    election = ElectionChoiceField(label=_("Election"), required=False,
                              empty_label=_("(none: a period)"),
                              help_text=_("The incidents tied to this vote, and the findings on its official results."))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Or a period: its first day…"))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("…and its last day, both included."))
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_("Optional: a region, raion, hromada or settlement, by its name in any spelling "
                                        "or its KATOTTG code; the report covers it and everything in it."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    format = forms.ChoiceField(label=_("Format"), choices=ReportRun.Format.choices, initial=ReportRun.Format.PDF,
                               widget=forms.RadioSelect)
    purpose = forms.ChoiceField(label=_("For"), choices=ReportRun.Purpose.choices, initial=ReportRun.Purpose.INTERNAL,
                                widget=forms.RadioSelect,
                                help_text=_("Internal: what you may see, reported and verified. Publication: only "
                                            "verified public incidents, protected persons only with their consent."))
