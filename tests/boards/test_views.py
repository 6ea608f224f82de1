"""The board pages: the list, making, adding, ordering, covers, zips, bad input."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from django.urls import reverse

from boards.models import Board, BoardItem
from generations.models import GeneratedImage
from teams.access import membership_of

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'id="item-(\d+)"')


def items(html: str) -> list[int]:
    return [int(pk) for pk in ITEM.findall(html)]


def test_making_a_board_from_the_list(owner, login):
    client = login(owner)
    response = client.post(reverse("boards"), {"name": " Ideas ", "visibility": "team"})
    board = Board.objects.get()
    assert response["Location"] == reverse("board", args=[board.pk])
    assert (board.name, board.visibility, board.team_id) == (
        "Ideas", "team", membership_of(owner).team_id
    )  # fmt: skip
    page = client.get(reverse("boards")).content.decode()
    assert "Ideas" in page and 'id="nav-boards-count">1<' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   ", "visibility": "private"}, "Give the board a name."),
        ({"name": "x" * 81, "visibility": "private"}, "80 characters or fewer"),
        ({"name": "Ideas", "visibility": "public"}, "Choose private or team."),
        ({"name": "ideas", "visibility": "private"}, "already have a board called"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_the_name(owner, login, make_board, data, message):
    make_board(owner, "Ideas")
    response = login(owner).post(reverse("boards"), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Board.objects.count() == 1


def test_the_gallery_selection_goes_to_a_new_board(owner, login, make_generation):
    made = [make_generation(owner, prompt=f"p{n}") for n in range(2)]
    client = login(owner)
    ids = [g.pk for g in made]
    step = client.post(reverse("boards-add"), {"ids": ids, "next": "/gallery"})
    assert step.status_code == 200 and "Add 2 images to a board" in step.content.decode()
    bad = client.post(reverse("boards-add"), {"ids": ids, "board": "new", "name": ""})
    assert bad.status_code == 422 and "Give the board a name." in bad.content.decode()
    done = client.post(
        reverse("boards-add"),
        {"ids": ids, "board": "new", "name": "Picks", "visibility": "private", "next": "/gallery"},
    )
    assert done["Location"] == "/gallery"
    board = Board.objects.get(name="Picks")
    assert board.items.count() == 2
    again = client.post(reverse("boards-add"), {"ids": ids, "board": board.pk}, follow=True)
    assert "already on “Picks”" in again.content.decode()


def test_the_detail_page_and_the_card_offer_add_to_board(owner, login, finished):
    client = login(owner)
    assert (
        'id="add-to-board"'
        in client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    )
    card = client.get(reverse("generation-card", args=[finished.pk])).content.decode()
    assert 'data-action="add-to-board"' in card
    gallery = client.get(reverse("gallery")).content.decode()
    assert 'id="bulk-board"' in gallery


def test_move_to_top_cover_and_remove_from_the_board_page(
    owner, login, make_generation, make_board
):
    made = [make_generation(owner, prompt=f"p{n}") for n in range(3)]
    board = make_board(owner, generations=made)
    client = login(owner)
    url = reverse("board", args=[board.pk])
    shown = items(client.get(url).content.decode())
    assert len(shown) == 3
    client.post(reverse("board-items", args=[board.pk]), {"action": "top", "ids": shown[-1]})
    assert items(client.get(url).content.decode())[0] == shown[-1]
    client.post(reverse("board-items", args=[board.pk]), {"action": "cover", "ids": shown[1]})
    assert Board.objects.get(pk=board.pk).cover_id == shown[1]
    listing = client.get(reverse("boards")).content.decode()
    assert reverse("board-thumb", args=[board.pk, shown[1]]) in listing
    client.post(reverse("board-items", args=[board.pk]), {"action": "remove", "ids": shown[:2]})
    assert items(client.get(url).content.decode()) == [shown[-1]]


def test_rename_change_visibility_and_delete(owner, login, make_board, finished):
    board = make_board(owner, "Old", generations=[finished])
    make_board(owner, "Taken")
    client = login(owner)
    edit = reverse("board-edit", args=[board.pk])
    taken = client.post(edit, {"name": "taken", "visibility": "team"})
    assert taken.status_code == 422 and "already have a board" in taken.content.decode()
    client.post(edit, {"name": "New", "visibility": "team"})
    board.refresh_from_db()
    assert (board.name, board.visibility) == ("New", "team")
    assert (
        "Delete the board" in client.get(reverse("board-delete", args=[board.pk])).content.decode()
    )
    assert client.post(reverse("board-delete", args=[board.pk]))["Location"] == reverse("boards")
    assert not Board.objects.filter(pk=board.pk).exists()
    assert GeneratedImage.objects.filter(generation=finished).exists()


def unzip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_the_boards_originals_byte_for_byte(
    owner, login, make_generation, make_board
):
    made = [make_generation(owner, prompt="one"), make_generation(owner, prompt="two", n=2)]
    outside = make_generation(owner, prompt="not on the board")
    board = make_board(owner, generations=made)
    files = unzip(login(owner).get(reverse("board-zip", args=[board.pk])))
    images = GeneratedImage.objects.filter(generation__in=made)
    assert len(files) == images.count() == 3
    for image in images:
        content = files[f"{image.generation_id}-{image.index}.{image.extension}"]
        assert hashlib.sha256(content).hexdigest() == image.sha256
    assert not any(name.startswith(f"{outside.pk}-") for name in files)
    chosen = images.first()
    selected = unzip(login(owner).post(reverse("board-zip", args=[board.pk]), {"ids": [chosen.pk]}))
    assert list(selected) == [f"{chosen.generation_id}-{chosen.index}.{chosen.extension}"]


def test_archived_originals_are_left_out_of_the_zip(owner, login, make_generation, make_board):
    from django.utils import timezone

    kept, archived = make_generation(owner, prompt="kept"), make_generation(owner, prompt="old")
    GeneratedImage.objects.filter(generation=archived).update(
        archived_at=timezone.now(), archived_after_days=30, file=""
    )
    board = make_board(owner, generations=[kept, archived])
    files = unzip(login(owner).get(reverse("board-zip", args=[board.pk])))
    image = kept.images.get()
    assert sorted(files) == sorted([f"{kept.pk}-0.{image.extension}", "ARCHIVED-ORIGINALS.txt"])


def test_an_empty_board_has_no_zip_but_a_message(owner, login, make_board):
    board = make_board(owner)
    response = login(owner).get(reverse("board-zip", args=[board.pk]), follow=True)
    assert "The board has no images yet." in response.content.decode()


def test_a_board_page_costs_a_fixed_number_of_queries(
    owner, login, seeded, make_board, django_assert_max_num_queries
):
    from generations.models import Generation

    seeded(owner, 120)
    board = make_board(owner, generations=list(Generation.objects.filter(owner=owner)[:5]))
    client = login(owner)
    url = reverse("board", args=[board.pk])
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    services_add = Generation.objects.filter(owner=owner).values_list("pk", flat=True)
    from boards import services

    services.board_add(user=owner, board=board, generation_ids=list(services_add))
    assert BoardItem.objects.filter(board=board).count() > 60
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert len(items(html)) == 48 and 'id="gallery-more"' in html
    more = re.search(r'id="gallery-more" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    with django_assert_max_num_queries(len(small.captured_queries)):
        rest = client.get(more).content.decode()
    assert not set(items(rest)) & set(items(html))
