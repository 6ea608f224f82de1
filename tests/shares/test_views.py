"""The pages that make and stop share links: the share form on a board and an image,
My share links, the team's list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shares.models import ShareLink

pytestmark = pytest.mark.django_db


def share_url(board):
    return reverse("board-share", args=[board.pk])


def test_the_share_form_makes_a_one_day_link_and_shows_it_to_copy(owner_client, board):
    before = timezone.now()
    response = owner_client.post(share_url(board), {"expiry": "1"})
    link = ShareLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{share_url(board)}?made={link.pk}"
    assert link.board == board and link.image is None
    assert before + timedelta(days=1) <= link.expires_at <= timezone.now() + timedelta(days=1)

    page = owner_client.get(response["Location"]).content.decode()
    full = f"http://testserver/s/{link.token}"
    assert 'id="share-made"' in page and f'value="{full}"' in page
    assert 'data-copy="share-made-url"' in page and "js/shares.js" in page
    assert f'data-link="{link.pk}" data-state="active"' in page
    assert "<script>" not in page  # the CSP allows no inline script


def test_a_custom_date_lasts_to_the_end_of_that_day(owner_client, board):
    day = timezone.localdate() + timedelta(days=10)
    owner_client.post(share_url(board), {"expiry": "custom", "expires_on": day.isoformat()})
    expires = timezone.localtime(ShareLink.objects.get().expires_at)
    assert expires.date() == day and (expires.hour, expires.minute) == (23, 59)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"expiry": "custom"}, "Choose the last day the link should work."),
        ({"expiry": "custom", "expires_on": "not a date"}, "Enter the date as YYYY-MM-DD."),
        ({"expiry": "custom", "expires_on": "today"}, "Choose a date after today."),
        ({"expiry": "custom", "expires_on": "past"}, "Choose a date after today."),
        ({"expiry": "custom", "expires_on": "366"}, "A link can last at most 365 days"),
        ({"expiry": "9"}, "Choose how long the link works."),
        ({"expiry": "7", "password": "abc"}, "A password needs at least 6 characters"),
    ],
)
def test_a_bad_expiry_or_password_is_refused_with_a_clear_message(
    owner_client, board, data, message
):
    today = timezone.localdate()
    days = {"today": 0, "past": -3, "366": 366}
    if data.get("expires_on") in days:
        data = {
            **data,
            "expires_on": (today + timedelta(days=days[data["expires_on"]])).isoformat(),
        }
    response = owner_client.post(share_url(board), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_a_date_a_year_ahead_is_the_latest_allowed(owner_client, board):
    day = timezone.localdate() + timedelta(days=365)
    response = owner_client.post(share_url(board), {"expiry": "custom", "expires_on": day})
    assert response.status_code == 302 and ShareLink.objects.count() == 1


def test_a_password_and_prompts_are_kept_and_the_password_never_shown(owner_client, board):
    owner_client.post(
        share_url(board), {"expiry": "7", "password": "hunter22", "show_prompts": "on"}
    )
    link = ShareLink.objects.get()
    assert link.show_prompts and link.has_password
    page = owner_client.get(share_url(board)).content.decode()
    assert "hunter22" not in page and link.password not in page
    assert "Password · Shows prompts" in page


def test_an_image_is_shared_from_its_detail_page(owner_client, finished, image):
    detail = owner_client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    url = reverse("image-share", args=[image.pk])
    assert f'href="{url}"' in detail
    response = owner_client.post(url, {"expiry": "30"})
    link = ShareLink.objects.get()
    assert response.status_code == 302 and link.image == image and link.board is None
    page = owner_client.get(url).content.decode()
    assert f"/s/{link.token}" in page and "Share this image" in page


def test_the_board_page_offers_share_only_to_who_may_manage_it(
    owner, teammate, login, finished, make_board
):
    board = make_board(owner, "Team", visibility="team", generations=[finished])
    url = reverse("board", args=[board.pk])
    assert f'href="{share_url(board)}"' in login(owner).get(url).content.decode()
    assert share_url(board) not in login(teammate).get(url).content.decode()


def test_revoking_from_the_share_page_stops_the_link(owner_client, board, make_link, owner):
    link = make_link(owner, board=board)
    response = owner_client.post(
        reverse("share-revoke", args=[link.pk]), {"next": share_url(board)}
    )
    assert response.status_code == 302 and response["Location"] == share_url(board)
    link.refresh_from_db()
    assert link.state == ShareLink.State.REVOKED
    page = owner_client.get(share_url(board)).content.decode()
    assert f'data-link="{link.pk}" data-state="revoked"' in page
    assert f"/s/{link.token}" not in page  # a dead link is not offered to copy
    again = owner_client.post(reverse("share-revoke", args=[link.pk]), follow=True)
    assert "had been revoked already" in again.content.decode()


def test_revoke_goes_back_only_to_this_site(owner_client, board, make_link, owner):
    link = make_link(owner, board=board)
    response = owner_client.post(
        reverse("share-revoke", args=[link.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("shares")


def test_my_share_links_lists_mine_with_status_and_views(
    owner_client, owner, teammate, board, image, make_link, make_board
):
    active = make_link(owner, board=board)
    revoked = make_link(owner, image=image)
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired = make_link(owner, image=image)
    ShareLink.objects.filter(pk=expired.pk).update(view_count=3)
    theirs = make_link(teammate, board=make_board(teammate, "Theirs"))
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = owner_client.get(reverse("shares")).content.decode()
    assert f'data-link="{active.pk}" data-state="active"' in page
    assert f'data-link="{revoked.pk}" data-state="revoked"' in page
    assert f'data-link="{expired.pk}" data-state="expired"' in page
    assert f'data-link="{theirs.pk}"' not in page
    assert "Board “Picks”" in page

    working = owner_client.get(reverse("shares"), {"show": "active"}).content.decode()
    assert f'data-link="{active.pk}"' in working
    assert f'data-link="{revoked.pk}"' not in working and f'data-link="{expired.pk}"' not in working


def test_the_team_list_shows_every_link_of_the_admins_team_and_only_those(
    team_admin_client, owner, teammate, stranger, board, make_link, make_board
):
    mine = make_link(owner, board=board)
    mates = make_link(teammate, board=make_board(teammate, "Mates"))
    other = make_link(stranger, board=make_board(stranger, "Elsewhere"))

    response = team_admin_client.get(reverse("team-shares"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-link="{mine.pk}"' in page and f'data-link="{mates.pk}"' in page
    assert f'data-link="{other.pk}"' not in page
    assert "Elsewhere" not in page
    assert mine.token not in page and mates.token not in page  # the makers' to hand out
    assert ">owner<" in page and ">teammate<" in page
    assert 'aria-current="page">Share links</a>' in page  # the team's navigation


def test_a_team_admin_revokes_a_members_link(team_admin_client, owner, board, make_link):
    link = make_link(owner, board=board)
    response = team_admin_client.post(
        reverse("share-revoke", args=[link.pk]), {"next": reverse("team-shares")}
    )
    assert response["Location"] == reverse("team-shares")
    assert ShareLink.objects.get(pk=link.pk).state == ShareLink.State.REVOKED


def test_the_team_nav_leads_to_share_links(team_admin_client):
    page = team_admin_client.get(reverse("team-members")).content.decode()
    assert f'href="{reverse("team-shares")}"' in page
