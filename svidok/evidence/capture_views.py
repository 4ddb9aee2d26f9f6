"""Pages of web capture: the "Capture a web page" form on an incident, and the captures section
that the incident page refreshes while a capture is waiting or running. Parse, call the use case,
render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from svidok.evidence.capture import request_capture
from svidok.evidence.sections import CaptureForm, incident_captures
from svidok.incidents.queries import get_incident_for_user


@login_required
@require_POST
def request_incident_capture(request, reference):
    incident = get_incident_for_user(request.user, reference)
    form = CaptureForm(request.POST)
    if form.is_valid():
        try:
            request_capture(actor=request.user, url=form.cleaned_data["url"], incident=incident)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The page is waiting to be captured; its status is shown under Web captures."))
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect(reverse("incidents:detail", args=[incident.reference]) + "#captures")


@login_required
@require_GET
def incident_capture_list(request, reference):
    incident = get_incident_for_user(request.user, reference)
    context = incident_captures(request, incident, {})
    if context is None:
        raise Http404("No captures")
    return render(request, "evidence/_captures.html", context)
