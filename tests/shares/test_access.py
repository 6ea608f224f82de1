"""Who reaches the share pages: owner, teammate, team admin, stranger, anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shares.models import ShareLink

pytestmark = pytest.mark.django_db


def test_the_owner_shares_their_private_board_and_their_image(login, owner, board, image):
    client = login(owner)
    assert client.get(reverse("board-share", args=[board.pk])).status_code == 200
    assert client.get(reverse("image-share", args=[image.pk])).status_code == 200


def test_a_stranger_gets_404_everywhere(login, owner, stranger, board, image, make_link):
    link = make_link(owner, board=board)
    client = login(stranger)
    for url in (reverse("board-share", args=[board.pk]), reverse("image-share", args=[image.pk])):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"expiry": "1"}).status_code == 404, url
    assert client.post(reverse("share-revoke", args=[link.pk])).status_code == 404
    assert client.get(reverse("team-shares")).status_code == 404
    mine = client.get(reverse("shares")).content.decode()
    assert f'data-link="{link.pk}"' not in mine
    assert ShareLink.objects.get(pk=link.pk).state == ShareLink.State.ACTIVE
    assert ShareLink.objects.count() == 1


def test_a_teammate_may_not_share_or_revoke_what_is_not_theirs(
    login, owner, teammate, finished, image, make_board, make_link
):
    team_board = make_board(owner, "Team", visibility="team", generations=[finished])
    link = make_link(owner, board=team_board)
    client = login(teammate)
    assert client.get(reverse("board", args=[team_board.pk])).status_code == 200  # sees it
    assert client.get(reverse("board-share", args=[team_board.pk])).status_code == 404
    assert (
        client.post(reverse("board-share", args=[team_board.pk]), {"expiry": "1"}).status_code
        == 404
    )
    assert client.get(reverse("image-share", args=[image.pk])).status_code == 404
    assert client.post(reverse("share-revoke", args=[link.pk])).status_code == 404
    assert client.get(reverse("team-shares")).status_code == 404  # not an admin
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None


def test_a_team_admin_shares_a_team_board_and_a_members_image_not_a_private_board(
    login, owner, team_admin, finished, image, board, make_board
):
    team_board = make_board(owner, "Team", visibility="team", generations=[finished])
    client = login(team_admin)
    assert (
        client.post(reverse("board-share", args=[team_board.pk]), {"expiry": "1"}).status_code
        == 302
    )
    assert client.post(reverse("image-share", args=[image.pk]), {"expiry": "1"}).status_code == 302
    assert client.get(reverse("board-share", args=[board.pk])).status_code == 404  # private
    assert ShareLink.objects.filter(created_by=team_admin).count() == 2


def test_the_board_owner_may_revoke_a_link_a_team_admin_made_to_it(
    login, owner, team_admin, finished, make_board, make_link
):
    team_board = make_board(owner, "Team", visibility="team", generations=[finished])
    link = make_link(team_admin, board=team_board)
    page = login(owner).get(reverse("board-share", args=[team_board.pk])).content.decode()
    assert f'data-link="{link.pk}"' in page
    login(owner).post(reverse("share-revoke", args=[link.pk]))
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None


def test_an_admin_of_another_team_cannot_revoke(
    login, owner, stranger, board, make_link, django_user_model
):
    from tests.factories import member

    other_admin = member("other-admin", role="admin")
    link = make_link(owner, board=board)
    assert login(other_admin).post(reverse("share-revoke", args=[link.pk])).status_code == 404
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None


def test_anonymous_visitors_are_sent_to_sign_in_from_every_owner_page(
    client, board, image, make_link, owner
):
    link = make_link(owner, board=board)
    urls = [
        ("get", reverse("board-share", args=[board.pk])),
        ("post", reverse("board-share", args=[board.pk])),
        ("get", reverse("image-share", args=[image.pk])),
        ("post", reverse("share-revoke", args=[link.pk])),
        ("get", reverse("shares")),
        ("get", reverse("team-shares")),
    ]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None


def test_anonymous_without_a_token_sees_nothing(client, board, make_link, owner, image):
    make_link(owner, board=board)
    for url in ("/s/", "/s/not-a-real-token", f"/s/x/image/{image.pk}/thumb"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"<img" not in response.content


def test_revoke_takes_only_post(login, owner, board, make_link):
    link = make_link(owner, board=board)
    assert login(owner).get(reverse("share-revoke", args=[link.pk])).status_code == 405
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None
