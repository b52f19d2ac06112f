"""manage.py load_demo: the two seed plans, each in its partnership, and the corporate plan; the demo logins only in
development."""

from argparse import ArgumentTypeError
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring import audit
from monitoring.demo import load_demo
from monitoring.demo.data import DemoDataError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"give a date like 2009-07-10, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "Load the demo data from fixtures/: the NI 152 LAA target plan in the Coventry Partnership, the Children's "
        "Service plan 2012/13 and the corporate plan in Bath and North East Somerset. Safe to repeat: a plan already "
        "loaded is left as it is. The demo logins (password 'demo') are created only when DEBUG is on or "
        "--demo-logins is passed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-logins", action="store_true",
            help="Create the demo logins even though DEBUG is off. Never use this on a production site.",
        )
        parser.add_argument(
            "--today", type=_day, default=None, metavar="YYYY-MM-DD",
            help="The day the demo is loaded, for the open round's due date (three weeks later); default: today.",
        )

    @audit.through(audit.Via.COMMAND, detail="manage.py load_demo")
    def handle(self, *args, demo_logins=False, today=None, **options):
        try:
            lines = load_demo(with_logins=settings.DEBUG or demo_logins, today=today)
        except DemoDataError as error:
            raise CommandError(f"The demo data is not valid: {error}") from error
        for line in lines:
            self.stdout.write(line)
