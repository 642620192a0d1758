"""Supervisor pages under /ui/ (LOGIN_URL /ui/login/, LOGIN_REDIRECT_URL /ui/)."""
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

api_urlpatterns: list = []  # mounted under /api/v1/
urlpatterns = [  # mounted at the site root
    path("ui/login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
         name="web-login"),
    path("ui/logout/", auth_views.LogoutView.as_view(next_page="/ui/login/"), name="web-logout"),
    path("ui/", views.dossier_list, name="web-dossiers"),
    path("ui/statistics/", views.statistics, name="web-statistics"),
    path("ui/dossiers/<uuid:pk>/", views.dossier_detail, name="web-dossier"),
    path("ui/dossiers/<uuid:pk>/review/", views.dossier_review, name="web-dossier-review"),
    path("ui/dossiers/<uuid:pk>/conflicts/resolve/", views.conflict_resolve, name="web-conflict-resolve"),
    path("ui/dossiers/<uuid:pk>/findings/", views.finding_add, name="web-finding-add"),
    path("ui/dossiers/<uuid:pk>/rectification/", views.rectification_issue, name="web-rectification-issue"),
    path("ui/dossiers/<uuid:pk>/rectification/close/", views.rectification_close, name="web-rectification-close"),
    path("ui/dossiers/<uuid:pk>/cases/", views.case_refer, name="web-case-refer"),
    path("ui/dossiers/<uuid:pk>/cases/<int:case_id>/", views.case_update, name="web-case-update"),
]
