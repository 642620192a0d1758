"""Receivers that keep the server-made docs in the store current: after the transaction that
changed an inspection (its inspectors, dossier status, enterprise) or an unqualified product
commits, the publisher writes the new doc. Failures are logged and caught up later by
publish_all_pending (run periodically by the reconciler)."""
from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from server.dossiers.models import Dossier
from server.inspections.models import Inspection
from server.registry.models import Enterprise, UnqualifiedProduct


def _later(func_name: str, *args) -> None:
    from sync import publisher

    transaction.on_commit(partial(publisher.safely, getattr(publisher, func_name), *args))


def _inspection_saved(sender, instance, **kwargs):
    _later("publish_inspection", instance.pk)


def _inspectors_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # user.assigned_inspections.add(...)
        for pk in pk_set or ():
            _later("publish_inspection", pk)
    else:
        _later("publish_inspection", instance.pk)


def _dossier_saved(sender, instance, **kwargs):
    _later("publish_inspection", instance.inspection_id)


def _enterprise_saved(sender, instance, created, **kwargs):
    if created:
        return
    for pk in Inspection.objects.filter(enterprise=instance).values_list("pk", flat=True):
        _later("publish_inspection", pk)


def _unqualified_changed(sender, instance, **kwargs):
    _later("publish_unqualified", instance.pk)


def connect() -> None:
    post_save.connect(_inspection_saved, sender=Inspection, dispatch_uid="sync_gateway_inspection_saved")
    post_delete.connect(_inspection_saved, sender=Inspection, dispatch_uid="sync_gateway_inspection_deleted")
    m2m_changed.connect(_inspectors_changed, sender=Inspection.inspectors.through,
                        dispatch_uid="sync_gateway_inspectors_changed")
    post_save.connect(_dossier_saved, sender=Dossier, dispatch_uid="sync_gateway_dossier_saved")
    post_save.connect(_enterprise_saved, sender=Enterprise, dispatch_uid="sync_gateway_enterprise_saved")
    post_save.connect(_unqualified_changed, sender=UnqualifiedProduct, dispatch_uid="sync_gateway_unqualified_saved")
    post_delete.connect(_unqualified_changed, sender=UnqualifiedProduct,
                        dispatch_uid="sync_gateway_unqualified_deleted")
