"""The upload form: several files, the incident they belong to, what they are."""

from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.people import freetext


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); an empty upload is a file too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    files = MultipleFileField(label=_("Files"), required=False,
                              help_text=_("Any type, up to the size limit. Each file is stored exactly as sent."))
    incident = forms.CharField(label=_("Incident"), required=False, max_length=20,
                               help_text=_("Its reference, e.g. SV-2018-000123 (optional)."))
    description = freetext.checked(forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=10_000))
    collected_by = forms.CharField(label=_("Collected by"), required=False, max_length=200)
    origin = forms.CharField(label=_("Original location"), required=False, max_length=2000,
                             help_text=_("Where the files come from: a URL, a device, an archive."))
