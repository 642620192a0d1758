from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "sync.gateway"
    label = "sync_gateway"
