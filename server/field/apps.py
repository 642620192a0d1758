from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "server.field"
    label = "field"
    verbose_name = "现场检查应用"
