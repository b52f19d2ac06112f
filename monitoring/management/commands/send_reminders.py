"""Send the due-soon and overdue reminders of open rounds. Safe to run from cron daily: each goes once."""


from monitoring.management.partnership import PartnershipCommand
from monitoring.notifications import send_due_reminders


class Command(PartnershipCommand):
    help = "Send due-in-7-days and overdue reminders for open reporting rounds (each reminder is sent once)."

    def handle(self, *args, **options):
        counts = send_due_reminders()
        self.stdout.write(f"Sent {counts['due_soon']} due-soon and {counts['overdue']} overdue reminder(s).")
