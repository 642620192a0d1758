from django.urls import path

from . import credit_views, draws_views

api_urlpatterns: list = []  # mounted under /api/v1/
urlpatterns = [  # mounted at the site root; no sign-in
    # credit (issue 12)
    path("public/serious-dishonesty/", credit_views.serious_dishonesty, name="public-serious-dishonesty"),
    # 双随机、一公开 (issue 11): the draws' public pages
    path("public/draws/", draws_views.draw_list, name="public-draws"),
    path("public/draws/verify.py", draws_views.verifier, name="public-draws-verifier"),
    path("public/draws/rules.md", draws_views.rules, name="public-draws-rules"),
    path("public/draws/<int:pk>/", draws_views.draw_detail, name="public-draw"),
    path("public/draws/<int:pk>.json", draws_views.draw_json, name="public-draw-json"),
    path("public/draws/<int:pk>/selection.<str:extension>", draws_views.selection_table,
         name="public-draw-selection-table"),
]
