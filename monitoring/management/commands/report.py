"""manage.py report "NI 152" 2008/09-Q1 -o ni152.pdf: a plan's monitoring report for one period, as PDF."""

from pathlib import Path

from django.core.management.base import CommandError

from monitoring import reports
from monitoring.management.partnership import PartnershipCommand


class Command(PartnershipCommand):
    one_partnership = True

    help = (
        "Write a plan's monitoring report for one period as PDF: the plan in its own order with the period's "
        "progress, indicator values, funding and risks. Until the return is signed off every page is marked "
        "DRAFT."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("plan", help="The plan's reference, for example 'NI 152'.")
        parser.add_argument("period", help="The period: a quarter as 2008/09-Q1, a half year as 2012/13-H1.")
        parser.add_argument(
            "-o", "--output", type=Path,
            help="The PDF file to write; by default the plan's reference and the period, as ni-152-2008-09-q1.pdf.",
        )

    def handle(self, *args, plan, period, output=None, **options):
        try:
            report = reports.find_return(reports.find_plan(plan), reports.find_period(period))
        except reports.ReportError as error:
            raise CommandError(str(error)) from None
        output = output or Path(reports.plan_report_filename(report))
        rendered = reports.plan_report_pdf(report)
        try:
            output.write_bytes(rendered.data)
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from None
        draft = "" if report.is_signed_off else " (draft: the return is not signed off)"
        self.stdout.write(f"Wrote {output}: {report.plan.reference} {report.round.period.label}, "
                          f"{rendered.pages} pages{draft}.")
