from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The anonymous public site and its open data: only what ``public.records`` lets out."""

    name = "svidok.public"
    label = "public"
    verbose_name = "Public site"
