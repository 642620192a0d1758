"""The six jurisdictions of contract §1: 揭阳市 and its five county-level divisions."""
from django.db import migrations

JURISDICTIONS = [
    ("445200", "揭阳市", None),
    ("445202", "榕城区", "445200"),
    ("445203", "揭东区", "445200"),
    ("445222", "揭西县", "445200"),
    ("445224", "惠来县", "445200"),
    ("445281", "普宁市", "445200"),
]


def load(apps, schema_editor):
    Jurisdiction = apps.get_model("accounts", "Jurisdiction")
    for code, name, parent in JURISDICTIONS:
        Jurisdiction.objects.update_or_create(code=code, defaults={"name": name, "parent_id": parent})


def unload(apps, schema_editor):
    apps.get_model("accounts", "Jurisdiction").objects.filter(code__in=[c for c, _, _ in JURISDICTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
