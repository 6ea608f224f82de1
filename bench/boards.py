"""Boards for the gallery bench (bench/gallery.py runs this after the gallery).

At each scale (a user with 1,000 images, the gallery's user with 50,000) the user gets
one big team board holding every image of theirs (BENCH_BOARD_ITEMS caps it, when set)
and a few small boards, through the boards' own services; boards already there are
reused, and topped up when the user has more images than the big board. Measured, like
the gallery: the list of boards, the big board's first page, a page from its middle
(whole and as the scroll fragment), filtered pages, a filtered page from the middle, a
prompt search, the navigation's count, and a move that renumbers the whole big board.
What must hold: each figure's number of SQL queries is the same at both scales.
"""

from __future__ import annotations

import os
import time

from bench.common import median, report

# Unset: the big board holds every image of the scale's user.
BIG_ITEMS = int(os.environ["BENCH_BOARD_ITEMS"]) if os.environ.get("BENCH_BOARD_ITEMS") else None
SMALL_BOARDS = 5
SMALL_ITEMS = 40
BIG_NAME = "Bench: the big board"
FILTER = {"provider": "google", "status": "succeeded"}
SCROLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-more"}
CHUNK = 1000  # generations a board_add call takes at once


def seed_boards(user, images: int):
    """The user's big board (seeded once) and SMALL_BOARDS small ones."""
    from boards import services
    from boards.models import Board, BoardItem
    from generations.models import GeneratedImage, Generation

    succeeded = (
        Generation.objects.filter(owner=user, images__isnull=False)
        .distinct()
        .order_by("-created_at", "-id")
    )
    started = time.perf_counter()
    big = Board.objects.filter(owner=user, name=BIG_NAME).first() or services.board_create(
        user=user, name=BIG_NAME, visibility="team"
    )
    # `images` counts the scale's generations; the failed ones have no image to add.
    have = GeneratedImage.objects.filter(generation__owner=user).count()
    want = have if BIG_ITEMS is None else min(BIG_ITEMS, have)
    if BoardItem.objects.filter(board=big).count() < want:
        ids = list(succeeded.values_list("pk", flat=True)[:want])
        for start in range(0, len(ids), CHUNK):
            services.board_add(user=user, board=big, generation_ids=ids[start : start + CHUNK])
    for n in range(1, SMALL_BOARDS + 1):
        name = f"Bench: board {n}"
        if not Board.objects.filter(owner=user, name=name).exists():
            board = services.board_create(
                user=user, name=name, visibility="team" if n % 2 else "private"
            )
            ids = succeeded.values_list("pk", flat=True)[n * 100 : n * 100 + SMALL_ITEMS]
            services.board_add(user=user, board=board, generation_ids=list(ids))
    _analyze()
    count = BoardItem.objects.filter(board=big).count()
    print(f"  {user.username}: big board of {count:,} items, {SMALL_BOARDS} small boards "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
    return big


def _analyze() -> None:
    """Fresh planner statistics for the items (a seeding or the renumbering move of an
    earlier run rewrote many rows), as the gallery bench does for its tables."""
    from django.db import connection

    from boards.models import BoardItem

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {BoardItem._meta.db_table}")


def _middle_cursor(board, values: dict | None = None) -> str:
    """The `after` marker of the page in the middle of the (filtered) board."""
    from boards.models import BoardItem
    from boards.queries import Cursor, matching

    rows = BoardItem.objects.filter(board=board)
    generations = matching(values or {})
    if generations is not None:
        rows = rows.filter(image__generation__in=generations)
    keys = list(rows.order_by("position", "id").values_list("position", "id"))
    return str(Cursor(*keys[len(keys) // 2]))


def _pages(board) -> dict[str, tuple[str, dict]]:
    from django.utils.http import urlencode

    base = f"/boards/{board.pk}"
    middle, filtered_middle = _middle_cursor(board), _middle_cursor(board, FILTER)
    return {
        "board list": ("/boards", {}),
        "board first page": (base, {}),
        "board middle page": (f"{base}?after={middle}", {}),
        "board middle, scroll fragment": (f"{base}?after={middle}", SCROLL),
        "board filtered (provider + status)": (f"{base}?{urlencode(FILTER)}", {}),
        "board filtered, middle fragment": (
            f"{base}?{urlencode({**FILTER, 'after': filtered_middle})}",
            SCROLL,
        ),
        "board prompt search": (f"{base}?q=lighthouse+fox", {}),
    }


def _nav_count(user) -> tuple[float, int, int]:
    """(ms, queries, value) of the navigation's boards menu (the latest boards with
    their item counts, and the total), memberships already read (as on a page: the
    access check reads them first)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from boards.queries import nav_boards
    from teams.access import memberships_of

    memberships_of(user)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        nav_boards(user)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        value = nav_boards(user).total
    return median(timings), len(queries), value


def _renumbering_move(board) -> tuple[float, int, int]:
    """(ms, queries, items) of a move with no room at its place: every position is
    made equal first, so the move renumbers the whole board in its one UPDATE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from boards import services
    from boards.models import BoardItem

    items = BoardItem.objects.filter(board=board)
    items.update(position=0)
    in_order = items.order_by("position", "id").values_list("image_id", flat=True)
    count = items.count()
    second, last = in_order[1], in_order[count - 1]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        services.board_move(board=board, image_id=last, before_id=second)
    ms = (time.perf_counter() - started) * 1000
    assert in_order[1] == last, "the move did not land"
    return ms, len(queries), count


def measure(scales: dict[int, object], measure_page, target_ms: float) -> list[dict]:
    """Board figures at each scale {images: user}; `measure_page(client, url, **headers)`
    is the gallery bench's (median ms, queries, bytes)."""
    from django.test import Client

    results, counts = [], {}
    bigs = {images: seed_boards(user, images) for images, user in scales.items()}
    for images, user in scales.items():
        big = bigs[images]
        client = Client()
        client.force_login(user)
        print(f"boards at {images:,} images ({user.username}):")
        for name, (url, headers) in _pages(big).items():
            ms, queries, size = measure_page(client, url, **headers)
            counts.setdefault(name, {})[images] = queries
            print(f"    {name}: {queries} queries, {size / 1024:.0f} KB")
            results.append(
                report(f"{name} at {images:,} (median)", ms, "ms", f"<= {target_ms:.0f} ms",
                       ms <= target_ms)
            )  # fmt: skip
        ms, queries, value = _nav_count(user)
        counts.setdefault("nav count", {})[images] = queries
        print(f"    nav count: {queries} query, {value} boards, {ms:.2f} ms")
    for images, big in bigs.items():  # last: it rewrites every item of the board
        ms, queries, items = _renumbering_move(big)  # rare (no room left): shown, no target
        counts.setdefault("move renumbering the big board", {})[images] = queries
        print(f"  move renumbering {items:,} items: {queries} queries, {ms:.0f} ms")

    low, high = min(scales), max(scales)
    print(f"  SQL queries at {low:,} / {high:,} images:")
    for name, by_scale in counts.items():
        print(f"    {name:<40} {by_scale[low]:>3} / {by_scale[high]}")
    fixed = all(len(set(by_scale.values())) == 1 for by_scale in counts.values())
    results.append(
        report(f"boards: same queries at {low:,} and {high:,}", float(fixed), "yes=1",
               "fixed count", fixed)
    )  # fmt: skip
    return results
