from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "svidok.people"
    label = "people"
    verbose_name = "People and organizations"

    def ready(self):
        from svidok.people import audit_names, search_index

        audit_names.register()
        search_index.register()
