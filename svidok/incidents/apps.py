from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "svidok.incidents"
    label = "incidents"
    verbose_name = "Incidents"
