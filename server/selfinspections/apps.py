from django.apps import AppConfig


class SelfinspectionsConfig(AppConfig):
    name = "server.selfinspections"
    label = "selfinspections"
    verbose_name = "自查报告"
