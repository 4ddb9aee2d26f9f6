from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from svidok.accounts.views import SignOutView
from svidok.ingest import data_import_urls
from svidok.ingest import review_urls as ingest_review_urls
from svidok.ingest import urls as ingest_urls

urlpatterns = [
    # The admin signs in through the same form as everybody (lockout, second factor, audit): its
    # own login page would be a way around them.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/logout/", SignOutView.as_view()),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("svidok.api_urls")),
    path("accounts/", include("svidok.accounts.urls")),
    path("incidents/", include("svidok.incidents.urls")),
    path("people/", include("svidok.people.urls")),
    path("people/", include("svidok.sanctions.urls")),
    path("forensics/", include("svidok.forensics.urls")),
    path("evidence/captures/", include("svidok.evidence.capture_urls")),
    path("evidence/", include("svidok.evidence.urls")),
    path("search/", include("svidok.search.urls")),
    path("work/", include("svidok.work.urls")),
    path("imports/", include(data_import_urls)),
    # News import and review: two url modules (two engineers' pages), one namespace; two includes
    # with the same namespace would hide the first one's names from reverse().
    path("news/", include(([*ingest_urls.urlpatterns, *ingest_review_urls.urlpatterns], "ingest"))),
    # The public site: anonymous, read-only, only what svidok.public.records lets out.
    path("public/", include("svidok.public.urls")),
    path("", include("svidok.reports.urls")),
]
