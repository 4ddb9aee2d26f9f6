"""The "Imports" form: what the file holds, the file, and what that kind of import needs besides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.incidents.models import Election


class ElectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.date:%Y-%m-%d})" if obj.date else obj.display_name


class DataImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), help_text=_(
        "Incidents: CSV, XLSX or JSON in the import format. Reference list: the EU 269/2014 annex CSV or "
        "FollowTheMoney JSON lines. Election results: CSV, or a ZIP holding one CSV, one row per precinct."))
    verified_elsewhere = forms.BooleanField(
        label=_("The file's verified incidents were verified in the system it comes from"), required=False,
        help_text=_("For incidents: keep the status “verified” the file gives (a move from another system). "
                    "Otherwise an import verifies nothing: a second person verifies each incident on its page."))
    list_name = forms.CharField(label=_("Short name of the list"), max_length=100, required=False,
                                help_text=_("For a reference list, e.g. eu-269; importing again under the same name replaces the list."))
    title = forms.CharField(label=_("Title of the list"), max_length=300, required=False,
                            help_text=_("For a reference list, e.g. EU Regulation 269/2014, Annex I."))
    election = ElectionChoice(label=_("Election"), queryset=Election.objects.all(), to_field_name="uuid", required=False,
                              empty_label=_("(choose, for election results)"),
                              help_text=_("For election results: the vote the precinct protocols belong to."))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
