"""EnforcementCase and ProducerNotice moved to server.enforcement (issue 12): Django's state only.
The tables stay (server.enforcement's models keep db_table), so no row is lost."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0001_initial'),
    ]

    operations = [migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.RemoveField(
            model_name='producernotice',
            name='finding',
        ),
        migrations.RemoveField(
            model_name='producernotice',
            name='producer',
        ),
        migrations.RemoveField(
            model_name='producernotice',
            name='sent_by',
        ),
        migrations.DeleteModel(
            name='EnforcementCase',
        ),
        migrations.DeleteModel(
            name='ProducerNotice',
        ),
    ])]
