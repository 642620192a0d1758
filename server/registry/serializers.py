from rest_framework import serializers

from .models import CccCertificate, Enterprise, ProductionLicence, UnqualifiedProduct


class LicenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductionLicence
        fields = ["id", "number", "product_category", "valid_until"]


class CertificateSerializer(serializers.ModelSerializer):
    certification_body = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CccCertificate
        fields = ["id", "number", "product_category", "certification_body", "status", "valid_until"]


class EnterpriseSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction_id")
    licences = LicenceSerializer(many=True, read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id", "name", "credit_code", "address", "jurisdiction", "roles", "product_categories",
            "latitude", "longitude", "contact", "phone", "licences", "certificates", "created_at", "updated_at",
        ]


class EnterpriseInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=32)
    address = serializers.CharField(max_length=300)
    jurisdiction = serializers.CharField(max_length=16)
    roles = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=False, max_length=3)
    product_categories = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False, max_length=6)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)


class EnterpriseUpdateSerializer(EnterpriseInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields.pop("credit_code")


class LicenceInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    product_category = serializers.CharField(max_length=64)
    valid_until = serializers.DateField(required=False, allow_null=True)


class CertificateInputSerializer(LicenceInputSerializer):
    certification_body = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)


class UnqualifiedProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnqualifiedProduct
        fields = [
            "id", "product_category", "product_name", "model", "brand", "manufacturer", "batch", "found_in",
            "rectified", "created_at", "updated_at",
        ]


class UnqualifiedProductInputSerializer(serializers.Serializer):
    product_category = serializers.CharField(max_length=64)
    product_name = serializers.CharField(max_length=200)
    model = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    brand = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    manufacturer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    batch = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    found_in = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    rectified = serializers.BooleanField(required=False, default=False)
