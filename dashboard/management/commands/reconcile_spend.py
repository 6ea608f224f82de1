"""Check that budgets and every money figure agree with the ledger.

manage.py reconcile_spend          print the drift, exit 1 when there is any
manage.py reconcile_spend --record also keep the result for the dashboard
"""

from django.core.management.base import BaseCommand, CommandError

from dashboard import reconcile


class Command(BaseCommand):
    help = "Check the ledger against budget periods and every displayed money figure."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--record", action="store_true", help="keep the result")

    def handle(self, *args, record: bool = False, **options) -> None:
        report = reconcile.reconcile()
        if record:
            reconcile.record(report)
        for line in report.drift:
            self.stdout.write(f"drift: {line}")
        if not report.ok:
            raise CommandError(f"{len(report.drift)} disagreements in {report.checked} checks.")
        self.stdout.write(f"ok: {report.checked} checks, the ledger agrees with every figure.")
