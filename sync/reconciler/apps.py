from django.apps import AppConfig


class ReconcilerConfig(AppConfig):
    name = "sync.reconciler"
    label = "sync_reconciler"
