"""manage.py seed_generations --user demo --count 50000"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from generations.seeding import seed_generations


class Command(BaseCommand):
    help = "Insert N synthetic generations with real images for a user (tests, benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username that will own them")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--days", type=int, default=90, help="spread over this many days")
        parser.add_argument("--seed", type=int, default=1, help="random seed (repeatable runs)")

    def handle(self, *args, user, count, days, seed, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        made = seed_generations(user=owner, count=count, days=days, seed=seed)
        self.stdout.write(self.style.SUCCESS(f"Seeded {made} generations for {user}."))
