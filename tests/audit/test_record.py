"""record(): who, what, from where, before → after; secrets kept out; written in the
caller's transaction; and rows that cannot be changed or removed through the app."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from audit.log import REDACTED, current_request, record, request_actor
from audit.models import AppendOnlyError, AuditEvent
from teams.access import membership_of

pytestmark = pytest.mark.django_db


def test_it_keeps_the_actor_and_a_snapshot_of_their_name(owner):
    event = record(action="member.added", actor=owner, team_id=7)
    event.refresh_from_db()
    assert (event.actor, event.actor_username, event.team_id) == (owner, "owner", 7)


def test_the_row_outlives_the_actor(owner):
    event = record(action="member.added", actor=owner, team_id=7)
    owner.delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_username == "owner"


def test_no_actor_is_the_system():
    event = record(action="generation.deleted")
    assert event.actor is None and event.actor_username == ""


def test_the_target_is_kept_as_type_id_and_label_with_its_team(owner):
    membership = membership_of(owner)
    event = record(action="member.role_changed", target=membership)
    assert event.target_type == "teams.membership"
    assert event.target_id == str(membership.pk)
    assert event.target_label == str(membership)
    assert event.team_id == membership.team_id  # taken from the target


def test_a_given_label_wins_and_long_labels_are_cut(owner):
    assert record(action="x.y", target=owner, target_label="Alice").target_label == "Alice"
    assert len(record(action="x.y", target=owner, target_label="a" * 500).target_label) == 200


def test_secrets_are_redacted_and_money_becomes_text():
    event = record(
        action="webhook.changed",
        before={"secret": "whsec_1", "url": "https://a.example", "amount": Decimal("1.50")},
        after={
            "api_token": "tok",
            "nested": {"password": "pw", "Webhook_Secret": "s", "kept": 1},
            "has_password": True,
            "token_name": "ci",
            "items": [{"token": "t"}],
        },
    )
    event.refresh_from_db()
    assert event.before == {"secret": REDACTED, "url": "https://a.example", "amount": "1.50"}
    assert event.after == {
        "api_token": REDACTED,
        "nested": {"password": REDACTED, "Webhook_Secret": REDACTED, "kept": 1},
        "has_password": True,
        "token_name": "ci",
        "items": [{"token": REDACTED}],
    }


def test_the_address_and_agent_come_from_the_request_given():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="U" * 400)
    event = record(action="sso.signin", request=request)
    assert event.ip_address == "203.0.113.9"
    assert event.user_agent == "U" * 255


def test_behind_a_proxy_the_address_is_the_one_signin_trusts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4"
    )
    assert record(action="sso.signin", request=request).ip_address == "198.51.100.4"


def test_without_a_request_the_middleware_context_gives_the_address(owner):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox")
    request.user = owner
    token = current_request.set(request)
    try:
        assert request_actor() == owner
        event = record(action="budget.changed", actor=request_actor())
    finally:
        current_request.reset(token)
    assert (event.ip_address, event.user_agent, event.actor) == ("198.51.100.7", "Firefox", owner)
    assert request_actor() is None
    assert record(action="budget.changed").ip_address == ""  # a worker: no request


def test_the_middleware_sets_the_context_for_a_real_request(team_admin_client, owner):
    """Through the whole stack: a role change deep in teams.actions knows the address
    and the admin although it is handed neither."""
    from django.urls import reverse

    response = team_admin_client.post(
        reverse("team-member-role", args=[owner.pk]), {"role": "admin"}, REMOTE_ADDR="192.0.2.44"
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="member.role_changed")
    assert (event.ip_address, event.actor_username) == ("192.0.2.44", "boss")


def test_a_rolled_back_action_leaves_no_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="budget.changed", team_id=1)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.exists()


# --- append-only ------------------------------------------------------------------------


def test_a_stored_event_cannot_be_saved_again():
    event = record(action="share.created", team_id=1)
    event.action = "share.revoked"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get().action == "share.created"


def test_an_event_cannot_be_deleted():
    event = record(action="share.created", team_id=1)
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.count() == 1


def test_the_manager_refuses_bulk_updates_and_deletes():
    record(action="share.created", team_id=1)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(team_id=1).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["action"])
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["share.created"]


def test_the_database_refuses_what_the_app_refuses(owner):
    """On PostgreSQL a trigger refuses UPDATE and DELETE even past the app (the plain
    base manager). Elsewhere only the app's guard stands, and that is asserted instead."""
    event = record(action="share.created", actor=owner, team_id=1)
    raw = AuditEvent._base_manager.filter(pk=event.pk)
    if connection.vendor == "postgresql":
        for change in (lambda: raw.update(action="x"), raw.delete):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                change()
        # The one change allowed: forgetting a deleted user (the name snapshot stays).
        with pytest.raises(DatabaseError), transaction.atomic():
            raw.update(actor=None, actor_username="someone else")
        raw.update(actor=None)
    else:
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="x")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).delete()
        raw.update(actor=None)
    event.refresh_from_db()
    assert (event.action, event.actor, event.actor_username) == ("share.created", None, "owner")


def test_the_admin_site_offers_no_way_to_change_events(login, owner):
    from django.urls import reverse

    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = login(owner)
    event = record(action="share.created", team_id=1)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    change = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "x"})
    assert change.status_code == 403
    assert AuditEvent.objects.get().action == "share.created"
