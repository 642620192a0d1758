"""URL patterns of this app, mounted by server/urls.py."""
from django.urls import path  # noqa: F401

api_urlpatterns: list = []  # mounted under /api/v1/
urlpatterns: list = []  # mounted at the site root
