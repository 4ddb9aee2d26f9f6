"""Pages of news import, under ``/news/``. The review pages (queue, article, candidate) are in
``review_urls.py``; ``svidok/urls.py`` includes both under the one ``ingest`` namespace."""

from django.urls import path

from svidok.ingest import import_views

app_name = "ingest"

urlpatterns = [
    path("import/", import_views.import_news, name="import"),
    path("runs/<uuid:public_id>/", import_views.run_detail, name="run"),
]
