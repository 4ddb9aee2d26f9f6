"""The "Import news" form: files to read now, addresses of pages and a feed to fetch in the background."""

from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.evidence.forms import MultipleFileField


class ImportForm(forms.Form):
    files = MultipleFileField(label=_("Article files"), required=False,
                              help_text=_("Text files (title on the first line, a blank line, then the text) or saved web pages; up to 5 MB each."))
    urls = forms.CharField(label=_("Addresses of articles"), required=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
                           help_text=_("One web address a line. They are read in the background."))
    feed = forms.CharField(label=_("Address of a news feed"), required=False, max_length=2000,
                           widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false", "autocapitalize": "off"}),
                           help_text=_("RSS or Atom: its latest articles are read in the background."))

    def clean(self):
        data = super().clean()
        data["url_list"] = [line.strip() for line in (data.get("urls") or "").splitlines() if line.strip()]
        data["feed"] = (data.get("feed") or "").strip()
        if not data.get("files") and not data["url_list"] and not data["feed"] and not self.errors:
            raise forms.ValidationError(_("Choose a file or give a web address."))
        return data
