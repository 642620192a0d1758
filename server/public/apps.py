from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "server.public"
    label = "public"
    verbose_name = "公开信息"
