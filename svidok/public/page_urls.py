"""The public portal's pages (``public.pages``), in the "public" namespace beside the open data's
addresses (``public.urls``): two url modules, one namespace (svidok/urls.py)."""

from django.urls import path

from svidok.public import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("incidents/", pages.incident_list, name="incidents"),
    path("incidents/<str:reference>/", pages.incident_detail, name="incident"),
    path("statistics/", pages.statistics_page, name="statistics"),
    path("statistics/<slug:key>.svg", pages.chart_svg, name="chart_svg"),
    path("statistics/<slug:key>.csv", pages.chart_csv, name="chart_csv"),
    path("map/points.geojson", pages.map_points, name="map_points"),
    path("map/boundaries.geojson", pages.boundaries, name="boundaries"),
    path("elections/", pages.election_list, name="elections"),
    path("elections/<slug:slug>/", pages.election_detail, name="election"),
    path("elections/<slug:slug>/plots/<slug:name>.svg", pages.election_plot, name="election_plot"),
    path("perpetrators/", pages.perpetrator_list, name="perpetrators"),
    path("perpetrators/<slug:slug>/", pages.perpetrator_detail, name="perpetrator"),
    path("embed/map/", pages.embed_map, name="embed_map"),
    path("embed/chart/<slug:key>/", pages.embed_chart, name="embed_chart"),
    path("language/<str:code>/", pages.language, name="language"),
]
