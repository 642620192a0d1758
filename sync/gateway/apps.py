from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "sync.gateway"
    label = "sync_gateway"
    verbose_name = "同步网关"

    def ready(self) -> None:
        from . import signals

        signals.connect()
