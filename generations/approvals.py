"""Approvals: a member's generation estimated above the team's threshold waits for an
admin, its estimate held against the budgets meanwhile.

    needs_approval   at submit: does this one wait?
    approve          an admin lets it go: queued, and its task sent after commit
    reject           an admin turns it down: failed with the reason, its hold released

Admins' own generations never wait. Compare and try-on go through generation_create,
so the same rule applies to each of their generations.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.log import record
from generations import charges, signals
from generations.models import Generation
from spend import ledger
from teams.access import is_team_admin
from teams.models import Team

AWAITING = Generation.Status.AWAITING_APPROVAL
MAX_REASON = 500


def needs_approval(user, team: Team | None, estimate: Decimal) -> bool:
    if team is None or team.approval_above is None:
        return False
    return estimate > team.approval_above and not is_team_admin(user, team.pk)


def requested(generation: Generation) -> None:
    """When one starts waiting: the dashboard lists it; apps above hear of it (webhooks)
    once it has committed, and a receiver that fails cannot undo the submit."""
    pk = generation.pk
    transaction.on_commit(
        lambda: signals.approval_requested.send_robust(sender=None, generation_id=pk)
    )


def pending(team: Team) -> QuerySet[Generation]:
    return (
        Generation.objects.filter(team=team, status=AWAITING)
        .select_related("owner")
        .order_by("created_at", "id")
    )


def _waiting(team: Team, generation_id: int) -> Generation:
    """The team's generation still awaiting approval, its row locked."""
    generation = (
        Generation.objects.select_for_update()
        .filter(pk=generation_id, team=team, status=AWAITING)
        .first()
    )
    if generation is None:
        raise ValidationError("That generation is no longer waiting for approval.")
    return generation


def approve(*, team: Team, generation_id: int, admin) -> Generation:
    from generations.services import enqueue

    with transaction.atomic():
        generation = _waiting(team, generation_id)
        now = timezone.now()
        Generation.objects.filter(pk=generation.pk).update(
            status=Generation.Status.QUEUED, enqueued_at=now, decided_by=admin, decided_at=now
        )
        _audit("approval.approved", generation, admin, {"status": Generation.Status.QUEUED})
        transaction.on_commit(lambda: enqueue(generation.pk))
    return generation


def reject(*, team: Team, generation_id: int, admin, reason: str) -> Generation:
    reason = " ".join((reason or "").split())[:MAX_REASON]
    with transaction.atomic():
        generation = _waiting(team, generation_id)
        now = timezone.now()
        why = f" Their reason: {reason}" if reason else ""
        Generation.objects.filter(pk=generation.pk).update(
            status=Generation.Status.FAILED,
            error_type="rejected",
            error_message=(
                f"A team admin ({admin.get_username()}) did not approve this generation, "
                f"so nothing was sent or charged.{why}"
            ),
            cost_basis="not approved; nothing billed",
            finished_at=now,
            decided_by=admin,
            decided_at=now,
        )
        charges.settle(generation, ledger.Charge(Decimal(0), "not approved; nothing billed"))
        _audit("approval.declined", generation, admin, {"status": "failed", "reason": reason})
        signals.announce_settled(generation.pk)
    return generation


def _audit(action: str, generation: Generation, admin, after: dict) -> None:
    record(
        action=action,
        actor=admin,
        target=generation,
        target_label=f"generation {generation.pk} ({generation.model_id})",
        before={"status": AWAITING},
        after=after,
    )
