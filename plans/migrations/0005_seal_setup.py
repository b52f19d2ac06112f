from django.db import migrations, models


def add_column(apps, schema_editor):
    """Add the column in place: Django's own AddField rebuilds the table on SQLite, dropping the seal's triggers."""
    kind = "jsonb NOT NULL DEFAULT '{}'::jsonb" if schema_editor.connection.vendor == "postgresql" else (
        "text NOT NULL DEFAULT '{}' CHECK (JSON_VALID(setup))"
    )
    schema_editor.execute(f"ALTER TABLE plans_seal ADD COLUMN setup {kind}")


def drop_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE plans_seal DROP COLUMN setup")


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0004_text_lengths'),
        ('monitoring', '0005_seal_triggers'),
    ]

    # plans_seal carries triggers (monitoring 0005_seal_triggers) that a rebuilt table would lose; see add_column.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name='seal', name='setup', field=models.JSONField(blank=True, default=dict)),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
