"""Share links as the services make, revoke and count them, and how links die."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from shares.models import ShareLink
from shares.services import (
    ShareProblem,
    latest_expiry,
    share_create,
    share_password_matches,
    share_revoke,
    share_view_record,
)
from teams.access import membership_of
from teams.actions import member_remove

pytestmark = pytest.mark.django_db


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


def test_a_link_has_an_unguessable_token_and_the_sharers_team(owner, board):
    first = share_create(user=owner, board=board, expires_at=in_days(1))
    second = share_create(user=owner, board=board, expires_at=in_days(1))
    assert len(first.token) >= 43 and first.token != second.token
    assert first.team_id == membership_of(owner).team_id
    assert first.state == ShareLink.State.ACTIVE and first.view_count == 0
    assert not first.show_prompts and not first.has_password


def test_a_password_is_stored_hashed_and_checked(owner, image):
    link = share_create(user=owner, image=image, expires_at=in_days(7), password="open sesame")
    assert link.password != "open sesame" and check_password("open sesame", link.password)
    assert share_password_matches(link=link, password="open sesame")
    assert not share_password_matches(link=link, password="open sesam")


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        (lambda: timezone.now() - timedelta(minutes=1), "must be in the future"),
        (lambda: latest_expiry() + timedelta(seconds=1), "at most 365 days"),
    ],
)
def test_an_expiry_outside_the_year_ahead_is_refused(owner, board, expires_at, message):
    with pytest.raises(ShareProblem, match=message):
        share_create(user=owner, board=board, expires_at=expires_at())
    assert not ShareLink.objects.exists()


def test_a_link_a_year_ahead_is_allowed(owner, board):
    link = share_create(user=owner, board=board, expires_at=latest_expiry())
    assert link.expires_at > in_days(365)


def test_a_short_password_is_refused(owner, board):
    with pytest.raises(ShareProblem, match="6 to 128 characters"):
        share_create(user=owner, board=board, expires_at=in_days(1), password="abc")


def test_a_link_shares_exactly_one_thing(owner, board, image):
    with pytest.raises(ShareProblem, match="either a board or an image"):
        share_create(user=owner, board=board, image=image, expires_at=in_days(1))
    with pytest.raises(ShareProblem, match="either a board or an image"):
        share_create(user=owner, expires_at=in_days(1))


def test_the_database_refuses_a_link_with_two_targets_or_none(owner, board, image):
    for targets in ({"board": board, "image": image}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ShareLink.objects.create(
                token=f"t{len(targets)}", created_by=owner, expires_at=in_days(1), **targets
            )


def test_only_someone_who_may_manage_a_board_may_share_it(
    owner, teammate, team_admin, stranger, finished, make_board
):
    team_board = make_board(owner, "Team picks", visibility="team", generations=[finished])
    for user in (teammate, stranger):
        with pytest.raises(ShareProblem):
            share_create(user=user, board=team_board, expires_at=in_days(1))
    assert share_create(user=team_admin, board=team_board, expires_at=in_days(1)).pk


def test_an_image_is_shared_by_whoever_may_see_it(owner, teammate, team_admin, stranger, image):
    for user in (teammate, stranger):
        with pytest.raises(ShareProblem):
            share_create(user=user, image=image, expires_at=in_days(1))
    assert share_create(user=team_admin, image=image, expires_at=in_days(1)).pk


def test_revoking_stops_a_link_once(owner, board):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    assert share_revoke(link=link) is True
    first = ShareLink.objects.get(pk=link.pk).revoked_at
    assert first is not None and link.state == ShareLink.State.REVOKED
    assert share_revoke(link=link) is False
    assert ShareLink.objects.get(pk=link.pk).revoked_at == first


def test_a_link_past_its_expiry_reads_expired(owner, board, time_machine):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    time_machine.move_to(timezone.now() + timedelta(days=1, seconds=1))
    assert ShareLink.objects.get(pk=link.pk).state == ShareLink.State.EXPIRED


def test_a_view_is_counted_in_the_database_not_from_a_stale_copy(owner, board):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    # Two requests that read the row before either wrote: both views count.
    first, second = ShareLink.objects.get(pk=link.pk), ShareLink.objects.get(pk=link.pk)
    share_view_record(link=first)
    share_view_record(link=second)
    link.refresh_from_db()
    assert link.view_count == 2 and link.last_viewed_at is not None


# --- how links die -------------------------------------------------------------------


def test_a_link_dies_with_its_board(owner, board):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    board.delete()
    assert not ShareLink.objects.filter(pk=link.pk).exists()


def test_a_link_dies_with_its_image_and_with_its_generation(owner, finished, make_generation):
    image = finished.images.get()
    link = share_create(user=owner, image=image, expires_at=in_days(1))
    image.delete()
    assert not ShareLink.objects.filter(pk=link.pk).exists()
    other = make_generation(owner, prompt="another")
    link = share_create(user=owner, image=other.images.get(), expires_at=in_days(1))
    other.delete()
    assert not ShareLink.objects.filter(pk=link.pk).exists()


def test_links_die_with_their_makers_account(owner, board):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    owner.delete()
    assert not ShareLink.objects.filter(pk=link.pk).exists()


def test_a_member_leaving_the_team_revokes_the_links_they_made_for_it(
    owner, team_admin, teammate, image, finished, make_board
):
    team = membership_of(owner).team
    theirs = share_create(user=owner, image=image, expires_at=in_days(1))
    mates = make_board(teammate, "Mine")
    kept = share_create(user=teammate, board=mates, expires_at=in_days(1))

    member_remove(team=team, user_id=owner.pk)

    assert ShareLink.objects.get(pk=theirs.pk).state == ShareLink.State.REVOKED
    assert ShareLink.objects.get(pk=kept.pk).state == ShareLink.State.ACTIVE


def test_deleting_a_membership_revokes_only_that_teams_links(owner, stranger, board, make_board):
    link = share_create(user=owner, board=board, expires_at=in_days(1))
    strangers = share_create(
        user=stranger, board=make_board(stranger, "Theirs"), expires_at=in_days(1)
    )
    membership_of(owner).delete()
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
    assert ShareLink.objects.get(pk=strangers.pk).revoked_at is None


def test_a_link_belongs_to_the_team_of_what_it_shares_not_the_sharers_current_one(
    owner, image, board
):
    """Made while switched to a second team, the link still belongs to the image's
    team: its admins list it, and it dies when the sharer leaves that team."""
    from teams.actions import team_create, team_leave

    first = membership_of(owner).team
    second = team_create(name="Side project", admin=owner)
    assert membership_of(owner).team_id == second.pk  # switched to the new team

    of_image = share_create(user=owner, image=image, expires_at=in_days(1))
    of_board = share_create(user=owner, board=board, expires_at=in_days(1))
    assert of_image.team_id == first.pk and of_board.team_id == first.pk

    team_leave(user=owner, team_id=first.pk)

    assert ShareLink.objects.get(pk=of_image.pk).state == ShareLink.State.REVOKED
    assert ShareLink.objects.get(pk=of_board.pk).state == ShareLink.State.REVOKED
