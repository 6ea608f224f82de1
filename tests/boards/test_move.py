"""Reordering a board: the move service (room between neighbours, none, the ends,
ties), one place earlier or later, and the move endpoint's access and bad input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards import services
from boards.models import BoardItem
from generations.models import Generation

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def order(board) -> list[int]:
    return list(BoardItem.objects.filter(board=board).values_list("image_id", flat=True))


def positions(board) -> dict[int, int]:
    return dict(BoardItem.objects.filter(board=board).values_list("image_id", "position"))


@pytest.fixture
def board_of(owner, seeded, make_board):
    """board_of(n) -> a private board of the owner's with n images, added in one go."""

    def make(n: int, name: str = "Ordered", visibility: str = "private"):
        have = Generation.objects.filter(owner=owner, images__isnull=False).distinct().count()
        if have < n:
            seeded(owner, int((n - have) * 1.3) + 5, seed=have + 1)
        made = Generation.objects.filter(owner=owner, images__isnull=False).distinct()
        board = make_board(owner, name, visibility=visibility, generations=list(made[:n]))
        assert BoardItem.objects.filter(board=board).count() == n
        return board

    return make


# --- the service ---------------------------------------------------------------------


def test_a_move_into_a_gap_changes_only_the_moved_item(board_of):
    board = board_of(4)
    a, b, c, d = order(board)
    BoardItem.objects.filter(board=board).update(position=0)
    for n, image in enumerate((a, b, c, d)):
        BoardItem.objects.filter(board=board, image_id=image).update(position=n * 100)
    services.board_move(board=board, image_id=d, before_id=b)
    assert order(board) == [a, d, b, c]
    assert positions(board) == {a: 0, d: 50, b: 100, c: 200}
    services.board_move(board=board, image_id=a, after_id=b)
    assert order(board) == [d, b, a, c]
    assert positions(board)[a] == 150


def test_images_are_added_with_room_between_them(board_of):
    board = board_of(3)
    a, b, c = order(board)
    assert positions(board) == {a: services.GAP, b: 2 * services.GAP, c: 3 * services.GAP}
    services.board_move(board=board, image_id=c, before_id=b)  # no renumbering needed
    assert positions(board) == {a: services.GAP, c: services.GAP * 3 // 2, b: 2 * services.GAP}


def test_a_move_without_room_renumbers_the_board_in_order(board_of):
    board = board_of(5)
    before = order(board)
    for n, image in enumerate(before, start=1):  # adjacent positions: no room anywhere
        BoardItem.objects.filter(board=board, image_id=image).update(position=n)
    services.board_move(board=board, image_id=before[4], after_id=before[0])
    assert order(board) == [before[0], before[4], *before[1:4]]
    spread = positions(board)
    others = [spread[image] for image in order(board) if image != before[4]]
    assert others == [services.GAP * n for n in (1, 2, 3, 4)]
    assert spread[before[0]] < spread[before[4]] < spread[before[1]]


def test_moving_to_the_very_start_and_the_very_end(board_of):
    board = board_of(4)
    a, b, c, d = order(board)
    services.board_move(board=board, image_id=c, before_id=a)
    assert order(board) == [c, a, b, d]
    services.board_move(board=board, image_id=c, after_id=d)
    assert order(board) == [a, b, d, c]
    services.board_move(board=board, image_id=a, after_id=c)  # the last one: after it
    assert order(board) == [b, d, c, a]


def test_items_sharing_one_position_are_ordered_and_moved(board_of):
    board = board_of(4)
    a, b, c, d = order(board)
    BoardItem.objects.filter(board=board).update(position=7)  # ties: the id decides
    services.board_move(board=board, image_id=a, after_id=c)
    assert order(board) == [b, c, a, d]
    services.board_move(board=board, image_id=d, before_id=b)
    assert order(board) == [d, b, c, a]


def test_many_moves_into_one_spot_keep_the_order_right(board_of):
    board = board_of(6)
    first, *rest = order(board)
    expected = [first, *rest]
    # Always just after the first item: the gap there halves each time.
    for image in reversed(rest * 3):
        services.board_move(board=board, image_id=image, after_id=first)
        expected.remove(image)
        expected.insert(1, image)
        assert order(board) == expected


def test_a_move_costs_the_same_queries_on_a_small_and_a_large_board(board_of, owner):
    counts = []
    for size, name in ((10, "Small"), (200, "Large")):
        board = board_of(size, name)
        ids = order(board)
        BoardItem.objects.filter(board=board).update(position=0)  # no room: renumbers
        with CaptureQueriesContext(connection) as renumbering:
            services.board_move(board=board, image_id=ids[-1], after_id=ids[0])
        with CaptureQueriesContext(connection) as with_room:
            services.board_move(board=board, image_id=ids[-2], after_id=ids[0])
        counts.append((len(renumbering), len(with_room)))
    assert counts[0] == counts[1]
    assert counts[0][0] <= 8 and counts[0][1] < counts[0][0]


def test_positions_near_the_column_limit_are_renumbered_not_overflowed(
    owner, board_of, make_generation
):
    board = board_of(3)
    a, b, c = order(board)
    top = services.POSITION_LIMIT - 10
    BoardItem.objects.filter(board=board, image_id=c).update(position=top)
    services.board_move(board=board, image_id=a, after_id=c)  # past the end: no room
    assert order(board) == [b, c, a]
    assert max(positions(board).values()) < top
    BoardItem.objects.filter(board=board, image_id=b).update(position=-top)
    assert services.board_move_to_top(board=board, image_id=a)
    assert order(board) == [a, b, c]
    assert min(positions(board).values()) > -top
    BoardItem.objects.filter(board=board, image_id=c).update(position=top)
    added = make_generation(owner, prompt="one more")
    assert services.board_add(user=owner, board=board, generation_ids=[added.pk]) == 1
    assert order(board) == [a, b, c, added.images.get().pk]
    assert max(positions(board).values()) < top


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ({}, "Say which image it goes before or after."),
        ({"before_id": 1, "after_id": 2}, "Say which image it goes before or after."),
        ({"before_id": "self"}, "cannot be placed next to itself"),
    ],
)
def test_a_move_must_name_one_other_image(board_of, where, problem):
    board = board_of(2)
    image = order(board)[1]
    where = {k: image if v == "self" else v for k, v in where.items()}
    with pytest.raises(services.BoardProblem, match=problem):
        services.board_move(board=board, image_id=image, **where)


