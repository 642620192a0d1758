from rest_framework import serializers

from .models import InspectorUnavailability, PopulationKind, UnavailabilityKind


class DrawInputSerializer(serializers.Serializer):
    campaign = serializers.RegexField(r"^[-a-zA-Z0-9_]+\Z", max_length=64, required=False, allow_null=True,
                                      allow_blank=True)
    jurisdiction = serializers.RegexField(r"^[1-9][0-9]{5}\Z", max_length=6)
    product_category = serializers.RegexField(r"^[a-z-]+\Z", max_length=64)
    domain = serializers.RegexField(r"^[a-z]+\Z", max_length=32, required=False, allow_null=True, allow_blank=True)
    population = serializers.ChoiceField(choices=PopulationKind.values)
    percent = serializers.IntegerField(min_value=1, max_value=100)
    inspectors_per_inspection = serializers.IntegerField(min_value=2, max_value=20, default=2)
    scheduled_for = serializers.DateField()
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True, trim_whitespace=False)


class TextField(serializers.CharField):
    """A JSON string only: a number is not silently turned into text (the beacon is hashed as sent)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ExecuteInputSerializer(serializers.Serializer):
    beacon = TextField(max_length=500, trim_whitespace=False)
    beacon_source = TextField(max_length=500, required=False, allow_blank=True, allow_null=True)


class UnavailabilityInputSerializer(serializers.Serializer):
    inspector = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    starts = serializers.DateField()
    ends = serializers.DateField()
    kind = serializers.ChoiceField(choices=UnavailabilityKind.values)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class UnavailabilitySerializer(serializers.ModelSerializer):
    inspector = serializers.CharField(source="inspector.username")

    class Meta:
        model = InspectorUnavailability
        fields = ["id", "inspector", "starts", "ends", "kind", "note", "created_at"]
