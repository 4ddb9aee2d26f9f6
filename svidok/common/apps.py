from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "svidok.common"
    label = "common"
