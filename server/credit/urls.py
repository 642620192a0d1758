from django.urls import path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("enterprises/<int:pk>/risk/", api.EnterpriseRiskApi.as_view(), name="enterprise-risk"),
    path("risk/", api.RiskListApi.as_view(), name="risk-list"),
    path("credit/serious-dishonesty/", api.DishonestyListCreateApi.as_view(), name="serious-dishonesty"),
    path("credit/serious-dishonesty/<int:pk>/remove/", api.DishonestyRemoveApi.as_view(),
         name="serious-dishonesty-remove"),
]
urlpatterns = [  # mounted at the site root
    path("ui/risk/", views.risk_page, name="web-risk"),
]
