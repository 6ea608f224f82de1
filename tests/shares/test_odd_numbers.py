"""Numbers typed by strangers: Unicode digits ("²" passes str.isdigit() but not int())
and overlong ids get the page's plain answer, never a 500 (studio.http.whole_number)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.http import whole_number

ODD = ["²", "٣", "1²", "9" * 40, "-1", " 7", ""]


@pytest.mark.parametrize("raw", ODD)
def test_only_short_ascii_digits_are_numbers(raw):
    assert whole_number(raw) is None


def test_numbers_are_numbers():
    assert whole_number("0") == 0 and whole_number("42") == 42 and whole_number(7) == 7
    assert whole_number("1234", digits=3) is None


@pytest.mark.parametrize("raw", ODD)
def test_a_shared_boards_page_number(client, owner, board, make_link, raw):
    link = make_link(owner, board=board)

    response = client.get(reverse("share", args=[link.token]), {"page": raw})

    assert response.status_code == 200  # page one


@pytest.mark.parametrize("raw", ODD)
def test_the_add_to_board_step(owner_client, finished, raw):
    ids = owner_client.post(reverse("boards-add"), {"ids": raw})
    board = owner_client.post(reverse("boards-add"), {"ids": finished.pk, "board": raw})

    assert ids.status_code == 302  # back, with "Select at least one image first."
    assert board.status_code == 422  # the step that asks which board, saying so
    assert "Choose a board, or name a new one." in board.content.decode()


@pytest.mark.parametrize("raw", ODD)
def test_revoking_an_invite(team_admin_client, raw):
    response = team_admin_client.post(reverse("team-invite-revoke"), {"invite": raw})

    assert response.status_code == 404


@pytest.mark.parametrize("raw", ODD)
@pytest.mark.parametrize("page", ["history", "compare"])
def test_a_list_marker(owner_client, page, raw):
    assert owner_client.get(reverse(page), {"before": raw}).status_code == 200
