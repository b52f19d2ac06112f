"""Each indicator belongs to a partnership, its code unique within it: existing indicators move into the partnership
that plans 0007 moved existing plans into."""

import django.db.models.deletion
from django.db import migrations, models

import plans.models


def move_into_one_partnership(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    if not Indicator.objects.exists():
        return
    Partnership = apps.get_model("plans", "Partnership")
    partnership = Partnership.objects.order_by("pk").first() or Partnership.objects.create(name="Our partnership")
    Indicator.objects.update(partnership=partnership)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0006_planindicator_key_measure'),
        ('plans', '0007_partnerships'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='indicator', name='indicator_unique_code'),
        migrations.AddField(
            model_name='indicator', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='indicators', to='plans.partnership'),
        ),
        migrations.RunPython(move_into_one_partnership, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='indicator', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='indicators', to='plans.partnership'),
        ),
        migrations.AddConstraint(
            model_name='indicator',
            constraint=models.UniqueConstraint(condition=models.Q(('code', ''), _negated=True), fields=('partnership', 'code'), name='indicator_unique_code', violation_error_message='The partnership already has an indicator with this code.'),
        ),
    ]
