"""``/api/``: the versioned REST API under ``v1/`` and its OpenAPI 3 schema at ``schema/``.

No Swagger/Redoc page: they load their assets from a CDN, which the CSP forbids.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from svidok.accounts import api as accounts_api  # noqa: F401  (registers the token scheme with the schema)
from svidok.accounts import audit_api
from svidok.common.api import NotFoundView
from svidok.evidence import api as evidence_api
from svidok.evidence import capture_api
from svidok.forensics import api as forensics_api
from svidok.incidents import api as incidents_api
from svidok.ingest import api as ingest_api
from svidok.people import api as people_api
from svidok.sanctions import api as api_match

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# No ".json" suffix addresses: the API speaks JSON only, the schema lists none, and the viewsets'
# methods take no ``format`` argument (each suffixed address answered 500; tests/accounts/test_walk.py).
router.include_format_suffixes = False
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register("sources", incidents_api.SourceViewSet, basename="source")
router.register("interventions", incidents_api.InterventionViewSet, basename="intervention")
router.register("places", incidents_api.PlaceViewSet, basename="place")
router.register("elections", incidents_api.ElectionViewSet, basename="election")
router.register("persons", people_api.PersonViewSet, basename="person")
router.register("organizations", people_api.OrganizationViewSet, basename="organization")
router.register("forensics/result-sets", forensics_api.ResultSetViewSet, basename="result-set")
router.register("forensics/analyses", forensics_api.AnalysisViewSet, basename="analysis")
router.register("evidence", evidence_api.EvidenceItemViewSet, basename="evidence-item")
router.register("captures", capture_api.CaptureViewSet, basename="capture")
router.register("news/articles", ingest_api.ArticleViewSet, basename="news-article")
router.register("news/candidates", ingest_api.CandidateViewSet, basename="news-candidate")

v1 = [
    *router.urls,
    path("vocabularies/", incidents_api.VocabularyListView.as_view(), name="vocabulary-list"),
    path("vocabularies/<slug:code>/", incidents_api.VocabularyDetailView.as_view(), name="vocabulary-detail"),
    path("search/", incidents_api.SearchView.as_view(), name="search"),
    path("forensics/series/", forensics_api.SeriesView.as_view(), name="forensics-series"),
    path("match/", api_match.MatchView.as_view(), name="match"),
    path("match/<slug:dataset>/", api_match.DatasetMatchView.as_view(), name="match-dataset"),
    path("audit/head/", audit_api.HeadView.as_view(), name="audit-head"),
    path("audit/proof/<int:entry_id>/", audit_api.ProofView.as_view(), name="audit-proof"),
    path("audit/consistency/", audit_api.ConsistencyView.as_view(), name="audit-consistency"),
    path("audit/verify/", audit_api.VerifyView.as_view(), name="audit-verify"),
    path("audit/keys/", audit_api.KeysView.as_view(), name="audit-keys"),
    path("audit/keys/<str:key_id>.pem", audit_api.KeyPemView.as_view(), name="audit-key-pem"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^", NotFoundView.as_view()),
]
