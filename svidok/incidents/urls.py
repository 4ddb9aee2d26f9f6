from django.urls import path, register_converter

from svidok.incidents import bulk_views, case_views, publication_views, views, vocabulary_views


class ReferenceConverter:
    # Dates before 1900 are refused now, but a record saved before that rule may carry a year of
    # fewer than four digits (SV-197-000001): its links must still resolve so that it can be fixed.
    regex = r"SV-\d{1,4}-\d{6}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ReferenceConverter, "ref")

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("persons/pick/", views.person_pick, name="person_pick"),
    path("new/", views.incident_create, name="create"),
    path("new/draft/", views.incident_draft, name="draft_new"),
    path("new/draft/discard/", views.incident_draft_discard, name="draft_discard_new"),
    path("form/rows/<str:kind>/", views.incident_form_row, name="form_row"),
    path("review/", views.review_queue, name="review_queue"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("bulk/verify/", bulk_views.bulk_verify, name="bulk_verify"),
    path("bulk/withdraw-publication/", publication_views.bulk_withdraw, name="bulk_withdraw_publication"),
    path("export/", bulk_views.export_page, name="export"),
    path("vocabularies/", vocabulary_views.vocabulary_list, name="vocabulary_list"),
    path("vocabularies/<slug:code>/", vocabulary_views.vocabulary_detail, name="vocabulary_detail"),
    path("vocabularies/<slug:code>/terms/new/", vocabulary_views.vocabulary_term_add, name="vocabulary_term_add"),
    path("vocabularies/<slug:code>/terms/change/", vocabulary_views.vocabulary_term_change, name="vocabulary_term_change"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<uuid:uuid>/", views.source_detail, name="source_detail"),
    path("sources/<uuid:uuid>/edit/", views.source_edit, name="source_edit"),
    path("interventions/", views.intervention_list, name="intervention_list"),
    path("interventions/new/", views.intervention_create, name="intervention_create"),
    path("places/", views.place_list, name="place_list"),
    path("places/<str:code>/", views.place_detail, name="place_detail"),
    path("elections/", views.election_list, name="election_list"),
    path("elections/new/", views.election_create, name="election_create"),
    path("elections/<uuid:uuid>/", views.election_detail, name="election_detail"),
    path("elections/<uuid:uuid>/figures/new/", views.figure_create, name="figure_create"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_create, name="case_create"),
    path("cases/<uuid:uuid>/", case_views.case_detail, name="case_detail"),
    path("cases/<uuid:uuid>/incidents/", case_views.case_add_incident, name="case_add_incident"),
    path("cases/<uuid:uuid>/incidents/<ref:reference>/remove/", case_views.case_remove_incident, name="case_remove_incident"),
    path("cases/<uuid:uuid>/share/", case_views.case_share, name="case_share"),
    path("cases/<uuid:uuid>/unshare/", case_views.case_unshare, name="case_unshare"),
    path("<ref:reference>/", views.incident_detail, name="detail"),
    path("<ref:reference>/access/", case_views.incident_access, name="access"),
    path("<ref:reference>/edit/", views.incident_edit, name="edit"),
    path("<ref:reference>/edit/draft/", views.incident_draft, name="draft"),
    path("<ref:reference>/edit/draft/discard/", views.incident_draft_discard, name="draft_discard"),
    path("<ref:reference>/submit/", views.incident_submit, name="submit"),
    path("<ref:reference>/review/", views.incident_review, name="review"),
    path("<ref:reference>/reopen/", views.incident_reopen, name="reopen"),
    path("<ref:reference>/publish/", publication_views.incident_publish, name="publish"),
    path("<ref:reference>/withdraw-publication/", publication_views.incident_withdraw, name="withdraw_publication"),
]
