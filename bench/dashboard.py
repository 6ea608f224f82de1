"""The team admin dashboard over 1,000,000 generations, on PostgreSQL.

Target: the dashboard page (GET /team/ as the team's admin) in <= 500 ms server time.

One team of 20 members gets 1,000,000 generations spread over the last 90 days (ids
growing with time, as they do in production), 8% failed with a spread of gateway
error types, each finished one with its settlement in the ledger. The rows are made
by PostgreSQL itself (INSERT ... SELECT FROM generate_series): a million ORM objects
would take longer than the benchmark. A database that already holds the rows is
reused, so a rerun takes seconds. After seeding, VACUUM ANALYZE sets the visibility
map and the statistics, as autovacuum does in production; the aggregates rely on
index-only scans of `gen_team_period`.

Timed: Django's test client, in process, through every middleware, several runs after
one warm-up, median. Also shown: the queries per page and the generations page a
chart bar leads to.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from bench.common import (
    DEFAULT_BENCH_DB,
    ensure_postgres_database,
    median,
    migrate,
    report,
    setup_django,
)

COUNT = int(os.environ.get("BENCH_DASHBOARD_GENERATIONS", "1000000"))
MEMBERS = 20
DAYS = 90
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TEAM_NAME = "Dashboard bench team"
FAILURES = [
    ("provider_error", "The image provider had trouble and kept failing after several tries."),
    ("rate_limit_exceeded", "The gateway is rate limiting requests right now."),
    ("invalid_request_error", "size must be one of 1024x1024, 1024x1536, 1536x1024."),
    ("timeout", "The gateway did not answer in time."),
    ("insufficient_balance", "The team's gateway credit has run out."),
]


def _team_and_members():
    from django.contrib.auth import get_user_model

    from teams.models import Membership, Team

    User = get_user_model()
    team, _ = Team.objects.get_or_create(name=TEAM_NAME)
    users = []
    for i in range(MEMBERS):
        name = "bench-admin" if i == 0 else f"bench-member-{i:02d}"
        user, _ = User.objects.get_or_create(username=name)
        role = Membership.Role.ADMIN if i == 0 else Membership.Role.MEMBER
        Membership.objects.get_or_create(user=user, defaults={"team": team, "role": role})
        users.append(user)
    return team, users


def _extra_columns() -> dict:
    """Non-null columns this script does not know about (added after it was written)
    get their model default, so the INSERT keeps working."""
    from django.db import connection

    from generations.models import Generation

    known = {
        "id", "owner_id", "team_id", "kind", "status", "model_id", "provider", "prompt",
        "params", "endpoint", "request_body", "revised_prompt", "error_type",
        "error_message", "error_hint", "estimated_cost", "cost", "cost_basis", "attempts",
        "created_at", "started_at", "finished_at", "favourite",
    }  # fmt: skip
    extra = {}
    for field in Generation._meta.concrete_fields:
        if field.column in known or field.null:
            continue
        extra[field.column] = field.get_db_prep_save(field.get_default(), connection=connection)
    return extra


def _seed(team, users, count: int) -> None:
    from django.db import connection

    from llmtr import spec

    models = list(spec.MODELS)
    prices = [str(getattr(m.price, "usd", "0.0112")) for m in models]
    extra = _extra_columns()
    extra_cols = "".join(f", {c}" for c in extra)
    extra_vals = "".join(f", %(extra_{c})s" for c in extra)
    sql = f"""
        WITH s AS (
            SELECT i, random() AS r, floor(random() * %(models)s)::int + 1 AS m,
                   floor(random() * %(failures)s)::int + 1 AS f,
                   floor(random() * %(n_owners)s)::int + 1 AS o,
                   now() - interval '%(days)s days' * (1 - i::float8 / %(count)s)
                         - interval '1 second' * random() * 60 AS at
            FROM generate_series(1, %(count)s) AS i
        )
        INSERT INTO generations_generation
            (owner_id, team_id, kind, status, model_id, provider, prompt, params, endpoint,
             request_body, revised_prompt, error_type, error_message, error_hint,
             estimated_cost, cost, cost_basis, attempts, created_at, started_at,
             finished_at, favourite{extra_cols})
        SELECT (%(owners)s::bigint[])[o], %(team)s,
               (ARRAY['text','text','text','text','reference','reference','edit','tryon'])[1 + i %% 8],
               CASE WHEN i > %(count)s - 40 THEN 'running'
                    WHEN r < 0.08 THEN 'failed' ELSE 'succeeded' END,
               (%(model_ids)s::text[])[m], (%(providers)s::text[])[m],
               'a bench prompt ' || i, '{{}}', '/v1/images/generations',
               '{{}}', '',
               CASE WHEN r < 0.08 AND i <= %(count)s - 40 THEN (%(error_types)s::text[])[f] ELSE '' END,
               CASE WHEN r < 0.08 AND i <= %(count)s - 40 THEN (%(error_messages)s::text[])[f] ELSE '' END,
               '',
               (%(prices)s::numeric[])[m],
               CASE WHEN i > %(count)s - 40 THEN NULL
                    WHEN r < 0.08 THEN 0 ELSE (%(prices)s::numeric[])[m] * (1 + (i %% 4 = 0)::int) END,
               '', 1, at, at + interval '1 second', at + interval '9 seconds', false{extra_vals}
        FROM s
    """
    params = {
        "models": len(models),
        "failures": len(FAILURES),
        "days": DAYS,
        "count": count,
        "owners": [u.pk for u in users],
        "n_owners": len(users),
        "team": team.pk,
        "model_ids": [m.id for m in models],
        "providers": [m.provider for m in models],
        "error_types": [t for t, _ in FAILURES],
        "error_messages": [msg for _, msg in FAILURES],
        "prices": prices,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params | {f"extra_{c}": v for c, v in extra.items()})
        # The ledger as the studio writes it: a hold at submit for every generation,
        # a settlement releasing it for every finished one, both at the submit time.
        cursor.execute(
            """
            INSERT INTO generations_ledgerentry
                (generation_id, team_id, user_id, model_id, kind, hold, amount, released,
                 unconfirmed, basis, spent_at, created_at)
            SELECT g.id, g.team_id, g.owner_id, g.model_id, k.kind, 1,
                   CASE WHEN k.kind = 'reservation' THEN g.estimated_cost ELSE g.cost END,
                   CASE WHEN k.kind = 'reservation' THEN 0 ELSE g.estimated_cost END,
                   false, 'bench', g.created_at, g.created_at
            FROM generations_generation g
            CROSS JOIN (VALUES ('reservation'), ('settlement')) AS k(kind)
            WHERE g.team_id = %s AND (k.kind = 'reservation' OR g.cost IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM generations_ledgerentry l
                              WHERE l.generation_id = g.id AND l.kind = k.kind)
            """,
            [team.pk],
        )


def _budgets(team, users) -> None:
    """A team budget and a few member budgets, their current periods holding what the
    seeded rows spent, so the page draws its budget bars."""
    from decimal import Decimal

    from spend import budgets
    from spend.models import Budget

    Budget.objects.get_or_create(team=team, user=None, defaults={"amount": Decimal("60000")})
    for user in users[1:4]:
        Budget.objects.get_or_create(team=team, user=user, defaults={"amount": Decimal("2500")})
    for budget in Budget.objects.filter(team=team):
        budgets.current_period(budget)  # created from the ledger's totals
    budgets.resync(team.pk)  # rows seeded before this run: bring them in line
    from spend import rollups

    rollups.rebuild(team.pk)  # the dashboard reads these, as the studio keeps them


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("generations_generation", "generations_ledgerentry"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _time_get(client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: connections, templates, caches
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return median(times) * 1000, len(queries), response.status_code


def main() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    if not database_url.startswith("postgres"):
        raise SystemExit("bench.dashboard measures PostgreSQL: set BENCH_DATABASE_URL to one")
    ensure_postgres_database(database_url)
    setup_django(database_url, ALLOWED_HOSTS="testserver,127.0.0.1,localhost")
    migrate()

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dashboard import figures
    from generations.models import Generation

    team, users = _team_and_members()
    have = Generation.objects.filter(team=team).count()
    if have < COUNT:
        print(f"  seeding {COUNT - have:,} generations ({have:,} there already)...", flush=True)
        started = time.perf_counter()
        _seed(team, users, COUNT - have)
        _vacuum()
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        print(f"  reusing {have:,} seeded generations", flush=True)
        _vacuum()  # cheap when nothing changed; sets the visibility map after a rerun
    _budgets(team, users)

    client = Client()
    client.force_login(users[0])
    current = figures.period_for("month", None)
    last_month = figures.period_for("month", current.first_day - timedelta(days=1))
    results = []
    for label, period in (("current month", current), ("last full month", last_month)):
        in_period = Generation.objects.filter(
            team=team, created_at__gte=period.starts_at, created_at__lt=period.ends_at
        ).count()
        url = f"{reverse('team-dashboard')}?start={period.first_day.isoformat()}"
        ms, queries, _ = _time_get(client, url)
        print(f"  {label}: {in_period:,} generations in the period, {queries} SQL queries")
        results.append(
            report(f"dashboard, {label} (median of {RUNS})", ms, "ms", "<= 500 ms", ms <= 500)
        )
    model = Generation.objects.filter(team=team).values_list("model_id", flat=True).first()
    url = f"{reverse('team-generations')}?from={last_month.first_day}&to={last_month.last_day}&model={model}"
    ms, queries, _ = _time_get(client, url)
    print(f"  a model bar's generations, last full month: {queries} SQL queries")
    results.append(report("generations behind a bar (first page)", ms, "ms", "(no target)", True))
    print(
        f"  at {timezone.localtime():%Y-%m-%d %H:%M %Z}; {COUNT:,} generations, {MEMBERS} members"
    )
    return results


if __name__ == "__main__":
    main()
