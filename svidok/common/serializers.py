"""Serializer fields with no domain: vocabulary terms by code, related records by public id."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def _no_nul(data: str) -> None:
    # Checked before the lookup: PostgreSQL refuses a NUL in a query parameter with an error (a
    # 500), where SQLite just finds nothing. The message is Django's own (translated there).
    if "\x00" in data:
        raise serializers.ValidationError(_("Null characters are not allowed."))


class TermField(serializers.Field):
    """A vocabulary term written and read as its code (``dismissal``, ``echr-10``); ``model`` is the
    term model (a field's related model: no import of the app that defines vocabularies)."""

    def __init__(self, vocabulary: str, *, model, **kwargs):
        self.vocabulary, self.model = vocabulary, model
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.code

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give a %(vocabulary)s code as a string.") % {"vocabulary": self.vocabulary})
        _no_nul(data)
        found = self.model.objects.select_related("vocabulary").filter(vocabulary__code=self.vocabulary, code=data, active=True).first()
        if found is None:
            raise serializers.ValidationError(_("Unknown %(vocabulary)s code %(code)r.") % {"vocabulary": self.vocabulary, "code": data})
        return found


class TermFieldSchema(OpenApiSerializerFieldExtension):
    """A term code in the schema: a string naming its vocabulary, not an enum. Vocabularies are
    data (an administrator adds or retires terms; ``svidok load_vocabularies`` loads new versions), so an enum frozen at
    schema time would refuse valid codes; the codes in force are at ``/api/v1/vocabularies/<code>/``
    (docs/decisions.md, "Vocabulary codes in the API schema")."""

    target_class = TermField

    def map_serializer_field(self, auto_schema, direction):
        vocabulary = self.target.vocabulary
        return {
            "type": "string",
            "description": f"A code of the `{vocabulary}` vocabulary: the active terms at /api/v1/vocabularies/{vocabulary}/.",
            "x-vocabulary": vocabulary,
        }


class PublicIdField(serializers.Field):
    """A related object written and read by its public id (UUID, KATOTTG code or reference)."""

    def __init__(self, model, lookup: str = "uuid", **kwargs):
        self.model, self.lookup = model, lookup
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(getattr(value, self.lookup))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give an identifier as a string."))
        _no_nul(data)
        try:
            return self.model.objects.get(**{self.lookup: data})
        except (self.model.DoesNotExist, DjangoValidationError, ValueError):
            # A malformed UUID raises ValidationError/ValueError: to the caller it is just unknown.
            raise serializers.ValidationError(_("No such record: %(id)r.") % {"id": data[:100]}) from None


extend_schema_field(OpenApiTypes.STR)(PublicIdField)
