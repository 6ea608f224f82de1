"""Board services: adding, removing, ordering, covers, names, and what cascades."""

from __future__ import annotations

import pytest

from boards import services
from boards.models import Board, BoardItem
from generations.deletion import generations_delete
from generations.models import GeneratedImage

pytestmark = pytest.mark.django_db


def order(board) -> list[int]:
    return list(BoardItem.objects.filter(board=board).values_list("image_id", flat=True))


def test_adding_puts_every_image_of_the_generations_at_the_end_once(
    owner, make_generation, make_board
):
    one = make_generation(owner, prompt="one")
    two = make_generation(owner, prompt="two", n=2)
    board = make_board(owner, generations=[one])
    assert services.board_add(user=owner, board=board, generation_ids=[one.pk, two.pk]) == 2
    assert services.board_add(user=owner, board=board, generation_ids=[two.pk]) == 0
    ids = order(board)
    assert ids[0] == one.images.get().pk
    assert sorted(ids[1:]) == sorted(two.images.values_list("pk", flat=True))


def test_move_to_top_and_cover(owner, make_generation, make_board):
    made = [make_generation(owner, prompt=f"p{n}") for n in range(3)]
    board = make_board(owner, generations=made)
    last = order(board)[-1]
    assert services.board_move_to_top(board=board, image_id=last)
    assert order(board)[0] == last
    assert services.board_set_cover(board=board, image_id=last)
    assert Board.objects.get(pk=board.pk).cover_id == last
    assert not services.board_set_cover(board=board, image_id=999_999)


def test_removing_the_cover_clears_it(owner, finished, make_board):
    board = make_board(owner, generations=[finished])
    image = finished.images.get().pk
    services.board_set_cover(board=board, image_id=image)
    assert services.board_remove(user=owner, board=board, image_ids=[image]) == 1
    assert Board.objects.get(pk=board.pk).cover_id is None


def test_deleting_a_generation_takes_its_images_off_every_board(
    owner, finished, make_generation, make_board
):
    other = make_generation(owner, prompt="stays")
    first = make_board(owner, "First", generations=[finished, other])
    second = make_board(owner, "Second", generations=[finished])
    services.board_set_cover(board=second, image_id=finished.images.get().pk)
    generations_delete(user=owner, ids=[finished.pk])
    assert order(first) == [other.images.get().pk]
    assert order(second) == []
    assert Board.objects.get(pk=second.pk).cover_id is None


def test_deleting_a_board_keeps_its_images(owner, finished, make_board):
    board = make_board(owner, generations=[finished])
    services.board_delete(board=board)
    assert GeneratedImage.objects.filter(generation=finished).count() == 1
    assert not BoardItem.objects.exists()


def test_names_are_unique_per_owner_whatever_the_case(owner, teammate, make_board):
    make_board(owner, "Ideas")
    with pytest.raises(services.BoardProblem, match="already have a board called"):
        services.board_create(user=owner, name="IDEAS", visibility="private")
    assert make_board(teammate, "Ideas")  # another owner may


def test_a_team_board_takes_only_its_teams_images(owner, stranger, make_generation, make_board):
    board = make_board(owner, "Team", visibility="team")
    foreign = make_generation(stranger, prompt="theirs")
    assert services.board_add(user=owner, board=board, generation_ids=[foreign.pk]) == 0
    assert services.board_add(user=stranger, board=board, generation_ids=[foreign.pk]) == 0


def test_a_member_removes_only_what_they_added(owner, teammate, make_generation, make_board):
    mine = make_generation(owner, prompt="owner's")
    theirs = make_generation(teammate, prompt="teammate's")
    board = make_board(owner, "Shared", visibility="team", generations=[mine])
    services.board_add(user=teammate, board=board, generation_ids=[theirs.pk])
    ids = order(board)
    assert services.board_remove(user=teammate, board=board, image_ids=ids) == 1
    assert order(board) == [mine.images.get().pk]


def test_a_private_board_with_another_teams_images_cannot_become_a_team_board(
    owner, make_generation, make_board
):
    """Only the team an image was made in may see it: a board holding an image from
    another team stays private until that image is removed."""
    from boards.services import BoardProblem, board_remove, board_update
    from teams.actions import team_create

    first_team_image = make_generation(owner, size="1:1", n=1)
    team_create(name="Side project", admin=owner)  # now the current team
    board = make_board(owner, "Mixed", generations=[first_team_image])

    with pytest.raises(BoardProblem, match="another team"):
        board_update(board=board, name="Mixed", visibility="team")

    board_remove(user=owner, board=board, image_ids=[first_team_image.images.get().pk])
    assert board_update(board=board, name="Mixed", visibility="team").is_team
