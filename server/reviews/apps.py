from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "server.reviews"
    label = "reviews"
    verbose_name = "审核与处置"
