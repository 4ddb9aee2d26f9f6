from django.urls import path

from svidok.evidence import capture_views

app_name = "captures"

urlpatterns = [
    path("incident/<str:reference>/", capture_views.incident_capture_list, name="incident"),
    path("incident/<str:reference>/capture/", capture_views.request_incident_capture, name="request"),
]
