from rest_framework import serializers

from .models import Role, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class AccountCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[A-Za-z0-9_.@+-]{1,150}$", max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    role = serializers.CharField(max_length=32)
    jurisdiction = serializers.CharField(max_length=16, required=False, allow_null=True, allow_blank=True)
    full_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    certification_body = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    enterprise = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**53)


class AccountSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="effective_role")
    jurisdiction = serializers.CharField(source="jurisdiction_id", allow_null=True)
    certification_body = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "jurisdiction", "certification_body", "enterprise",
                  "is_active"]
