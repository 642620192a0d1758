from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "server.draws"
    label = "draws"
    verbose_name = "双随机抽查"
