"""Rounds, committee packs and import records belong to a partnership: a round is one partnership's for a period.
Existing ones move into the partnership that plans 0007 moved existing plans into.

ImportRecord's column stays nullable so that it is added in place. ReportingRound's and ReportJob's tables are
rebuilt on SQLite, where the seal triggers of 0005_seal_triggers read the rounds' table: they are taken down before
and installed again after, on SQLite only (PostgreSQL alters the table in place).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

import plans.models


def move_into_one_partnership(apps, schema_editor):
    models_ = [apps.get_model("monitoring", name) for name in ("ReportingRound", "ReportJob", "ImportRecord")]
    if not any(model.objects.exists() for model in models_):
        return
    Partnership = apps.get_model("plans", "Partnership")
    partnership = Partnership.objects.order_by("pk").first() or Partnership.objects.create(name="Our partnership")
    for model in models_:
        model.objects.update(partnership=partnership)


seal_triggers = importlib.import_module("monitoring.migrations.0005_seal_triggers")


def on_sqlite(step):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            step(apps, schema_editor)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0008_progress_rag_reason'),
        ('plans', '0007_partnerships'),
        ('indicators', '0007_partnerships'),
    ]

    operations = [
        migrations.RunPython(on_sqlite(seal_triggers.uninstall), on_sqlite(seal_triggers.install)),
        migrations.AddField(
            model_name='importrecord', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.partnership'),
        ),
        migrations.AddField(
            model_name='reportinground', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reporting_rounds', to='plans.partnership'),
        ),
        migrations.AddField(
            model_name='reportjob', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.partnership'),
        ),
        migrations.RunPython(move_into_one_partnership, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='importrecord', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.partnership'),
        ),
        migrations.AlterField(
            model_name='reportinground', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='reporting_rounds', to='plans.partnership'),
        ),
        migrations.AlterField(
            model_name='reportjob', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.partnership'),
        ),
        migrations.AlterField(
            model_name='reportinground', name='period',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reporting_rounds', to='plans.period'),
        ),
        migrations.AlterModelOptions(name='reportinground', options={'ordering': ['-period__start', 'partnership']}),
        migrations.AddConstraint(
            model_name='reportinground',
            constraint=models.UniqueConstraint(fields=('partnership', 'period'), name='round_unique_period', violation_error_message='The partnership already has a round for this period.'),
        ),
        migrations.RunPython(on_sqlite(seal_triggers.install), on_sqlite(seal_triggers.uninstall)),
    ]
