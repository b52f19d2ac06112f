"""Import a spreadsheet from the command line, for scheduled loads: the same checks as the upload page.

    python manage.py import_data values figures.xlsx [--dry-run] [--user USERNAME] [--confirm-outliers]

KIND is one of: values, actions, indicators, funding, risks, plan (a whole plan's workbook). Every row is checked;
one problem anywhere and nothing is imported, the problems are listed, and the command exits with status 1.
Without --user the import runs with a performance officer's reach and is recorded as made on the command line;
with it, the user's permissions apply (a data expert imports only the values of the indicators they look after)
and the import is recorded as theirs. A value far outside its indicator's earlier values is a problem, as on the
value form, until it is confirmed: check the values listed, then run again with --confirm-outliers, and they are
stored as confirmed outliers.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from monitoring import audit
from monitoring.management.partnership import PartnershipCommand
from monitoring.models import ImportRecord
from monitoring.spreadsheets import imports
from monitoring.spreadsheets.outcome import refuse_unconfirmed


class Command(PartnershipCommand):
    one_partnership = True

    help = "Import a spreadsheet (CSV or .xlsx) of one kind, all or nothing, with the upload page's checks."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("kind", choices=[*imports.KINDS, imports.PLAN], help="What the file holds.")
        parser.add_argument("file", help="The .xlsx or CSV file.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and say what it would do; "
                                                                    "change nothing.")
        parser.add_argument("--user", help="Import as this user: their permissions apply and the import is theirs.")
        parser.add_argument("--confirm-outliers", action="store_true",
                            help="Confirm the values far outside their indicator's earlier values, having checked "
                                 "them; without it they are problems.")

    @audit.through(audit.Via.COMMAND, detail="manage.py import_data")
    def handle(self, *args, kind, file, dry_run, user, confirm_outliers, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if path.stat().st_size > limit:
            raise CommandError(f"{path.name} is larger than IMPORT_MAX_UPLOAD_BYTES ({limit:,} bytes): nothing was "
                               "imported.")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user, is_active=True).first()
            if importer is None:
                raise CommandError(f"There is no active user called {user!r}.")
        outcome = imports.import_file(kind=kind, content=path.read_bytes(), file_name=path.name, user=importer,
                                      apply=not dry_run, via=ImportRecord.Via.COMMAND,
                                      confirm_outliers=confirm_outliers)
        if dry_run and not confirm_outliers:
            refuse_unconfirmed(outcome, False)  # a check says what applying would say
        for notice in outcome.notices:
            self.stdout.write(f"Note: {notice}")
        if not outcome.ok:
            count = len(outcome.problems)
            listed = "\n".join(f"  {problem}" for problem in outcome.problems)
            advice = (
                "\nCheck the values far outside their indicator's earlier values; if they are right, run the command "
                "again with --confirm-outliers." if outcome.to_confirm and not confirm_outliers else ""
            )
            raise CommandError(
                f"{path.name} was not imported; nothing was changed. {count} problem{'s' if count != 1 else ''}:\n"
                f"{listed}{advice}"
            )
        self.stdout.write(f"{path.name} ({outcome.label.lower()}): {outcome.summary()}.")
        for sheet in outcome.sheets if len(outcome.sheets) > 1 else []:
            self.stdout.write(f"  {sheet.name}: {sheet.rows} rows, {sheet.new} new, {sheet.changed} changed, "
                              f"{sheet.unchanged} unchanged")
        if outcome.to_confirm:
            self.stdout.write(f"Confirmed {len(outcome.to_confirm)} value{'s' if len(outcome.to_confirm) != 1 else ''} "
                              "far outside their indicator's earlier values (--confirm-outliers).")
        if dry_run:
            self.stdout.write("Checked only (--dry-run): nothing was imported.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {outcome.record}."))
