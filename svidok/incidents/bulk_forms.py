"""Forms of the bulk actions, the export page and the vocabulary pages (issue 13, item 5)."""

from importlib.util import find_spec

from django import forms
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils.translation import gettext_lazy as _

from svidok.accounts import rules
from svidok.accounts.models import User
from svidok.people.consent import Purpose

SCOPES = [
    ("selected", _("the incidents ticked below")),
    ("page", _("every incident on this page")),
    ("all", _("every incident matching the filters")),
]


class BulkForm(forms.Form):
    """One bulk action on a selection of the incident list. ``action`` is a key of
    ``bulk_views.BULK_ACTIONS`` the person may use (the view gives the choices)."""

    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPES, initial="selected", widget=forms.RadioSelect)
    action = forms.ChoiceField(label=_("Action"), error_messages={"invalid_choice": _("Choose one of the actions offered.")})
    tag = forms.CharField(label=_("Tag"), max_length=60, required=False,
                          help_text=_("For adding or removing a tag."))
    assignee = forms.ChoiceField(label=_("Assign to"), required=False,
                                 help_text=_("For assigning: the member who will work on the incidents."))
    incidents = forms.MultipleChoiceField(required=False)
    page_incidents = forms.MultipleChoiceField(required=False)
    filter = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args, actions: dict, **kwargs):
        # Its own ids: the list's filter form above it has a "tag" field too.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(key, action.label) for key, action in actions.items()]
        self.actions = actions
        if any(action.needs_assignee for action in actions.values()):
            self.fields["assignee"].choices = [("", _("nobody (remove the assignment)")), *assignable_members()]
        else:
            del self.fields["assignee"]
        # References are checked against what the person may see when the action runs, not here.
        references = [(r, r) for r in (self.data.getlist("incidents") + self.data.getlist("page_incidents"))] if self.is_bound else []
        self.fields["incidents"].choices = self.fields["page_incidents"].choices = references

    def clean(self):
        data = super().clean()
        action = self.actions.get(data.get("action"))
        if action is not None and action.needs_tag and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Enter the tag to add or remove."))
        if data.get("scope") == "selected" and not data.get("incidents"):
            self.add_error("scope", _("Tick at least one incident, or apply the action to the whole page or the whole filter."))
        return data


def assignable_members() -> list[tuple[str, str]]:
    """Members who may work on incidents, by username (each incident's own rules are checked when
    the action runs: a restricted incident only those named on it)."""
    users = (User.objects.filter(is_active=True, role__in=rules.ACTIONS["incident.edit"])
             .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).order_by("username"))
    return [(name, name) for name in users.values_list("username", flat=True)]


def xlsx_available() -> bool:
    """XLSX needs openpyxl (installed with the importer); without it, CSV and JSON only."""
    return find_spec("openpyxl") is not None


class ExportForm(forms.Form):
    """What to export the list's filter (or a selection) as, and for whom."""

    format = forms.ChoiceField(label=_("Format"), widget=forms.RadioSelect, initial="xlsx")
    purpose = forms.ChoiceField(
        label=_("Who the file is for"), initial=Purpose.INTERNAL.value,
        choices=[(p.value, p.label) for p in Purpose],
        help_text=_("Protected persons are named only when you may see identities and, beyond internal use, "
                    "only with their consent for this purpose; everything held back is listed in the file."),
    )
    partner = forms.CharField(label=_("Partner"), max_length=200, required=False,
                              help_text=_("The partner's name, for sharing with a named partner."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formats = [("xlsx", _("Excel workbook (XLSX)"))] if xlsx_available() else []
        formats += [("csv", _("CSV table")), ("json", _("JSON (complete, for other systems)"))]
        self.fields["format"].choices = formats
        if not xlsx_available():
            self.fields["format"].initial = "csv"

    def clean(self):
        data = super().clean()
        purpose = data.get("purpose")
        if purpose == Purpose.PARTNER.value and not (data.get("partner") or "").strip():
            self.add_error("partner", _("Name the partner the file is for."))
        if data.get("format") == "csv" and purpose and purpose != Purpose.INTERNAL.value:
            # The list of what was held back must travel with the file; a CSV table has no room for it.
            self.add_error("format", _("A CSV table cannot carry the list of what was held back: choose XLSX or JSON for this purpose."))
        return data


class TermForm(forms.Form):
    """A term's names in the working languages; English is the one every language falls back to."""

    label_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    label_uk = forms.CharField(label=_("Name in Ukrainian"), max_length=200, required=False)
    label_ru = forms.CharField(label=_("Name in Russian"), max_length=200, required=False)
    label_crh = forms.CharField(label=_("Name in Crimean Tatar"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("label_en") or "").strip():
            self.add_error("label_en", _("Give the term's name in English: the other languages fall back to it."))
        return data

    def labels(self) -> dict:
        return {lang: self.cleaned_data.get(f"label_{lang}", "") for lang in ("en", "uk", "ru", "crh")}


class NewTermForm(TermForm):
    description = forms.CharField(label=_("What it covers"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
