from django.urls import path

from svidok.incidents import urls as _incident_urls  # noqa: F401 (registers the "ref" converter)
from svidok.work import views

app_name = "work"
urlpatterns = [
    path("incidents/<ref:reference>/assign/", views.incident_assign, name="incident_assign"),
    path("incidents/<ref:reference>/comments/", views.incident_comment, name="incident_comment"),
    path("proposals/<uuid:uuid>/assign/", views.proposal_assign, name="proposal_assign"),
    path("proposals/<uuid:uuid>/comments/", views.proposal_comment, name="proposal_comment"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("searches/", views.search_list, name="searches"),
    path("searches/save/", views.search_save, name="search_save"),
    path("searches/<uuid:uuid>/delete/", views.search_delete, name="search_delete"),
    path("drafts/", views.incident_panel, {"kind": "drafts"}, name="drafts"),
    path("review/", views.incident_panel, {"kind": "review"}, name="review"),
    path("recent/", views.incident_panel, {"kind": "recent"}, name="recent"),
    path("assigned/", views.assigned_list, name="assigned"),
]
