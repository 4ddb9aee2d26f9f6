from django.urls import path

from svidok.reports import periodic_views, views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/map/points.geojson", views.map_points, name="map_points"),
    path("reports/map/boundaries.geojson", views.map_boundaries, name="map_boundaries"),
    path("reports/statistics/", views.statistics_page, name="statistics"),
    path("reports/statistics/<slug:key>.svg", views.statistics_chart, name="statistics_chart"),
    path("reports/statistics/<slug:key>.csv", views.statistics_csv, name="statistics_csv"),
    path("reports/periodic/", periodic_views.reports, name="periodic"),
    path("reports/periodic/<uuid:public_id>/", periodic_views.run_detail, name="periodic_run"),
    path("reports/periodic/<uuid:public_id>/download/", periodic_views.download, name="periodic_download"),
]
