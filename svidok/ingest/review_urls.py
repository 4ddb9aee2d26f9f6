"""``/news/``: the review of proposed incidents (issue 12). The import pages have their own
``urls.py``; both use the ``ingest`` namespace."""

from django.urls import path

from svidok.ingest import review_views

app_name = "ingest"

urlpatterns = [
    path("", review_views.queue, name="queue"),
    path("articles/<uuid:uuid>/", review_views.article_detail, name="article"),
    path("candidates/<uuid:uuid>/", review_views.candidate_decide, name="candidate"),
    path("rates/", review_views.rates, name="rates"),
]
