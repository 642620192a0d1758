"""EnforcementCase and ProducerNotice, moved from server.reviews: Django's state only; the tables
(reviews_enforcementcase, reviews_producernotice and the findings join table) exist already."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('inspections', '0001_initial'),
        ('registry', '0002_unqualified_product'),
        ('reviews', '0002_cases_moved_to_enforcement'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.CreateModel(
            name='EnforcementCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('findings_key', models.CharField(max_length=200)),
                ('reason', models.TextField(verbose_name='移送理由')),
                ('report', models.TextField(verbose_name='移送报告')),
                ('status', models.CharField(choices=[('referred', '已移送'), ('filed', '已立案'), ('closed', '已结案')], default='referred', max_length=8, verbose_name='状态')),
                ('case_number', models.CharField(blank=True, max_length=64, verbose_name='立案号')),
                ('outcome', models.CharField(blank=True, choices=[('penalized', '行政处罚'), ('no_violation', '不予处罚'), ('transferred', '移送司法机关')], max_length=16, verbose_name='处理结果')),
                ('outcome_note', models.TextField(blank=True, verbose_name='结果说明')),
                ('referred_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('findings', models.ManyToManyField(related_name='enforcement_cases', to='reviews.finding')),
                ('inspection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enforcement_cases', to='inspections.inspection')),
                ('referred_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '移送执法',
                'verbose_name_plural': '移送执法',
                'db_table': 'reviews_enforcementcase',
                'ordering': ['referred_at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['referred', 'filed', 'closed'])), name='case_status_valid'), models.CheckConstraint(condition=models.Q(('outcome', ''), ('outcome__in', ['penalized', 'no_violation', 'transferred']), _connector='OR'), name='case_outcome_valid'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'closed'), _negated=True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='case_closed_has_outcome'), models.UniqueConstraint(fields=('inspection', 'findings_key'), name='case_one_per_finding_set')],
            },
        ),
        migrations.CreateModel(
            name='ProducerNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('producer_name', models.CharField(max_length=200, verbose_name='生产者')),
                ('defect_description', models.TextField(verbose_name='疑似缺陷')),
                ('status', models.CharField(choices=[('sent', '已发出'), ('acknowledged', '已确认')], default='sent', max_length=16, verbose_name='状态')),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('finding', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='producer_notice', to='reviews.finding')),
                ('producer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.enterprise')),
                ('sent_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '缺陷通知',
                'verbose_name_plural': '缺陷通知',
                'db_table': 'reviews_producernotice',
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['sent', 'acknowledged'])), name='notice_status_valid')],
            },
        ),
    ])]
