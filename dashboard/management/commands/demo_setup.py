"""manage.py demo_setup: a "Demo team" with an admin user `demo`, created once.

The password comes from DEMO_PASSWORD, or is generated and printed on creation; only
its hash is kept, in the user table. Running again with DEMO_PASSWORD set resets it.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from teams.access import membership_of
from teams.actions import team_create

USERNAME = "demo"
TEAM_NAME = "Demo team"


class Command(BaseCommand):
    help = 'Create the "Demo team" and its admin user "demo" (once).'

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "")
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(username=USERNAME).first()
            if user is None:
                self._create(User, password)
                return
            if membership_of(user) is None:
                team_create(name=TEAM_NAME, admin=user)
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
        if password:
            self.stdout.write(f"Demo user: {USERNAME} / the password in DEMO_PASSWORD (reset)")
        else:
            self.stdout.write(
                f"Demo user: {USERNAME} (exists; password as printed on the first run). "
                f"To reset it: DEMO_PASSWORD=... make run"
            )

    def _create(self, User, password: str) -> None:
        generated = secrets.token_urlsafe(12) if not password else ""
        user = User.objects.create_user(username=USERNAME, password=password or generated)
        team_create(name=TEAM_NAME, admin=user)
        self.stdout.write(f'Created "{TEAM_NAME}" with admin user {USERNAME}.')
        if generated:
            note = "(generated: note it, it is not stored)"
            self.stdout.write(f"Demo user: {USERNAME} / {generated} {note}")
        else:
            self.stdout.write(f"Demo user: {USERNAME} / the password in DEMO_PASSWORD")
