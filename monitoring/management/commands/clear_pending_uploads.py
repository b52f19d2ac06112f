"""Delete uploads nobody confirmed within a day. Safe to run from cron daily (or hourly): it only ever deletes
files older than a day under MEDIA_ROOT/imports/pending. See monitoring.spreadsheets.pending for why this is a
command of its own rather than a step of send_reminders."""

from django.core.management.base import BaseCommand

from monitoring.spreadsheets import pending


class Command(BaseCommand):
    help = "Delete unconfirmed spreadsheet uploads older than a day."

    def handle(self, *args, **options):
        deleted = pending.forget_stale()
        self.stdout.write(f"Deleted {deleted} unconfirmed upload{'' if deleted == 1 else 's'} older than a day.")
