from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "svidok.backup"
    label = "backup"
    verbose_name = "Backups: encrypted archives of the database, evidence and configuration"
