from django.urls import path

from svidok.forensics import series_views, views

app_name = "forensics"

urlpatterns = [
    path("elections/<uuid:uuid>/import/", views.import_results, name="import"),
    path("results/<uuid:uuid>/", views.result_set_detail, name="result_set"),
    path("results/<uuid:uuid>/precincts/", views.precinct_list, name="precincts"),
    path("results/<uuid:uuid>/precincts/<int:line>/", views.precinct_detail, name="precinct"),
    path("results/<uuid:uuid>/plots/<slug:name>.<str:fmt>", views.plot, name="plot"),
    path("results/<uuid:uuid>/plots/<slug:name>/figure/", views.plot_figure, name="plot_figure"),
    path("results/<uuid:uuid>/analyses/new/", views.analysis_run, name="analysis_run"),
    path("results/<uuid:uuid>/claim/", views.claim, name="claim"),
    path("analyses/<uuid:uuid>/", views.analysis_detail, name="analysis"),
    path("analyses/<uuid:uuid>/klimek.<str:fmt>", views.analysis_plot, name="analysis_plot"),
    path("series/", series_views.series_page, name="series"),
    path("series/turnout.<str:fmt>", series_views.series_plot, name="series_plot"),
]
