from django.urls import path

from . import api, views

api_urlpatterns = [
    path("campaigns/", api.CampaignListApi.as_view(), name="campaigns"),
]
urlpatterns = [
    path("ui/campaign/", views.campaign_page, name="web-campaign"),
]
