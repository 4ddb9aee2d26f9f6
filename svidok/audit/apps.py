from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "svidok.audit"
    label = "audit"
    verbose_name = "Audit log"
