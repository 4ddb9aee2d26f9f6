from django import forms
from django.utils.translation import gettext_lazy as _

from svidok.work.models import Comment, SavedSearch


class AssignForm(forms.Form):
    """The assignee, by username, among the members the record may be assigned to; empty: nobody."""

    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, auto_id="work_%s", **kwargs)
        self.fields["assignee"].choices = [("", _("nobody")), *((u.username, u.username) for u in candidates)]
        self.candidates = {u.username: u for u in candidates}

    def chosen(self):
        return self.candidates.get(self.cleaned_data["assignee"])


class CommentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Its own ids: the record's page has other forms with a "body" or "note".
        super().__init__(*args, auto_id="comment_%s", **kwargs)

    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=Comment._meta.get_field("body").max_length,
                           help_text=_("Write @ and a username to notify a colleague who can read this record."))


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name of the search"), max_length=SavedSearch._meta.get_field("name").max_length)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
