from django.urls import path

from svidok.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/map/points.geojson", views.map_points, name="map_points"),
    path("reports/map/boundaries.geojson", views.map_boundaries, name="map_boundaries"),
]
