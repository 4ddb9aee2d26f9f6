from django.urls import path

from svidok.public import data_views

app_name = "public"

# Open data (docs/open-data.md): the files, their schema and the page that explains them.
data_urlpatterns = [
    path("data/", data_views.data_page, name="data"),
    path("data/incidents.json", data_views.incidents_file, {"fmt": "json"}, name="data_json"),
    path("data/incidents.geojson", data_views.incidents_file, {"fmt": "geojson"}, name="data_geojson"),
    path("data/incidents.csv", data_views.incidents_file, {"fmt": "csv"}, name="data_csv"),
    path("data/schema.json", data_views.schema, name="data_schema"),
]

urlpatterns = [
    *data_urlpatterns,
]
