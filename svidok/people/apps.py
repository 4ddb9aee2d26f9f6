from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "svidok.people"
    label = "people"
    verbose_name = "People and organizations"
