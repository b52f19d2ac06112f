"""manage.py load_demo: the two seed plans and the corporate plan; the demo logins only in development."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.demo import load_demo
from monitoring.demo.data import DemoDataError


class Command(BaseCommand):
    help = (
        "Load the demo data (the NI 152 LAA target plan, the Children's Service plan 2012/13 and the corporate "
        "plan) from fixtures/. Safe to repeat: a plan already loaded is left as it is. The demo logins "
        "(password 'demo') are created only when DEBUG is on or --demo-logins is passed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-logins", action="store_true",
            help="Create the demo logins even though DEBUG is off. Never use this on a production site.",
        )

    def handle(self, *args, demo_logins=False, **options):
        try:
            lines = load_demo(with_logins=settings.DEBUG or demo_logins)
        except DemoDataError as error:
            raise CommandError(f"The demo data is not valid: {error}") from error
        for line in lines:
            self.stdout.write(line)
