from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "server.enforcement"
    label = "enforcement"
    verbose_name = "案件查办"
