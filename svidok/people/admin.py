from django.contrib import admin

from svidok.common.admin import ReadOnlyAdmin
from svidok.people.models import Organization, Person

# Read-only: persons are written through svidok.people.services (validated, audited, indexed).
admin.site.register(Organization, ReadOnlyAdmin)
admin.site.register(Person, ReadOnlyAdmin)
