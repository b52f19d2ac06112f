import django.core.validators
from django.db import migrations, models

FIELD = models.TextField(
    blank=True, help_text='Why the RAG status differs from the one the outputs suggest, when it does.',
    max_length=10000, validators=[django.core.validators.MaxLengthValidator(10000)],
    verbose_name='reason for the RAG status',
)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0007_outputs_not_available'),
    ]

    # As in 0007: left to itself, Django would add a NOT NULL column on SQLite by rebuilding the table, dropping the
    # triggers that guard signed-off returns (0005_seal_triggers) with the old table. ADD COLUMN with a constant
    # default keeps the table, and its triggers, on SQLite and PostgreSQL alike. The history table has no triggers.
    operations = [
        migrations.AddField(
            model_name='historicalprogressreport',
            name='rag_reason',
            field=FIELD,
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name='progressreport', name='rag_reason', field=FIELD),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE monitoring_progressreport ADD COLUMN rag_reason text NOT NULL DEFAULT ''",
                    reverse_sql="ALTER TABLE monitoring_progressreport DROP COLUMN rag_reason",
                ),
            ],
        ),
    ]
