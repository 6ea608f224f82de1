"""Invite links: made and revoked by a team's admins on the members page, opened by a
signed-in user to join the team (which becomes their current one)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from teams import actions
from teams.access import forget_memberships, membership_of
from teams.models import Membership, TeamInvite
from tests.factories import member

pytestmark = pytest.mark.django_db

CREATE = reverse("team-invite-create")
REVOKE = reverse("team-invite-revoke")


@pytest.fixture
def team(owner):
    return membership_of(owner).team


@pytest.fixture
def invite(team, team_admin):
    return actions.invite_create(team=team, created_by=team_admin, role="member")


def join_url(invite: TeamInvite) -> str:
    return reverse("team-join", args=[invite.token])


# --- making and revoking ---------------------------------------------------------------


def test_an_admin_makes_a_link_and_sees_it_on_the_members_page(team_admin_client, team):
    response = team_admin_client.post(CREATE, {"role": "admin", "max_uses": "3"})

    assert response.status_code == 302 and response["Location"] == reverse("team-members")
    invite = TeamInvite.objects.get()
    assert (invite.team, invite.role, invite.max_uses, invite.uses) == (team, "admin", 3, 0)
    assert len(invite.token) >= 40
    assert timedelta(days=6, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=7)
    page = team_admin_client.get(reverse("team-members")).content.decode()
    assert f'value="http://testserver/teams/join/{invite.token}"' in page
    assert "Joins as admin · 0 of 3 used" in page


def test_every_link_has_its_own_token(team, team_admin):
    tokens = {actions.invite_create(team=team, created_by=team_admin, role="member").token
              for _ in range(5)}  # fmt: skip
    assert len(tokens) == 5


@pytest.mark.parametrize("data", [{"role": "owner"}, {"role": "member", "max_uses": "0"}])
def test_a_bad_link_request_says_why_and_makes_nothing(team_admin_client, data):
    response = team_admin_client.post(CREATE, data, follow=True)
    assert "The invite link was not made" in response.content.decode()
    assert not TeamInvite.objects.exists()


@pytest.mark.parametrize("who", ["owner", "teammate", "stranger"])
def test_only_an_admin_makes_a_link(request, login, team_admin, who):
    client = login(request.getfixturevalue(who))
    assert client.post(CREATE, {"role": "admin"}).status_code == 404
    assert not TeamInvite.objects.exists()


def test_an_admin_of_the_team_revokes_a_link(team_admin_client, invite):
    response = team_admin_client.post(REVOKE, {"invite": invite.pk})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    assert (
        f"/teams/join/{invite.token}"
        not in team_admin_client.get(reverse("team-members")).content.decode()
    )


@pytest.mark.parametrize("who", ["owner", "teammate", "stranger"])
def test_nobody_else_revokes_a_link(request, login, invite, who):
    client = login(request.getfixturevalue(who))
    assert client.post(REVOKE, {"invite": invite.pk}).status_code == 404
    assert client.post(REVOKE, {"invite": "nope"}).status_code == 404
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_an_admin_of_another_team_cannot_revoke_this_ones_link(login, invite):
    other_admin = member("other-admin", role="admin")
    assert login(other_admin).post(REVOKE, {"invite": invite.pk}).status_code == 404


# --- joining ---------------------------------------------------------------------------


def test_a_user_of_another_team_joins_and_works_for_the_new_team(login, stranger, invite, team):
    client = login(stranger)
    page = client.get(join_url(invite)).content.decode()
    assert 'Join <span id="join-team">owner&#x27;s team</span>' in page
    assert "noindex" in page

    response = client.post(join_url(invite))

    assert response.status_code == 302
    joined = Membership.objects.get(user=stranger, team=team)
    assert joined.role == "member" and joined.current
    assert Membership.objects.filter(user=stranger).count() == 2
    assert Membership.objects.filter(user=stranger, current=True).count() == 1
    forget_memberships(stranger)
    assert membership_of(stranger).team == team
    invite.refresh_from_db()
    assert invite.uses == 1
    page = client.get(reverse("studio")).content.decode()
    assert 'id="team-switch"' in page


def test_an_admin_link_makes_an_admin(login, stranger, team, team_admin):
    invite = actions.invite_create(team=team, created_by=team_admin, role="admin")
    client = login(stranger)
    client.post(join_url(invite))
    assert client.get(reverse("team-dashboard")).status_code == 200


def test_a_member_opening_the_link_again_is_not_added_twice(login, teammate, invite, team):
    client = login(teammate)
    assert "You are already on this team" in client.get(join_url(invite)).content.decode()

    client.post(join_url(invite))

    assert Membership.objects.filter(user=teammate, team=team).count() == 1
    invite.refresh_from_db()
    assert invite.uses == 0  # nobody new joined


def test_anonymous_signs_in_first_and_comes_back(client, invite):
    response = client.get(join_url(invite))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/teams/join/{invite.token}"


def test_an_unknown_link_is_a_clear_404(login, stranger):
    response = login(stranger).get(reverse("team-join", args=["not-a-token"]))
    assert response.status_code == 404
    assert "This invite link does not exist." in response.content.decode()


def test_an_expired_link_is_gone(login, stranger, invite, team):
    TeamInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now())
    client = login(stranger)
    for response in (client.get(join_url(invite)), client.post(join_url(invite))):
        assert response.status_code == 410
        assert "This invite link has expired." in response.content.decode()
    assert not Membership.objects.filter(user=stranger, team=team).exists()


def test_a_revoked_link_is_gone(login, stranger, invite, team):
    actions.invite_revoke(invite=invite)
    response = login(stranger).post(join_url(invite))
    assert response.status_code == 410
    assert "revoked" in response.content.decode()
    assert not Membership.objects.filter(user=stranger, team=team).exists()


def test_a_link_works_only_as_many_times_as_it_allows(login, team, team_admin):
    invite = actions.invite_create(team=team, created_by=team_admin, role="member", max_uses=2)
    first, second, third = member("one"), member("two"), member("three")
    assert login(first).post(join_url(invite)).status_code == 302
    assert login(second).post(join_url(invite)).status_code == 302

    response = login(third).post(join_url(invite))

    assert response.status_code == 410
    assert "used as many times as it allows" in response.content.decode()
    assert not Membership.objects.filter(user=third, team=team).exists()
    invite.refresh_from_db()
    assert invite.uses == 2


def test_the_last_use_cannot_be_taken_twice(team, team_admin):
    """Two people holding the same stale row: the conditional update lets one in."""
    invite = actions.invite_create(team=team, created_by=team_admin, role="member", max_uses=1)
    stale = TeamInvite.objects.get(pk=invite.pk)
    actions.invite_accept(invite=invite, user=member("quick"))

    from django.core.exceptions import ValidationError

    late = member("late")
    with pytest.raises(ValidationError, match="used as many times"):
        actions.invite_accept(invite=stale, user=late)
    assert not Membership.objects.filter(user=late, team=team).exists()


def test_adding_by_username_still_refuses_someone_on_another_team(team_admin_client, stranger):
    response = team_admin_client.post(
        reverse("team-members"), {"username": "stranger", "role": "member"}
    )
    assert response.status_code == 422
    assert "joins through an invite link" in response.content.decode()
    assert Membership.objects.filter(user=stranger).count() == 1
