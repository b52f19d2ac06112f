"""manage.py generate_council --scale N: a large deterministic council for benchmarks (see monitoring/demo/council.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from monitoring.demo.council import generate_council


class Command(BaseCommand):
    help = "Generate a large, deterministic council for benchmarks: scale 1 is ~20 plans, 400 actions, 100 indicators."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="1 for ~20 plans; 10 for ten times that.")
        parser.add_argument("--partnerships", type=int, default=1,
                            help="How many partnerships, each a council of the scale (default 1).")

    def handle(self, *args, scale, partnerships, **options):
        if not 1 <= scale <= 100:
            raise CommandError("--scale must be a whole number from 1 to 100.")
        if not 1 <= partnerships <= 500:
            raise CommandError("--partnerships must be a whole number from 1 to 500.")
        try:
            made = generate_council(scale, partnership_count=partnerships)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if connection.vendor == "postgresql":
            # A bulk load leaves the planner without statistics until autovacuum comes by; a live council has them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(", ".join(f"{count:,} {what}" for what, count in made.items()))
