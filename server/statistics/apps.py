from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "server.statistics"
    label = "statistics"
    verbose_name = "统计报表"
