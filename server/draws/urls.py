api_urlpatterns: list = []  # mounted under /api/v1/
urlpatterns: list = []  # mounted at the site root
