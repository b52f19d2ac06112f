"""Through what each workflow move came: the web page, the API (and which token), an import or a command.

Both columns are nullable and have no default, so that SQLite adds them in place (ALTER TABLE ADD COLUMN) rather
than rebuilding monitoring_workflowevent, which the seal triggers of 0005/0009 read. Existing rows keep NULL: moves
recorded before the channel was kept, shown like the web page's (monitoring.audit.through_label). The table's
row-level security policy (0010) covers the new columns as it covers the rest of the row.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0011_api_tokens'),
    ]

    operations = [
        migrations.AddField(
            model_name='workflowevent',
            name='via',
            field=models.CharField(blank=True, choices=[('page', 'Web page'), ('api', 'API'), ('import', 'Import'), ('command', 'Command line')], max_length=10, null=True),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='via_detail',
            field=models.CharField(blank=True, help_text='Which token (or file, or command) it came through.', max_length=83, null=True),
        ),
    ]
