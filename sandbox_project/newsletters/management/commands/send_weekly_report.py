from django.core.management.base import BaseCommand

from newsletters.sending import send_weekly_report


class Command(BaseCommand):
    help = "Send the weekly report of new books to newsletter subscribers."

    def handle(self, *args, **options):
        results = send_weekly_report()
        sent = sum(1 for r in results if r.ok)
        self.stdout.write(f"Weekly report: {sent} of {len(results)} emails sent.")
