"""manage.py committee_pack 2008/09-Q1 -o pack.pdf: the committee pack for one period, as PDF."""

from pathlib import Path

from django.core.management.base import CommandError

from monitoring import reports
from monitoring.management.partnership import PartnershipCommand


class Command(PartnershipCommand):
    one_partnership = True

    help = (
        "Write the committee pack for one period as PDF: a cover, contents with page numbers, the exception "
        "report (every red and amber indicator and action, with commentary) and each plan's monitoring report. "
        "Every plan with a return in the period is included, or only those named with --plan."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("period", help="The period: a quarter as 2008/09-Q1, a half year as 2012/13-H1.")
        parser.add_argument(
            "--plan", action="append", dest="plans", metavar="REFERENCE",
            help="Include this plan (its reference, for example 'NI 152'); repeat for more. Default: every plan "
            "with a return in the period.",
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="The PDF file to write; by default committee-pack-2008-09-q1.pdf."
        )

    def handle(self, *args, period, plans=None, output=None, verbosity=1, **options):
        try:
            found = reports.find_period(period)
            reports.returns_in_period(found, plans)  # a bad plan fails here, before anything is rendered
        except reports.ReportError as error:
            raise CommandError(str(error)) from None
        output = output or Path(reports.committee_pack_filename(found))
        if not output.parent.is_dir():
            raise CommandError(f"Could not write {output}: there is no folder {output.parent}.")

        def progress(done, total, stage):
            if verbosity > 1:
                self.stderr.write(f"[{done}/{total}] {stage}")

        result = reports.committee_pack(found, output, references=plans, on_progress=progress)
        draft = " (some returns are not signed off: their reports are marked DRAFT)" if result.is_draft else ""
        self.stdout.write(
            f"Wrote {output}: committee pack {found.label}, {result.plans} plan{'s' if result.plans != 1 else ''}, "
            f"{result.exceptions} exception{'s' if result.exceptions != 1 else ''}, {result.pages} pages{draft}."
        )
