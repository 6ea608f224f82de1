"""The pages a share link opens, signed out: what they show, what they refuse, and the
token, expiry, password and board checked again on every image."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from boards.services import board_add, board_remove
from shares.models import ShareLink
from shares.public import GUESSES
from shares.services import share_revoke

pytestmark = pytest.mark.django_db


def page_url(link):
    return reverse("share", args=[link.token])


def thumb(link, image):
    return reverse("share-thumb", args=[link.token, image.pk])


def original(link, image):
    return reverse("share-original", args=[link.token, image.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_private(response):
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"


def test_a_shared_board_opens_signed_out_with_its_images_only(
    client, owner, board, image, finished, make_link
):
    link = make_link(owner, board=board)
    response = client.get(page_url(link))
    page = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    assert '<meta name="robots" content="noindex' in page
    assert "Picks" in page and f'data-image="{image.pk}"' in page
    assert f'src="{thumb(link, image)}"' in page and f'href="{original(link, image)}"' in page
    # Nothing that leads into the studio or names another object.
    assert finished.prompt not in page
    assert "/generations/" not in page and "/boards/" not in page and "/media/" not in page
    assert f"generation {finished.pk}" not in page.lower()
    assert 'class="site-header"' not in page


def test_its_images_stream_to_anybody_holding_the_token(client, owner, board, image, make_link):
    link = make_link(owner, board=board)
    response = client.get(thumb(link, image))
    assert response.status_code == 200
    assert_private(response)
    with default_storage.open(image.thumbnail.name) as f:
        assert body(response) == f.read()
    response = client.get(original(link, image))
    assert response.status_code == 200 and response["Content-Type"] == image.mime_type
    assert hashlib.sha256(body(response)).hexdigest() == image.sha256


def test_a_download_is_named_without_the_prompt_unless_prompts_are_shown(
    client, owner, image, make_link
):
    hidden = make_link(owner, image=image)
    response = client.get(original(hidden, image), {"download": "1"})
    assert f'filename="shared-{image.pk}.{image.extension}"' in response["Content-Disposition"]
    shown = make_link(owner, image=image, show_prompts=True)
    response = client.get(original(shown, image), {"download": "1"})
    assert f"shared-{image.pk}-a-red-fox-in-snow." in response["Content-Disposition"]


def test_prompts_are_shown_only_when_the_link_says_so(client, owner, board, finished, make_link):
    hidden = make_link(owner, board=board)
    shown = make_link(owner, board=board, show_prompts=True)
    assert finished.prompt not in client.get(page_url(hidden)).content.decode()
    assert finished.prompt in client.get(page_url(shown)).content.decode()


def test_a_shared_image_shows_that_image_only(
    client, owner, image, finished, make_generation, make_link
):
    other = make_generation(owner, prompt="another one").images.get()
    link = make_link(owner, image=image)
    page = client.get(page_url(link)).content.decode()
    assert (
        f'src="{original(link, image)}"' in page and f"{original(link, image)}?download=1" in page
    )
    assert f"/{other.pk}/" not in page
    assert client.get(original(link, other)).status_code == 404
    assert client.get(thumb(link, other)).status_code == 404


def test_an_image_not_on_the_shared_board_is_404_through_its_media_urls(
    client, owner, board, make_generation, make_link
):
    elsewhere = make_generation(owner, prompt="not on the board").images.get()
    link = make_link(owner, board=board)
    for url in (thumb(link, elsewhere), original(link, elsewhere)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_private(response)


def test_the_board_is_read_as_it_is_now(client, owner, board, image, make_generation, make_link):
    link = make_link(owner, board=board)
    assert client.get(thumb(link, image)).status_code == 200
    board_remove(user=owner, board=board, image_ids=[image.pk])
    assert client.get(thumb(link, image)).status_code == 404
    assert f'data-image="{image.pk}"' not in client.get(page_url(link)).content.decode()
    later = make_generation(owner, prompt="added later")
    board_add(user=owner, board=board, generation_ids=[later.pk])
    added = later.images.get()
    assert f'data-image="{added.pk}"' in client.get(page_url(link)).content.decode()
    assert client.get(thumb(link, added)).status_code == 200


def test_a_revoked_link_stops_at_once_page_and_images(client, owner, board, image, make_link):
    link = make_link(owner, board=board)
    assert client.get(page_url(link)).status_code == 200
    share_revoke(link=link)
    for url in (page_url(link), thumb(link, image), original(link, image)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_private(response)
    page = client.get(page_url(link)).content.decode()
    assert "This link no longer works" in page and "Picks" not in page


def test_an_unknown_token_reads_like_a_revoked_one(client):
    response = client.get(reverse("share", args=["x" * 43]))
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    assert_private(response)


def test_an_expired_link_says_so_with_410(client, owner, board, image, make_link, time_machine):
    link = make_link(owner, board=board, days=1)
    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    response = client.get(page_url(link))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Picks" not in response.content.decode()
    assert_private(response)
    assert client.get(thumb(link, image)).status_code == 404
    assert client.get(original(link, image)).status_code == 404


def test_a_link_to_a_deleted_board_no_longer_works(client, owner, board, image, make_link):
    link = make_link(owner, board=board)
    token = link.token
    board.delete()
    assert client.get(reverse("share", args=[token])).status_code == 404
    assert client.get(reverse("share-thumb", args=[token, image.pk])).status_code == 404


def test_page_views_are_counted_and_image_requests_are_not(client, owner, board, image, make_link):
    link = make_link(owner, board=board)
    client.get(page_url(link))
    client.get(page_url(link))
    client.get(thumb(link, image))
    client.get(original(link, image))
    link.refresh_from_db()
    assert link.view_count == 2 and link.last_viewed_at is not None


def test_a_big_board_comes_in_pages_of_60(client, owner, seeded, make_board, make_link):
    from generations.models import Generation

    seeded(owner, 80)
    generations = Generation.objects.filter(owner=owner, status="succeeded")
    board = make_board(owner, "Big", generations=list(generations))
    count = board.items.count()
    assert count > 60
    link = make_link(owner, board=board)
    first = client.get(page_url(link)).content.decode()
    assert first.count("data-image=") == 60 and "?page=2" in first
    second = client.get(page_url(link), {"page": "2"}).content.decode()
    assert second.count("data-image=") == count - 60 and "?page=1" in second
    assert "?page=3" not in second
    ordered = list(board.items.order_by("position", "id").values_list("image_id", flat=True))
    assert f'data-image="{ordered[60]}"' in second and f'data-image="{ordered[60]}"' not in first
    tampered = client.get(page_url(link), {"page": "-1"})
    assert tampered.status_code == 200 and tampered.content.decode().count("data-image=") == 60


def test_an_archived_original_shows_its_thumbnail_and_a_note(
    client, owner, image, board, make_link
):
    type(image).objects.filter(pk=image.pk).update(
        archived_at=timezone.now(), archived_after_days=30
    )
    link = make_link(owner, image=image)
    page = client.get(page_url(link)).content.decode()
    assert f'src="{thumb(link, image)}"' in page and "the original is no longer stored" in page
    response = client.get(original(link, image))
    assert response.status_code == 410
    assert_private(response)
    board_page = client.get(page_url(make_link(owner, board=board))).content.decode()
    assert "Preview only" in board_page


# --- passwords -----------------------------------------------------------------------


def test_a_password_link_asks_for_it_and_shows_nothing_before(
    client, owner, board, image, make_link
):
    link = make_link(owner, board=board, password="letmein!")
    response = client.get(page_url(link))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="share-password"' in page
    assert "Picks" not in page and f'data-image="{image.pk}"' not in page
    assert_private(response)
    assert client.get(thumb(link, image)).status_code == 404
    link.refresh_from_db()
    assert link.view_count == 0


def test_a_wrong_password_is_422_and_the_right_one_opens_the_link_for_this_session(
    client, owner, board, image, make_link
):
    link = make_link(owner, board=board, password="letmein!")
    wrong = client.post(page_url(link), {"password": "letmein?"})
    assert wrong.status_code == 422
    assert "That password is not right" in wrong.content.decode()
    assert_private(wrong)

    right = client.post(page_url(link), {"password": "letmein!"})
    assert right.status_code == 302 and right["Location"] == page_url(link)
    assert "Picks" in client.get(page_url(link)).content.decode()
    assert client.get(thumb(link, image)).status_code == 200

    other = make_link(owner, board=board, password="another1")
    assert 'id="share-password"' in client.get(page_url(other)).content.decode()
    client.logout()  # a new session: the password is asked again
    assert 'id="share-password"' in client.get(page_url(link)).content.decode()


def test_password_guesses_are_throttled_per_link_and_address(client, owner, board, make_link):
    link = make_link(owner, board=board, password="letmein!")
    for _ in range(GUESSES):
        assert client.post(page_url(link), {"password": "nope-nope"}).status_code == 422
    blocked = client.post(page_url(link), {"password": "letmein!"})
    assert blocked.status_code == 429
    assert "Too many wrong passwords" in blocked.content.decode()
    assert 'id="share-password"' in client.get(page_url(link)).content.decode()  # still locked
    # Another address is not held up by these guesses.
    elsewhere = client.post(page_url(link), {"password": "letmein!"}, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302


def test_a_revoked_password_link_refuses_even_the_right_password(client, owner, board, make_link):
    link = make_link(owner, board=board, password="letmein!")
    client.post(page_url(link), {"password": "letmein!"})
    share_revoke(link=link)
    assert client.get(page_url(link)).status_code == 404
    assert client.post(page_url(link), {"password": "letmein!"}).status_code == 404
    assert ShareLink.objects.get(pk=link.pk).view_count == 0


@pytest.mark.parametrize("view", ["share-thumb", "share-original"])
def test_shared_media_is_streamed_even_where_media_redirects(
    client, owner, board, image, make_link, settings, view
):
    """A signed bucket URL would keep working after the link is revoked: shared media
    is always streamed through the view that checks the link."""
    settings.MEDIA_REDIRECT = True
    link = make_link(owner, board=board)

    response = client.get(reverse(view, args=[link.token, image.pk]))

    assert response.status_code == 200 and response.streaming
    assert "Location" not in response
