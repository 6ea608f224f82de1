"""manage.py refresh_catalog [--wait SECONDS]: load the gateway's model list now."""

import time

from django.core.management.base import BaseCommand, CommandError

from generations.catalog import catalog_refresh
from llmtr.errors import LLMTRError


class Command(BaseCommand):
    help = "Fetch the gateway's model catalog and store it, so the model picker is filled."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="keep retrying transient failures (gateway not up yet) for this long",
        )

    def handle(self, *args, wait: float, **options):
        deadline = time.monotonic() + wait
        while True:
            try:
                count = catalog_refresh()
            except LLMTRError as exc:
                if exc.retryable and time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                raise CommandError(f"catalog refresh failed: {exc.message}") from exc
            self.stdout.write(f"Catalog refreshed: {count} models.")
            return
