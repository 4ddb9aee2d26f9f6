"""Pages of the review of candidates, under ``/news/`` (names ``queue``, ``article``, ``candidate``).
Included by ``svidok/urls.py`` with ``urls.py`` under the one ``ingest`` namespace."""

urlpatterns = []
