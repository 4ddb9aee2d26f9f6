from django.contrib import admin
from django.db import models


class ReadOnlyAdmin(admin.ModelAdmin):
    # An address typed without a scheme is taken as https (Django 6's default; the app's own forms
    # say so too), which also keeps Django 5.2 from warning about the change on every such page.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
