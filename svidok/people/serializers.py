"""API formats for persons and organizations.

A protected person is shown by pseudonym; the identity block (names, contacts, identifiers) is
only in the output for users allowed ``person.identity``.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from svidok.accounts import rules
from svidok.common.serializers import PublicIdField, TermField
from svidok.common.validation import today
from svidok.people import freetext
from svidok.people.consent import NOTE_MAX, PARTNER_MAX
from svidok.people.models import Consent, NameVariant, Organization, Person, PersonIdentity


class ReadTextListSerializer(serializers.ListSerializer):
    """Rows whose free texts (:class:`ReadTextField`) are announced to the request's reader before
    the first row is shown: one lookup of the blind index for the whole list, not one per row."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        reader = freetext.reader_for(self.context.get("request"))
        if not reader.cleared:
            fields = [f for f in self.child.fields.values() if isinstance(f, ReadTextField)]
            reader.expect(_attribute(f, row) for row in rows for f in fields)
        return [self.child.to_representation(row) for row in rows]


def _attribute(field, row):
    try:
        value = field.get_attribute(row)
    except (AttributeError, KeyError, serializers.SkipField):
        return ""
    return value if isinstance(value, str) else ""


class ReadTextField(serializers.CharField):
    """A free text as the request's reader sees it (``people.freetext.Reader``): a protected
    person's name typed into it reads as the pseudonym without ``person.identity``. Written as is."""

    def to_representation(self, value):
        return freetext.reader_for(self.context.get("request"))(super().to_representation(value))


class NameVariantSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=NameVariant.Kind.choices, required=False)

    class Meta:
        model = NameVariant
        fields = ["name", "lang", "script", "kind", "origin", "primary"]
        read_only_fields = ["primary"]


class IdentitySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    # Sealed in a text column (``people.models.SealedField``); a date to the API.
    birth_date = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = PersonIdentity
        fields = list(PersonIdentity.IDENTITY_FIELDS)


class PersonSerializer(serializers.ModelSerializer):
    names = NameVariantSerializer(many=True, read_only=True)
    description = ReadTextField(read_only=True)
    identity = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["uuid", "display_name", "protected", "pseudonym", "gender", "description", "names", "identity", "created_at"]
        list_serializer_class = ReadTextListSerializer

    @staticmethod
    def _identity(person):
        # The caller prefetches ``identity``; a person made outside the services may lack one.
        try:
            return person.identity
        except PersonIdentity.DoesNotExist:
            return None

    def get_identity(self, person) -> IdentitySerializer(allow_null=True):
        user = self.context["request"].user
        identity = self._identity(person)
        # Contacts and identifiers are sensitive for everybody, not only for protected persons.
        if identity is None or not rules.can(user, "person.identity"):
            return None
        # A protected person's identity is revealed on purpose, with a reason (POST .../reveal/).
        if person.protected:
            return None
        return IdentitySerializer(identity).data


class PersonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    protected = serializers.BooleanField(required=False, default=False)
    pseudonym = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    gender = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=100_000, required=False, allow_blank=True, default="")
    identity = IdentitySerializer(required=False)
    names = NameVariantSerializer(many=True, required=False, max_length=50)


class PersonUpdateSerializer(serializers.Serializer):
    protected = serializers.BooleanField(required=False)
    pseudonym = serializers.CharField(max_length=100, required=False, allow_blank=True)
    gender = serializers.CharField(max_length=16, required=False, allow_blank=True)
    description = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    identity = IdentitySerializer(required=False)


class OrganizationSerializer(serializers.ModelSerializer):
    kind = TermField("perpetrator_type", model=Organization.kind.field.related_model, required=False, allow_null=True)
    parent = PublicIdField(Organization, required=False, allow_null=True)
    place = PublicIdField(Organization.place.field.related_model, lookup="code", required=False, allow_null=True)
    names = NameVariantSerializer(many=True, required=False, max_length=50)
    name = serializers.CharField(max_length=500)
    description = ReadTextField(max_length=100_000, required=False, allow_blank=True)

    class Meta:
        model = Organization
        fields = ["uuid", "name", "kind", "parent", "place", "description", "names", "created_at"]
        list_serializer_class = ReadTextListSerializer
        read_only_fields = ["uuid", "created_at"]


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="why you need to see this identity (recorded, sealed)")


# --- consent (people.consent) ----------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    """A consent as read. The sealed notes are null for callers who may not see identities (they
    may name the person); ``in_force`` is today's answer (given on or before today, not withdrawn by then)."""

    note = serializers.SerializerMethodField()
    withdrawal_note = serializers.SerializerMethodField()
    withdrawal_method = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField()
    withdrawal_recorded_by = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = ["uuid", "purpose", "partner", "given_on", "method", "note", "recorded_at", "recorded_by", "in_force",
                  "withdrawn_on", "withdrawal_method", "withdrawal_note", "withdrawal_recorded_at", "withdrawal_recorded_by"]
        read_only_fields = fields

    def _cleared(self) -> bool:
        return rules.can(self.context["request"].user, "person.identity")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="sealed: null unless the caller may see identities"))
    def get_note(self, consent):
        return consent.note if self._cleared() else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="sealed: null unless the caller may see identities"))
    def get_withdrawal_note(self, consent):
        return consent.withdrawal_note if self._cleared() else None

    @extend_schema_field(serializers.ChoiceField(choices=Consent.Method.choices, allow_null=True,
                                                 help_text="how the withdrawal was made; null while the consent holds"))
    def get_withdrawal_method(self, consent):
        return consent.withdrawal_method or None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the account that recorded the consent"))
    def get_recorded_by(self, consent):
        return consent.recorded_by.username if consent.recorded_by_id else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the account that recorded the withdrawal"))
    def get_withdrawal_recorded_by(self, consent):
        return consent.withdrawal_recorded_by.username if consent.withdrawal_recorded_by_id else None

    def get_in_force(self, consent) -> bool:
        return consent.in_force(today())


class ConsentWriteSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Consent.Purpose.choices)
    partner = serializers.CharField(max_length=PARTNER_MAX, required=False, allow_blank=True, default="",
                                    help_text="only for purpose=partner: the partner the person agreed to share with")
    given_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Consent.Method.choices, help_text="how the consent was obtained")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="", trim_whitespace=False,
                                 help_text="sealed; read back only by those who may see identities")


class ConsentWithdrawalSerializer(serializers.Serializer):
    withdrawn_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Consent.Method.choices, help_text="how the withdrawal was made")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="", trim_whitespace=False,
                                 help_text="sealed; read back only by those who may see identities")
