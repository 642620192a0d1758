from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api.permissions import IsAdmin

from . import selectors, services
from .serializers import AccountCreateSerializer, AccountSerializer, TokenRequestSerializer
from .throttles import LoginThrottle


class TokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: dict})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None or not user.is_active:
            return Response({"detail": "用户名或密码错误"}, status=status.HTTP_401_UNAUTHORIZED)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "username": user.username, "role": user.effective_role})


class AccountListCreateApi(APIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAdmin()]
        return super().get_permissions()

    @extend_schema(responses=AccountSerializer(many=True))
    def get(self, request):
        users = selectors.user_list_visible(user=request.user)
        return Response(AccountSerializer(users, many=True).data)

    @extend_schema(request=AccountCreateSerializer, responses={201: AccountSerializer})
    def post(self, request):
        serializer = AccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_create(
            username=data["username"],
            password=data["password"],
            role=data["role"],
            jurisdiction=data.get("jurisdiction") or None,
            certification_body=data.get("certification_body") or None,
            full_name=data.get("full_name", ""),
            email=data.get("email", ""),
            enterprise=data.get("enterprise") or None,
        )
        return Response(AccountSerializer(user).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    enterprise_access = True  # one's own account

    @extend_schema(responses=AccountSerializer)
    def get(self, request):
        return Response(AccountSerializer(request.user).data)
