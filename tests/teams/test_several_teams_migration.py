"""The move to several teams per user: a database at the one-team schema, with a
membership in it, migrates forward with the row kept and marked current, and back
again (a second membership made meanwhile is the one dropped)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("teams", "0007_keep_originals_days")]
AFTER = [("teams", "0008_several_teams")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_memberships_survive_the_move_and_back():
    old = _migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="one-team")
    first = old.get_model("teams", "Team").objects.create(name="First")
    row = old.get_model("teams", "Membership").objects.create(user=user, team=first, role="admin")

    new = _migrate(AFTER)
    Membership = new.get_model("teams", "Membership")
    kept = Membership.objects.get()
    assert (kept.pk, kept.user_id, kept.team_id, kept.role, kept.current) == (
        row.pk, user.pk, first.pk, "admin", True,
    )  # fmt: skip
    second = new.get_model("teams", "Team").objects.create(name="Second")
    Membership.objects.create(user_id=user.pk, team=second, role="member")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user_id=user.pk, team=second)

    old = _migrate(BEFORE)
    back = old.get_model("teams", "Membership").objects.get()
    assert (back.pk, back.team_id, back.role) == (row.pk, first.pk, "admin")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was
