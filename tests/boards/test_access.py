"""Who reaches a board: owner, teammate, team admin, stranger, anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards.models import Board, BoardItem

pytestmark = pytest.mark.django_db


def board_urls(board, image_pk):
    return [
        ("get", reverse("board", args=[board.pk])),
        ("get", reverse("board-edit", args=[board.pk])),
        ("get", reverse("board-delete", args=[board.pk])),
        ("get", reverse("board-zip", args=[board.pk])),
        ("get", reverse("board-thumb", args=[board.pk, image_pk])),
        ("post", reverse("board-items", args=[board.pk])),
    ]


def test_a_stranger_gets_404_on_every_board_url(owner, stranger, login, finished, make_board):
    board = make_board(owner, "Team", visibility="team", generations=[finished])
    client = login(stranger)
    for method, url in board_urls(board, finished.images.get().pk):
        assert getattr(client, method)(url).status_code == 404, url
    response = client.post(reverse("boards-add"), {"ids": [finished.pk], "board": board.pk})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, owner, finished, make_board):
    board = make_board(owner, generations=[finished])
    for method, url in [*board_urls(board, 1), ("get", reverse("boards"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_private_board_is_its_owners_only(
    owner, teammate, team_admin, login, finished, make_board
):
    board = make_board(owner, generations=[finished])
    for user in (teammate, team_admin):
        assert login(user).get(reverse("board", args=[board.pk])).status_code == 404
        assert "Moodboard" not in login(user).get(reverse("boards")).content.decode()


def test_a_teammate_sees_a_team_board_adds_their_own_but_cannot_manage_it(
    owner, teammate, login, finished, make_generation, make_board
):
    board = make_board(owner, "Shared", visibility="team", generations=[finished])
    image = finished.images.get().pk
    client = login(teammate)
    page = client.get(reverse("board", args=[board.pk]))
    assert page.status_code == 200 and f'id="item-{image}"' in page.content.decode()
    assert client.get(reverse("board-thumb", args=[board.pk, image])).status_code == 200
    assert client.get(reverse("board-zip", args=[board.pk])).status_code == 200
    assert "Shared" in client.get(reverse("boards")).content.decode()
    # Not theirs to manage: rename, delete, reorder, cover, remove the owner's image.
    assert client.get(reverse("board-edit", args=[board.pk])).status_code == 404
    assert client.post(reverse("board-delete", args=[board.pk])).status_code == 404
    for action in ("top", "cover", "remove"):
        url = reverse("board-items", args=[board.pk])
        assert client.post(url, {"action": action, "ids": [image]}).status_code == 404
    # The owner's generation is not the teammate's to add elsewhere; their own is.
    theirs = make_generation(teammate, prompt="mine")
    client.post(reverse("boards-add"), {"ids": [theirs.pk], "board": board.pk})
    assert BoardItem.objects.filter(board=board, added_by=teammate).count() == 1
    assert client.post(reverse("boards-add"), {"ids": [finished.pk]}).status_code == 404


def test_a_team_admin_manages_a_team_board(owner, team_admin, login, finished, make_board):
    board = make_board(owner, "Shared", visibility="team", generations=[finished])
    client = login(team_admin)
    url = reverse("board-items", args=[board.pk])
    client.post(url, {"action": "remove", "ids": [finished.images.get().pk]})
    assert not board.items.exists()
    client.post(reverse("board-edit", args=[board.pk]), {"name": "Renamed", "visibility": "team"})
    assert Board.objects.get(pk=board.pk).name == "Renamed"
    client.post(reverse("board-delete", args=[board.pk]))
    assert not Board.objects.filter(pk=board.pk).exists()


def test_making_a_board_private_hides_it_from_the_team(owner, teammate, login, make_board):
    board = make_board(owner, "Shared", visibility="team")
    login(owner).post(
        reverse("board-edit", args=[board.pk]), {"name": "Shared", "visibility": "private"}
    )
    assert login(teammate).get(reverse("board", args=[board.pk])).status_code == 404


def test_tampered_ids_and_boards_never_500(owner, login, finished, make_board):
    board = make_board(owner, generations=[finished])
    client = login(owner)
    items = reverse("board-items", args=[board.pk])
    assert client.post(items, {"action": "top", "ids": ["abc"]}, follow=True).status_code == 200
    assert client.post(items, {"action": "zap", "ids": [1]}, follow=True).status_code == 200
    assert client.post(items, {"action": "top", "ids": [999999]}).status_code == 404
    add = reverse("boards-add")
    assert client.post(add, {"ids": [finished.pk], "board": "x" * 30}).status_code == 422
    assert client.post(add, {"ids": [finished.pk], "board": "99999999"}).status_code == 404
    assert client.get(reverse("board", args=[board.pk]) + "?after=zz").status_code == 200


def test_a_member_who_leaves_loses_the_team_board_they_made(
    owner, teammate, team_admin, login, finished, make_generation, make_board
):
    """A team board is the team's: its owner loses it with the team, and with it the
    teammates' images on it (page, thumbnails, zip)."""
    from teams.access import membership_of
    from teams.actions import member_remove

    theirs = make_generation(teammate, size="1:1", n=1)
    board = make_board(owner, "Team picks", visibility="team", generations=[finished])
    from boards.services import board_add

    board_add(user=teammate, board=board, generation_ids=[theirs.pk])
    member_remove(team=membership_of(owner).team, user_id=owner.pk)

    client = login(owner)
    for method, url in board_urls(board, theirs.images.get().pk):
        assert getattr(client, method)(url).status_code == 404, url
    assert login(teammate).get(reverse("board", args=[board.pk])).status_code == 200


def test_a_private_board_shows_only_what_its_owner_may_still_see(
    owner, teammate, team_admin, login, make_generation, make_board
):
    """An admin's private board with a teammate's image: after stepping down, the
    teammate's image is gone from the page, its thumbnail and the zip."""
    from teams.access import membership_of
    from teams.actions import member_set_role

    mine = make_generation(team_admin, size="1:1", n=1)
    theirs = make_generation(teammate, size="1:1", n=1)
    board = make_board(team_admin, "Admin's picks", generations=[mine, theirs])
    hidden = theirs.images.get().pk
    team = membership_of(team_admin).team
    member_set_role(team=team, user_id=owner.pk, role="admin")  # someone else runs it
    member_set_role(team=team, user_id=team_admin.pk, role="member")

    client = login(team_admin)
    page = client.get(reverse("board", args=[board.pk])).content.decode()
    assert f'id="item-{mine.images.get().pk}"' in page and f'id="item-{hidden}"' not in page
    assert client.get(reverse("board-thumb", args=[board.pk, hidden])).status_code == 404
    zipped = client.post(reverse("board-zip", args=[board.pk]), {"ids": [hidden]})
    assert zipped.status_code == 302  # nothing of theirs to zip
