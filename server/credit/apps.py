from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "server.credit"
    label = "credit"
    verbose_name = "信用与风险"
