from django.urls import path

from svidok.public import data_views, page_urls
from svidok.public.cache import cached_page

app_name = "public"

# Open data (docs/open-data.md): the files, their schema and the page that explains them.
data_urlpatterns = [
    path("data/", data_views.data_page, name="data"),
    path("data/incidents.json", cached_page(data_views.incidents_file), {"fmt": "json"}, name="data_json"),
    path("data/incidents.geojson", cached_page(data_views.incidents_file), {"fmt": "geojson"}, name="data_geojson"),
    path("data/incidents.csv", cached_page(data_views.incidents_file), {"fmt": "csv"}, name="data_csv"),
    path("data/schema.json", data_views.schema, name="data_schema"),
]

urlpatterns = [
    *data_urlpatterns,
    # The portal's pages (public.pages), cached like the open data files above.
    *page_urls.urlpatterns,
]
