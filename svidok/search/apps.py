from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "svidok.search"
    label = "search"
    verbose_name = "Search"