def test_an_image_not_on_the_board_cannot_move_or_be_an_anchor(board_of):
    board = board_of(2)
    other = board_of(3, "Other")
    a, b = order(board)
    foreign = [i for i in order(other) if i not in (a, b)][0]
    for image, anchor in ((foreign, a), (a, foreign), (a, 999_999)):
        with pytest.raises(services.NotOnBoard):
            services.board_move(board=board, image_id=image, before_id=anchor)
    assert order(board) == [a, b]


def test_one_place_earlier_and_later(board_of):
    board = board_of(3)
    a, b, c = order(board)
    assert services.board_move_step(board=board, image_id=c, later=False)
    assert order(board) == [a, c, b]
    assert services.board_move_step(board=board, image_id=a, later=True)
    assert order(board) == [c, a, b]
    assert not services.board_move_step(board=board, image_id=c, later=False)  # first
    assert not services.board_move_step(board=board, image_id=b, later=True)  # last
    with pytest.raises(services.NotOnBoard):
        services.board_move_step(board=board, image_id=999_999, later=True)


def test_one_place_among_the_filtered_images_skips_the_hidden_ones(board_of):
    board = board_of(4)
    a, b, c, d = order(board)
    shown = Generation.objects.filter(images__pk__in=[a, d])
    assert services.board_move_step(board=board, image_id=d, later=False, within=shown)
    assert order(board) == [d, a, b, c]


# --- the move endpoint ---------------------------------------------------------------


def move(client, board, **data):
    return client.post(reverse("board-move", args=[board.pk]), data, **HTMX)


def test_the_owner_moves_by_drop(login, owner, board_of):
    board = board_of(3)
    a, b, c = order(board)
    response = move(login(owner), board, image=c, before=a)
    assert response.status_code == 200 and response.content.decode() == "Moved."
    assert order(board) == [c, a, b]
    page = login(owner).get(reverse("board", args=[board.pk])).content.decode()
    assert page.index(f'id="item-{c}"') < page.index(f'id="item-{a}"')
    assert 'draggable="true"' in page and reverse("board-move", args=[board.pk]) in page


