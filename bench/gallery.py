"""The gallery with 50,000 images for one user, on PostgreSQL.

Target: any page in <= 100 ms server time, with the same few SQL queries on every
page (keyset pages, no N+1).

One user ("bench-gallery", distinct from the dashboard bench's users, which share
the database) gets 50,000 generations through `seed_generations`, the studio's own
seeding (rows share a dozen real image files). A database that already holds them is
reused. Timed: Django's test client, in process, through every middleware; a warm-up
and then the median of several runs, for the first page, a middle page and the last
page (whole pages, and the fragment endless scroll asks for), plus a filtered page and
a prompt search. The page cursors are taken from the database, as the previous page's
last tile would give them.

Then the same at a small scale: a second user ("bench-gallery-1k", 1,000 images), whose
gallery pages must cost the same SQL queries as the big one's; and boards at both
scales (bench/boards.py: a board holding every image of the user, several small ones, the list,
board pages plain, scrolled and filtered, the navigation's count).
"""

from __future__ import annotations

import os
import time

from bench import boards
from bench.common import (
    DEFAULT_BENCH_DB,
    ROOT,
    ensure_postgres_database,
    median,
    migrate,
    report,
    setup_django,
)

COUNT = int(os.environ.get("BENCH_GALLERY_IMAGES", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
USERNAME = "bench-gallery"
SMALL_COUNT = int(os.environ.get("BENCH_GALLERY_SMALL_IMAGES", "1000"))
SMALL_USERNAME = "bench-gallery-1k"
TARGET_MS = 100.0


def _user(username: str = USERNAME):
    from django.contrib.auth import get_user_model

    from teams.models import Membership, Team

    user, _ = get_user_model().objects.get_or_create(username=username)
    if not Membership.objects.filter(user=user).exists():
        team = Team.objects.create(name=f"Gallery bench team ({username})")
        Membership.objects.create(user=user, team=team, role=Membership.Role.MEMBER)
    return user


def _seed(user, count: int = COUNT) -> None:
    from django.db import connection

    from generations.models import Generation
    from generations.seeding import seed_generations

    have = Generation.objects.filter(owner=user).count()
    if have >= count:
        print(f"reusing {have:,} generations of {user.username}")
        return
    started = time.perf_counter()
    seed_generations(user=user, count=count - have, seed=have + 1)
    print(f"seeded {count - have:,} generations in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("generations_generation", "generations_generatedimage"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def _cursors(user) -> dict[str, str]:
    """The `after` marker of the first, a middle and the last page."""
    from gallery.queries import PAGE_SIZE, Cursor
    from generations.models import Generation

    rows = list(
        Generation.objects.filter(owner=user)
        .order_by("-created_at", "-id")
        .values_list("created_at", "id")
    )
    pages = (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE

    def after(page: int) -> str:  # page 1 has no marker; page n follows row n*size-1
        created, pk = rows[(page - 1) * PAGE_SIZE - 1]
        return str(Cursor(created, pk))

    print(f"{len(rows):,} generations, {pages:,} pages of {PAGE_SIZE}")
    return {
        "first": "",
        f"middle (page {pages // 2:,})": after(pages // 2),
        f"last (page {pages:,})": after(pages),
    }


def _measure(client, url: str, **headers) -> tuple[float, int, int]:
    """(median ms, queries, bytes) of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **headers)  # warm-up: connection, templates, caches
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return median(timings), len(queries), len(response.content)


def main() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    ensure_postgres_database(database_url)
    setup_django(
        database_url,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
    )
    migrate()
    from django.test import Client

    user = _user()
    _seed(user)
    client = Client()
    client.force_login(user)
    scroll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-more"}

    results, counts = [], {}
    print(f"gallery: {USERNAME}, median of {RUNS} runs, Django test client in process")
    for label, after in _cursors(user).items():
        url = f"/gallery?after={after}" if after else "/gallery"
        ms, queries, size = _measure(client, url)
        counts.setdefault("page", set()).add(queries)
        results.append(_line(f"gallery {label} page", ms, queries, size))
        if after:
            ms, queries, size = _measure(client, url, **scroll)
            counts.setdefault("scroll", set()).add(queries)
            results.append(_line(f"gallery {label}, scroll fragment", ms, queries, size))
    ms, queries, size = _measure(client, "/gallery?provider=google&status=succeeded")
    counts["filtered"] = {queries}
    results.append(_line("gallery filtered (provider + status)", ms, queries, size))
    ms, queries, size = _measure(client, "/gallery?q=lighthouse+fox")
    results.append(_line("gallery prompt search (full text)", ms, queries, size))
    ms, queries, size = _measure(client, "/gallery?favourites=on")
    results.append(_line("gallery favourites only", ms, queries, size))

    small = _user(SMALL_USERNAME)
    _seed(small, SMALL_COUNT)
    results += _small_scale(small, counts, scroll)

    fixed = all(len(c) == 1 for c in counts.values())
    shown = ", ".join(f"{k} {sorted(v)}" for k, v in counts.items())
    print(f"  queries per page (at {SMALL_COUNT:,} and {COUNT:,} images): {shown}")
    results.append(
        report("same SQL queries on every page", float(fixed), "yes=1", "fixed count", fixed)
    )
    results += boards.measure({SMALL_COUNT: small, COUNT: user}, _measure, TARGET_MS)
    return results


def _small_scale(user, counts: dict[str, set[int]], scroll: dict) -> list[dict]:
    """The small user's gallery: first and last page, scrolled, filtered; their query
    counts join the big gallery's in `counts`, which must each hold one number."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    results = []
    print(f"gallery at {SMALL_COUNT:,} images ({user.username}):")
    for label, after in _cursors(user).items():
        if "middle" in label:
            continue
        url = f"/gallery?after={after}" if after else "/gallery"
        ms, queries, size = _measure(client, url)
        counts["page"].add(queries)
        results.append(_line(f"gallery {label} page at {SMALL_COUNT:,}", ms, queries, size))
        if after:
            ms, queries, size = _measure(client, url, **scroll)
            counts["scroll"].add(queries)
            results.append(
                _line(f"gallery {label}, fragment at {SMALL_COUNT:,}", ms, queries, size)
            )
    ms, queries, size = _measure(client, "/gallery?provider=google&status=succeeded")
    counts["filtered"].add(queries)
    results.append(_line(f"gallery filtered at {SMALL_COUNT:,}", ms, queries, size))
    return results


def _line(name: str, ms: float, queries: int, size: int) -> dict:
    print(f"    {name}: {queries} queries, {size / 1024:.0f} KB of HTML")
    return report(f"{name} (median)", ms, "ms", f"<= {TARGET_MS:.0f} ms", ms <= TARGET_MS)


if __name__ == "__main__":
    main()
