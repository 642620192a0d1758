from django.urls import path

from . import api

api_urlpatterns = [
    path("campaigns/", api.CampaignListApi.as_view(), name="campaigns"),
]
urlpatterns: list = []