def test_a_plain_form_post_goes_back_to_the_board_with_a_message(login, owner, board_of):
    board = board_of(2)
    a, b = order(board)
    client = login(owner)
    url = reverse("board-move", args=[board.pk])
    back = reverse("board", args=[board.pk]) + "?model=x"
    response = client.post(url, {"image": b, "before": a, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert order(board) == [b, a]
    bad = client.post(url, {"image": b}, follow=True)
    assert "Say which image it goes before or after." in bad.content.decode()
    assert client.post(url, {"image": 999_999, "before": a}).status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"before": "first"}, 422, "Say which image to move."),
        ({"image": "abc", "before": "first"}, 422, "Images are named by their number."),
        ({"image": "-3", "before": "first"}, 422, "Images are named by their number."),
        ({"image": "9" * 30, "before": "first"}, 422, "Images are named by their number."),
        ({"image": "last"}, 422, "Say which image it goes before or after."),
        ({"image": "last", "before": "first", "after": "first"}, 422, "before or after"),
        ({"image": "last", "before": "last"}, 422, "cannot be placed next to itself"),
        ({"image": 999_999, "before": "first"}, 404, "No such image on this board."),
        ({"image": "last", "after": 999_999}, 404, "No such image on this board."),
    ],
)
def test_bad_ids_get_a_clear_answer_never_a_500(login, owner, board_of, data, status, message):
    board = board_of(2)
    ids = order(board)
    named = {"first": ids[0], "last": ids[-1]}
    data = {k: named.get(v, v) for k, v in data.items()}
    response = move(login(owner), board, **data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert order(board) == ids


def test_move_is_post_only(login, owner, board_of):
    board = board_of(2)
    assert login(owner).get(reverse("board-move", args=[board.pk])).status_code == 405


def test_a_teammate_may_not_reorder_a_team_board_its_admin_may(
    login, owner, teammate, team_admin, board_of
):
    board = board_of(3, visibility="team")
    a, b, c = order(board)
    response = move(login(teammate), board, image=c, before=a)
    assert response.status_code == 404
    items = reverse("board-items", args=[board.pk])
    for action in ("earlier", "later"):
        assert login(teammate).post(items, {"action": action, "ids": [b]}).status_code == 404
    assert order(board) == [a, b, c]
    assert move(login(team_admin), board, image=c, before=a).status_code == 200
    assert order(board) == [c, a, b]


def test_a_private_board_is_not_reordered_by_its_owners_team_admin(login, team_admin, board_of):
    board = board_of(2)
    a, b = order(board)
    assert move(login(team_admin), board, image=b, before=a).status_code == 404
    assert order(board) == [a, b]


def test_a_stranger_gets_404_and_an_anonymous_visitor_the_sign_in(
    client, login, stranger, board_of
):
    board = board_of(2)
    a, b = order(board)
    url = reverse("board-move", args=[board.pk])
    anonymous = client.post(url, {"image": b, "before": a})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert "HX-Redirect" in client.post(url, {"image": b, "before": a}, **HTMX)
    assert move(login(stranger), board, image=b, before=a).status_code == 404
    assert move(login(stranger), board).status_code == 404  # no hint from validation either
    assert order(board) == [a, b]


# --- one place earlier or later, without JavaScript ------------------------------------


def test_earlier_and_later_buttons_work_as_plain_forms(login, owner, board_of):
    board = board_of(3)
    a, b, c = order(board)
    client = login(owner)
    page = client.get(reverse("board", args=[board.pk])).content.decode()
    assert 'data-action="earlier"' in page and 'data-action="later"' in page
    assert 'id="board-earlier-form"' in page and 'id="board-later-form"' in page
    items = reverse("board-items", args=[board.pk])
    back = reverse("board", args=[board.pk])
    response = client.post(items, {"action": "earlier", "ids": [c], "next": back})
    assert response["Location"] == f"{back}#item-{c}"
    assert order(board) == [a, c, b]
    done = client.post(items, {"action": "later", "ids": [a]}, follow=True)
    assert order(board) == [c, a, b] and "Moved one place later." in done.content.decode()
    first = client.post(items, {"action": "earlier", "ids": [c]}, follow=True)
    assert "It is already first." in first.content.decode()
    assert client.post(items, {"action": "later", "ids": [999_999]}).status_code == 404


def test_earlier_on_a_filtered_page_passes_the_images_it_hides(login, owner, board_of):
    board = board_of(3)
    a, b, c = order(board)
    Generation.objects.filter(images__pk=b).update(model_id="xai/hidden-by-filter")
    model = Generation.objects.get(images__pk=a).model_id
    Generation.objects.filter(images__pk__in=[a, c]).update(model_id=model)
    back = reverse("board", args=[board.pk]) + f"?model={model}"
    response = login(owner).post(
        reverse("board-items", args=[board.pk]),
        {"action": "earlier", "ids": [c], "model": model, "next": back},
    )
    assert response["Location"] == f"{back}#item-{c}"
    assert order(board) == [c, a, b]
