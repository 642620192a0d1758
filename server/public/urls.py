from django.urls import path

from . import credit_views

api_urlpatterns: list = []  # mounted under /api/v1/
urlpatterns: list = [  # mounted at the site root
    # credit (issue 12)
    path("public/serious-dishonesty/", credit_views.serious_dishonesty, name="public-serious-dishonesty"),
]
