from django.urls import path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("draws/", api.DrawListCreateApi.as_view(), name="draws"),
    path("draws/preview/", api.DrawPreviewApi.as_view(), name="draw-preview"),
    path("draws/<int:pk>/", api.DrawDetailApi.as_view(), name="draw-detail"),
    path("draws/<int:pk>/execute/", api.DrawExecuteApi.as_view(), name="draw-execute"),
    path("inspector-unavailability/", api.UnavailabilityListCreateApi.as_view(), name="inspector-unavailability"),
    path("inspector-unavailability/<int:pk>/", api.UnavailabilityDetailApi.as_view(),
         name="inspector-unavailability-detail"),
]
urlpatterns = [  # mounted at the site root
    path("ui/draws/", views.draw_list, name="web-draws"),
    path("ui/draws/new/", views.draw_new, name="web-draw-new"),
    path("ui/draws/announce/", views.draw_announce, name="web-draw-announce"),
    path("ui/draws/<int:pk>/", views.draw_detail, name="web-draw"),
    path("ui/draws/<int:pk>/execute/", views.draw_execute, name="web-draw-execute"),
]
