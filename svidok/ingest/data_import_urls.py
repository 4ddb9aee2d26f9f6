"""The "Imports" pages, under ``/imports/``: incidents, reference lists and election results
uploaded and imported by the worker (``data_imports``)."""

from django.urls import path

from svidok.ingest import data_import_views

app_name = "imports"

urlpatterns = [
    path("", data_import_views.imports, name="index"),
    path("<uuid:public_id>/", data_import_views.run_detail, name="run"),
]
