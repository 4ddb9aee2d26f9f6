from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "svidok.work"
    label = "work"
    verbose_name = "Daily work: assignments, comments, notifications, saved searches"

    def ready(self):
        from svidok.work import bulk, sections

        sections.register()
        bulk.register()
