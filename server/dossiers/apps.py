from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "server.dossiers"
    label = "dossiers"
    verbose_name = "检查档案"
