"""Django admin: vocabularies are edited here by admins, through the same service as everything else.

Other records are read-only in the admin: their writes must go through the services so that they
are validated and audited identically.
"""

from django.contrib import admin

from svidok.common.admin import ReadOnlyAdmin
from svidok.incidents import services
from svidok.incidents.models import Election, Incident, Place, Source, Term, Vocabulary


@admin.register(Vocabulary)
class VocabularyAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "version", "updated_at")


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("code", "vocabulary", "label_en", "label_uk", "order", "active")
    list_filter = ("vocabulary", "active")
    search_fields = ("code", "label_en", "label_uk", "label_ru")
    fields = ("vocabulary", "code", "label_en", "label_uk", "label_ru", "label_crh", "description", "reference", "order", "active")

    def get_readonly_fields(self, request, obj=None):
        # A term's identity is its code: renaming it would silently change what old records mean.
        return ("vocabulary", "code") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # terms in use must stay; deactivate instead

    def save_model(self, request, obj, form, change):
        saved = services.save_term(
            actor=request.user, vocabulary=obj.vocabulary, code=obj.code,
            labels={lang: getattr(obj, f"label_{lang}") for lang in ("en", "uk", "ru", "crh")},
            description=obj.description, reference=obj.reference, order=obj.order, active=obj.active,
        )
        obj.pk = saved.pk


for model in (Incident, Place, Source, Election):
    admin.site.register(model, ReadOnlyAdmin)
