"""Write a whole plan to one Excel workbook, a sheet per table, that `import_data plan` reads back.

    python manage.py export_plan "NI 152" [--output plan-ni-152.xlsx]
"""

from pathlib import Path

from django.core.management.base import CommandError

from monitoring.management.partnership import PartnershipCommand
from monitoring.spreadsheets import workbook
from plans.models import Plan


class Command(PartnershipCommand):
    one_partnership = True

    help = "Export a whole plan to an .xlsx workbook with a sheet per table."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("reference", help="The plan's reference, such as 'NI 152'.")
        parser.add_argument("--output", help="Where to write the workbook (default: plan-<reference>.xlsx here).")

    def handle(self, *args, reference, output, **options):
        plan = Plan.objects.filter(reference=reference).first()
        if plan is None:
            raise CommandError(f"There is no plan with the reference {reference!r}.")
        path = Path(output or workbook.workbook_file_name(plan))
        path.write_bytes(workbook.export_workbook(plan))
        self.stdout.write(f"Wrote {plan.reference} to {path}.")
