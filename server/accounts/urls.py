from django.urls import path

from . import api

api_urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="auth-token"),
    path("accounts/", api.AccountListCreateApi.as_view(), name="accounts"),
    path("accounts/me/", api.MeApi.as_view(), name="accounts-me"),
]
urlpatterns: list = []
