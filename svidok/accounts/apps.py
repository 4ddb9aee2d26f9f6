from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "svidok.accounts"
    label = "accounts"
    verbose_name = "Accounts"
