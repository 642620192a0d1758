"""The seed plan's campaign `jieyang-2019` on every fresh install (contract §8)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from server.campaigns.seed import JIEYANG_2019
    from server.campaigns.services import campaign_create_or_update

    campaign_create_or_update(
        data=JIEYANG_2019,
        campaign_model=apps.get_model("campaigns", "Campaign"),
        phase_model=apps.get_model("campaigns", "Phase"),
        deadline_model=apps.get_model("campaigns", "Deadline"),
        jurisdiction_model=apps.get_model("accounts", "Jurisdiction"),
    )


def backwards(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(code="jieyang-2019").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("accounts", "0002_contract_jurisdictions"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
