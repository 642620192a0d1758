from django.urls import path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("statistics/campaign/<str:code>/", api.StatisticsApi.as_view(), name="statistics-campaign"),
    path("statistics/campaign/<str:code>/export.xlsx", api.StatisticsXlsxApi.as_view(), name="statistics-campaign-xlsx"),
    path("statistics/campaign/<str:code>/records/", api.StatisticsRecordsApi.as_view(), name="statistics-campaign-records"),
    path("statistics/liaisons/", api.LiaisonListApi.as_view(), name="statistics-liaisons"),
    path("statistics/liaisons/export.xlsx", api.LiaisonXlsxApi.as_view(), name="statistics-liaisons-xlsx"),
]
urlpatterns = [  # mounted at the site root
    path("ui/statistics/campaign/<str:code>/", views.campaign_page, name="web-statistics-campaign"),
    path("ui/statistics/campaign/<str:code>/records/", views.records_page, name="web-statistics-records"),
]
