"""Plans in reference order read from an index: the overview and the plan list page the first 25 of them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0007_partnerships"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="plan",
            index=models.Index(fields=["reference", "id"], name="plan_reference_order"),
        ),
    ]
