"""Each consequential action leaves exactly one audit row, in its team, naming who did
it and what changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from generations import approvals, services
from generations.catalog import find_model
from generations.deletion import generations_delete
from shares.services import share_create, share_revoke
from spend import budgets, prices
from teams import actions
from teams.access import membership_of
from tests.factories import GenerationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """Approved generations are queued, never sent (tests/conftest.py)."""


def only(action: str) -> AuditEvent:
    """The one audit row there is, which must be `action`."""
    events = list(AuditEvent.objects.all())
    assert [e.action for e in events] == [action]
    return events[0]


# --- members --------------------------------------------------------------------------


def test_adding_a_member(team_admin_client, owner):
    response = team_admin_client.post(
        reverse("team-members"),
        {"username": "newbie", "password": "Long-enough-pw-42", "role": "member"},
    )
    assert response.status_code == 302
    event = only("member.added")
    assert (event.team_id, event.actor_username) == (membership_of(owner).team_id, "boss")
    assert (event.target_type, event.target_label) == ("auth.user", "newbie")
    assert (event.before, event.after) == (None, {"role": "member"})


def test_changing_a_role(team_admin_client, owner):
    team_admin_client.post(reverse("team-member-role", args=[owner.pk]), {"role": "admin"})
    event = only("member.role_changed")
    assert (event.before, event.after) == ({"role": "member"}, {"role": "admin"})
    assert (event.target_id, event.actor_username) == (str(owner.pk), "boss")
    assert event.team_id == membership_of(owner).team_id


def test_setting_the_same_role_records_nothing(team_admin_client, owner):
    team_admin_client.post(reverse("team-member-role", args=[owner.pk]), {"role": "member"})
    assert not AuditEvent.objects.exists()


def test_a_refused_role_change_records_nothing(team_admin_client, team_admin):
    """The only admin cannot step down: the action fails, so nothing is logged."""
    team_admin_client.post(reverse("team-member-role", args=[team_admin.pk]), {"role": "member"})
    assert not AuditEvent.objects.exists()


def test_removing_a_member(team_admin_client, owner):
    team = membership_of(owner).team
    team_admin_client.post(reverse("team-member-remove", args=[owner.pk]))
    event = only("member.removed")
    assert (event.team_id, event.target_label, event.actor_username) == (team.pk, "owner", "boss")
    assert (event.before, event.after) == ({"role": "member"}, None)


def test_joining_by_invite_and_leaving(owner, team_admin):
    team = membership_of(owner).team
    other = member("elsewhere", role="admin")
    invite = actions.invite_create(team=membership_of(other).team, created_by=other, role="member")
    actions.invite_accept(invite=invite, user=owner)
    actions.team_leave(user=owner, team_id=team.pk)
    created, joined, left = AuditEvent.objects.order_by("id")
    assert [e.action for e in (created, joined, left)] == [
        "invite.created",
        "member.added",
        "member.left",
    ]
    assert created.after["role"] == "member" and invite.token not in str(created.after)
    assert (joined.actor_username, joined.after["invite_id"]) == ("owner", invite.pk)
    assert (left.team_id, left.actor, left.before) == (team.pk, owner, {"role": "member"})


def test_revoking_an_invite(team_admin_client, team_admin):
    invite = actions.invite_create(
        team=membership_of(team_admin).team, created_by=team_admin, role="member"
    )
    team_admin_client.post(reverse("team-invite-revoke"), {"invite": invite.pk})
    events = list(
        AuditEvent.objects.order_by("id").values_list("action", "target_id", "actor_username")
    )
    assert events == [
        ("invite.created", str(invite.pk), "boss"),
        ("invite.revoked", str(invite.pk), "boss"),
    ]


# --- money ----------------------------------------------------------------------------


def test_setting_then_changing_a_budget(team_admin_client, owner):
    url = reverse("team-budgets")
    team_admin_client.post(
        url, {"member": "", "amount": "15", "period": "month", "alert_thresholds": "50, 100"}
    )
    team_admin_client.post(
        url, {"member": "", "amount": "20.5", "period": "week", "alert_thresholds": "50, 100"}
    )
    team_admin_client.post(
        url, {"member": "", "amount": "20.50", "period": "week", "alert_thresholds": "50, 100"}
    )
    first, second = AuditEvent.objects.order_by("id")  # the unchanged third is not logged
    assert (first.action, first.before, first.target_label) == (
        "budget.changed",
        None,
        "the team's budget",
    )
    assert first.after == {"amount": "15.00", "period": "month", "alert_thresholds": [50, 100]}
    assert second.before == first.after
    assert second.after == {"amount": "20.50", "period": "week", "alert_thresholds": [50, 100]}
    assert (second.team_id, second.actor_username) == (membership_of(owner).team_id, "boss")


def test_a_members_budget_is_named_for_them(owner):
    team = membership_of(owner).team
    budgets.budget_set(team=team, user_id=owner.pk, amount=Decimal("3"), period="day")
    event = only("budget.changed")
    assert event.target_label == "budget of owner" and event.actor is None  # no request: system


def test_changing_a_price(team_admin):
    team_id = membership_of(team_admin).team_id
    prices.price_set(
        team_id=team_id, model_id="acme/painter-1", usd=Decimal("0.07"), user=team_admin
    )
    prices.price_set(
        team_id=team_id, model_id="acme/painter-1", usd=Decimal("0.09"), user=team_admin
    )
    first, second = AuditEvent.objects.order_by("id")
    assert (first.action, first.before, first.after) == (
        "price.changed",
        None,
        {"usd_per_image": "0.070000"},
    )
    assert (second.before, second.after) == (
        {"usd_per_image": "0.070000"},
        {"usd_per_image": "0.090000"},
    )
    assert (second.team_id, second.target_label, second.actor) == (
        team_id,
        "acme/painter-1",
        team_admin,
    )


def test_changing_the_retention_rule(team_admin_client, owner):
    team_admin_client.post(reverse("team-retention"), {"keep_originals_days": "30"})
    event = only("retention.changed")
    assert (event.before, event.after) == (
        {"keep_originals_days": None},
        {"keep_originals_days": 30},
    )
    assert event.team_id == membership_of(owner).team_id


# --- approvals ------------------------------------------------------------------------


@pytest.fixture
def waiting(owner, catalog):
    """A member's generation over the team's threshold, waiting for an admin."""
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="a kite", params={"n": 3}
    )
    assert generation.status == "approval"
    return generation


def test_approving(waiting, team_admin):
    approvals.approve(team=waiting.team, generation_id=waiting.pk, admin=team_admin)
    event = only("approval.approved")
    assert (event.before, event.after) == ({"status": "approval"}, {"status": "queued"})
    assert (event.actor, event.team_id, event.target_id) == (
        team_admin,
        waiting.team_id,
        str(waiting.pk),
    )


def test_declining(waiting, team_admin):
    approvals.reject(
        team=waiting.team, generation_id=waiting.pk, admin=team_admin, reason="Too dear"
    )
    event = only("approval.declined")
    assert event.after == {"status": "failed", "reason": "Too dear"}
    assert event.target_label == f"generation {waiting.pk} (recraft/recraft-v4)"


# --- deletions ------------------------------------------------------------------------


def test_deleting_one_generation(login, owner):
    generation = GenerationFactory(owner=owner)
    response = login(owner).post(reverse("generation-delete", args=[generation.pk]))
    assert response.status_code == 302
    event = only("generation.deleted")
    assert (event.target_id, event.team_id, event.actor) == (
        str(generation.pk),
        generation.team_id,
        owner,
    )
    assert event.before == {"model_id": "recraft/recraft-v4", "status": "succeeded"}


def test_a_bulk_delete_is_one_row_listing_the_ids(owner):
    ids = [GenerationFactory(owner=owner).pk for _ in range(3)]
    assert generations_delete(user=owner, ids=ids) == 3
    event = only("generation.bulk_deleted")
    assert event.before == {"ids": ids, "count": 3}
    assert (event.team_id, event.target_label) == (membership_of(owner).team_id, "3 generations")


def test_a_refused_delete_records_nothing(owner):
    ids = [GenerationFactory(owner=owner).pk, GenerationFactory(owner=owner, status="running").pk]
    with pytest.raises(ValueError):
        generations_delete(user=owner, ids=ids)
    assert not AuditEvent.objects.exists()


# --- share links ----------------------------------------------------------------------


def test_creating_and_revoking_a_share_link(login, owner, finished):
    image = finished.images.get()
    link = share_create(
        user=owner, image=image, expires_at=timezone.now() + timedelta(days=2), password="secret-pw"
    )
    created = only("share.created")
    assert (created.target_id, created.team_id, created.actor) == (
        str(link.pk),
        link.team_id,
        owner,
    )
    assert created.after["has_password"] is True and "secret-pw" not in str(created.after)
    response = login(owner).post(reverse("share-revoke", args=[link.pk]))
    assert response.status_code == 302
    revoked = AuditEvent.objects.get(action="share.revoked")
    assert (revoked.before, revoked.actor_username) == ({"revoked_at": None}, "owner")
    assert revoked.after["revoked_at"] is not None
    assert not share_revoke(link=link)  # already revoked: no second row
    assert AuditEvent.objects.filter(action="share.revoked").count() == 1


# --- team boards, team presets and the brand kit ----------------------------------------


def test_deleting_a_team_board_but_not_a_private_one(login, owner):
    from boards.services import board_create

    team = board_create(user=owner, name="Shared", visibility="team")
    private = board_create(user=owner, name="Mine", visibility="private")
    client = login(owner)

    client.post(reverse("board-delete", args=[private.pk]))
    assert not AuditEvent.objects.exists()
    client.post(reverse("board-delete", args=[team.pk]))

    event = only("board.deleted")
    assert event.actor == owner and event.team_id == membership_of(owner).team_id
    assert event.before == {"name": "Shared", "items": 0}


def test_a_team_presets_changes_and_deletion(team_admin):
    from presets.services import preset_delete, preset_save

    team = membership_of(team_admin).team
    fields = {"name": "Packshot", "template": "{subject}", "slots": {"subject": ""},
              "references": [], "targets": [{"model": "recraft/recraft-v4", "options": {}}]}  # fmt: skip
    preset = preset_save(user=team_admin, preset=None, team=team, **fields)
    preset_save(user=team_admin, preset=preset, team=team, name="Packshot 2")
    preset_delete(user=team_admin, preset=preset)

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["preset.created", "preset.changed", "preset.deleted"]
    changed = AuditEvent.objects.get(action="preset.changed")
    assert changed.before["name"] == "Packshot" and changed.after["name"] == "Packshot 2"


def test_a_personal_preset_is_not_audited(owner):
    from presets.services import preset_save

    preset_save(user=owner, preset=None, team=None, name="Mine", template="x", slots={})
    assert not AuditEvent.objects.exists()


def test_changing_the_brand_kit(team_admin_client, team_admin):
    response = team_admin_client.post(
        reverse("preset-brand-kit"), {"colours": "teal, sand", "style": "Calm", "references": ""}
    )
    assert response.status_code == 302, response.content.decode()[:500]

    event = only("brand_kit.changed")
    assert event.actor == team_admin and event.after["colours"] == "teal, sand"


def test_deciding_matrix_runs(owner, team_admin, plan_for_audit):
    from matrix.decisions import run_approve, run_decline
    from matrix.services import run_create

    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()
    first = run_create(user=owner, plan=plan_for_audit(owner))
    second = run_create(user=owner, plan=plan_for_audit(owner))

    run_approve(run=first, admin=team_admin)
    run_decline(run=second, admin=team_admin, reason="Too big")

    approved = AuditEvent.objects.get(action="matrix.approved")
    declined = AuditEvent.objects.get(action="matrix.declined")
    assert approved.actor == team_admin and approved.team_id == team.pk
    assert approved.before["status"] == "awaiting_approval"
    assert approved.after["status"] == "running"
    assert declined.after["status"] == "cancelled" and declined.after["reason"] == "Too big"
    assert Decimal(declined.after["estimated_total"]) == Decimal("0.08")  # 2 cells x $0.04


@pytest.fixture
def plan_for_audit(catalog):
    from generations.catalog import find_model
    from matrix.planning import Variable, plan_run

    def plan(user):
        return plan_run(
            user=user,
            template="a {thing}",
            variables=[Variable("thing", ("kite", "boat"))],
            models=[find_model("recraft/recraft-v4")],
            n=1,
            aspect_ratio="",
            cap=Decimal("5"),
        )

    return plan
