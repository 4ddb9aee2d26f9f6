from django.urls import path

from svidok.people import duplicate_views, views

app_name = "people"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/suggest/", views.person_suggest, name="person_suggest"),
    path("names-in-text/", views.names_in_text, name="names_in_text"),
    path("persons/<uuid:uuid>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:uuid>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<uuid:uuid>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:uuid>/names/", views.person_add_name, name="person_add_name"),
    path("persons/<uuid:uuid>/consents/", views.person_consent, name="person_consent"),
    path("persons/<uuid:uuid>/consents/<uuid:consent_uuid>/withdraw/", views.person_consent_withdraw,
         name="person_consent_withdraw"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<uuid:uuid>/", views.organization_detail, name="organization_detail"),
    path("organizations/<uuid:uuid>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<uuid:uuid>/names/", views.organization_add_name, name="organization_add_name"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("duplicates/run/", duplicate_views.duplicate_run, name="duplicate_run"),
    path("duplicates/verdicts/<uuid:uuid>/undo/", duplicate_views.duplicate_undo, name="duplicate_undo"),
    path("duplicates/<uuid:left>/<uuid:right>/", duplicate_views.duplicate_pair, name="duplicate_pair"),
]
