from rest_framework import serializers

from .models import Inspection


class InspectionSerializer(serializers.ModelSerializer):
    checklist = serializers.CharField(source="checklist_id")
    inspectors = serializers.SerializerMethodField()
    enterprise = serializers.IntegerField(source="enterprise_id")
    enterprise_name = serializers.CharField(source="enterprise.name")
    jurisdiction = serializers.CharField(source="enterprise.jurisdiction_id")
    status = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id", "enterprise", "enterprise_name", "jurisdiction", "product_category", "domain", "inspectors",
            "scheduled_for", "checklist", "status", "created_at", "updated_at",
        ]

    def get_inspectors(self, obj: Inspection) -> list[str]:
        return sorted(u.username for u in obj.inspectors.all())

    def get_status(self, obj: Inspection) -> str | None:
        dossier = getattr(obj, "dossier", None)
        return dossier.status if dossier is not None else None


class InspectionInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1)
    product_category = serializers.CharField(max_length=64)
    domain = serializers.CharField(max_length=32)
    inspectors = serializers.ListField(child=serializers.CharField(max_length=150), allow_empty=False, max_length=20)
    scheduled_for = serializers.DateField()
    checklist = serializers.CharField(max_length=120, required=False, allow_null=True, allow_blank=True)


class InspectorsInputSerializer(serializers.Serializer):
    inspectors = serializers.ListField(child=serializers.CharField(max_length=150), allow_empty=False, max_length=20)
