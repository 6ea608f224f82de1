"""An access sweep over every URL pattern of the project.

Every pattern must be classified below; a new URL that isn't makes this test fail,
so nobody can add a view without saying who may use it. Each object URL is then
called, with GET and POST, as the owner, a stranger, a plain teammate and the admin
of another team: everyone but the owner (and, where the product says so, the
owner's team admin) gets a 404, never the object. Every URL is built from its
pattern with the id of a real object (of the owner, or of the owner's team for the
team pages) and must resolve to that pattern's view before its answer is checked, so
a URL left with `<int:pk>` in it, or one that reaches another view, fails the test.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cache

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from api.tokens import token_create
from boards.services import board_add, board_create
from gallery.comparisons import comparison_create
from generations import services, worker
from generations.catalog import find_model
from generations.inputs import upload_create
from generations.models import Generation
from matrix.models import MatrixRun
from presets.models import Preset
from shares.services import share_create
from spend.budgets import current_period
from spend.models import Budget, BudgetAlert
from teams.access import membership_of
from teams.models import Membership, Team
from webhooks import events as webhook_events
from webhooks import services as webhook_services
from webhooks.models import Event

pytestmark = pytest.mark.django_db

# URLs anyone may open, or that only ever show the caller's own things.
OPEN = {
    "accounts/login/", "admin/login/", "accounts/logout/", "accounts/password_change/",
    "accounts/password_change/done/", "accounts/password_reset/", "accounts/password_reset/done/",
    "accounts/reset/<uidb64>/<token>/", "accounts/reset/done/",
    "health/",  # service health for probes: no user data (tests/studio/test_health.py)
    "health/live/",  # the same, without the catalog (tests/studio/test_health.py)
    # A share link's page and images: the token is the key (tests/shares/test_public.py).
    "s/<slug:token>", "s/<slug:token>/image/<int:image_pk>/thumb",
    "s/<slug:token>/image/<int:image_pk>/original",
    # Company sign-in: 404 while SSO is off; no user data (tests/sso/test_views.py).
    "sso/start", "sso/callback",
}  # fmt: skip
OWN_ONLY = {
    "", "studio/fields", "studio/estimate", "generate", "history", "gallery", "gallery/bulk",
    "gallery/zip", "compare", "uploads", "references/chip", "references/picker", "edit", "tryon",
    "catalog/refresh",
    "presets", "presets/new",  # presets: the caller's own and their team's
    "boards", "boards/add",  # boards: the caller's own and team boards, own images
    "matrix", "matrix/new", "matrix/preview",  # matrix runs: the caller's own (and team's)
    "shares",  # the caller's own share links
    # teams: the caller's own memberships (another team is a 404: tests/teams/)
    "teams/", "teams/new", "teams/switch", "teams/leave", "teams/join/<str:token>",
    "account/tokens", "account/tokens/<int:pk>/revoke",  # own API tokens (tests/api/test_pages.py)
}  # fmt: skip
TEAM_ADMIN_ONLY = {
    "team/", "team/generations", "team/export.csv", "team/members", "team/budgets",
    "team/gateway", "team/gateway/check", "team/members/<int:user_id>/role",
    "team/members/<int:user_id>/remove", "team/approvals/<int:generation_id>/approve",
    "team/approvals/<int:generation_id>/reject", "team/approvals/settings",
    "team/alerts/<int:alert_id>/dismiss", "team/prices", "team/retention",
    "team/storage", "team/shares",
    "presets/brand-kit",
    # webhooks: endpoints and deliveries looked up within the admin's team (tests/webhooks/)
    "team/webhooks", "team/webhooks/<int:pk>", "team/webhooks/<int:pk>/delete",
    "team/webhooks/<int:pk>/rotate", "team/webhooks/<int:pk>/test", "team/webhooks/deliveries",
    "team/webhooks/deliveries/<int:pk>", "team/webhooks/deliveries/<int:pk>/resend",
    "teams/invites", "teams/invites/revoke",  # invite links (tests/teams/test_invites.py)
    "team/audit", "team/audit.csv",  # the team's audit log (tests/audit/test_page.py)
    "team/api-tokens", "team/api-tokens/<int:pk>/revoke",  # the team's API tokens (tests/api/)
}  # fmt: skip
# pattern -> (kind of object, may the owner's team admin see it?)
OBJECT = {
    "generations/<int:pk>": ("generation", True),
    "generations/<int:pk>/card": ("generation", True),
    "generations/<int:pk>/favourite": ("generation", False),
    "generations/<int:pk>/delete": ("generation", False),
    "gallery/tiles/<int:pk>": ("generation", True),
    "media/images/<int:pk>/original": ("image", True),
    "media/images/<int:pk>/thumb": ("image", True),
    "media/uploads/<int:pk>/original": ("upload", True),
    "media/uploads/<int:pk>/thumb": ("upload", True),
    "compare/<int:pk>": ("comparison", True),
    "compare/<int:pk>/generations/<int:generation_pk>": ("comparison-column", True),
    "compare/<int:pk>/generations/<int:generation_pk>/retry": ("comparison-column", False),
    # A private board: its owner's only (team boards: tests/boards/test_access.py).
    "boards/<int:pk>": ("board", False),
    "boards/<int:pk>/edit": ("board", False),
    "boards/<int:pk>/delete": ("board", False),
    "boards/<int:pk>/items": ("board", False),
    "boards/<int:pk>/items/move": ("board", False),
    "boards/<int:pk>/zip": ("board", False),
    "boards/<int:pk>/thumbs/<int:image_pk>": ("board-image", False),
    "boards/<int:pk>/share": ("board", False),
    "images/<int:pk>/share": ("image", True),
    "shares/<int:pk>/revoke": ("share", True),
    # A personal preset: its owner's only (team presets: tests/presets/test_views.py).
    "presets/<int:pk>": ("preset", False),
    "presets/<int:pk>/apply": ("preset", False),
    "presets/<int:pk>/edit": ("preset", False),
    "presets/<int:pk>/delete": ("preset", False),
    # A matrix run: its owner's; its team's admins view, export and decide on it.
    "matrix/<int:pk>": ("matrix-run", True),
    "matrix/<int:pk>/grid": ("matrix-run", True),
    "matrix/<int:pk>/contact-sheet.png": ("matrix-run", True),
    "matrix/<int:pk>/export.zip": ("matrix-run", True),
    "matrix/<int:pk>/approve": ("matrix-run", True),
    "matrix/<int:pk>/decline": ("matrix-run", True),
    "matrix/<int:pk>/retry": ("matrix-run", False),
    "matrix/<int:pk>/cancel": ("matrix-run", False),
}


# A team page with an id in it -> the kind of object of the owner's team it names.
TEAM_OBJECT = {
    "team/members/<int:user_id>/role": "member",
    "team/members/<int:user_id>/remove": "member",
    "team/approvals/<int:generation_id>/approve": "approval",
    "team/approvals/<int:generation_id>/reject": "approval",
    "team/alerts/<int:alert_id>/dismiss": "alert",
    "team/webhooks/<int:pk>": "webhook",
    "team/webhooks/<int:pk>/delete": "webhook",
    "team/webhooks/<int:pk>/rotate": "webhook",
    "team/webhooks/<int:pk>/test": "webhook",
    "team/webhooks/deliveries/<int:pk>": "delivery",
    "team/webhooks/deliveries/<int:pk>/resend": "delivery",
    "team/api-tokens/<int:pk>/revoke": "api-token",
}
# Another team's admin has a members page of their own: a person not on their team is
# refused with a sentence and a redirect, as any unknown id is, not a 404.
NOT_ON_THE_TEAM = {"team/members/<int:user_id>/role", "team/members/<int:user_id>/remove"}
# The same for the caller's own pages with an id in it.
OWN_OBJECT = {"account/tokens/<int:pk>/revoke": "api-token"}


def project_routes(resolver=None, prefix: str = ""):
    """(route, view) of every URL pattern, the route as resolve() spells it."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from project_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def project_patterns():
    for route, _view in project_routes():
        yield route


@cache
def view_of(pattern: str):
    views = {}
    for route, view in project_routes():
        views.setdefault(route, view)  # the first one wins, as in resolve()
    return views[pattern]


def test_every_url_pattern_is_classified():
    unclassified = [
        p
        for p in project_patterns()
        # api/v1/: bearer tokens, never a session; every operation is tried as owner,
        # teammate, admin, stranger and anonymous in tests/api/test_access.py.
        if not p.startswith(("admin/", "api/v1/"))
        and p not in OPEN | OWN_ONLY | TEAM_ADMIN_ONLY | set(OBJECT)
    ]
    assert unclassified == []


def test_every_pattern_with_an_id_names_its_object():
    with_ids = {p for p in project_patterns() if "<int:" in p}
    assert {p for p in TEAM_ADMIN_ONLY if "<int:" in p} == set(TEAM_OBJECT)
    assert {p for p in OWN_ONLY if "<int:" in p} == set(OWN_OBJECT)
    assert set(TEAM_OBJECT) | set(OWN_OBJECT) | set(OBJECT) <= with_ids


@pytest.fixture
def things(owner, team_admin, catalog, media_root, emulator, monkeypatch, no_broker):
    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v2"), prompt="mine", params={}
    )
    worker.generation_run(generation_id=generation.pk)
    upload = upload_create(user=owner, data=_jpeg(), filename="me.jpg")
    comparison = comparison_create(
        user=owner,
        prompt="compare me",
        models=[find_model("recraft/recraft-v2"), find_model("google/imagen-4.0-generate-001")],
    )
    image = generation.images.get()
    board = board_create(user=owner, name="Private board", visibility="private")
    board_add(user=owner, board=board, generation_ids=[generation.pk])
    preset = Preset.objects.create(
        owner=owner,
        name="Mine",
        template="mine",
        targets=[{"model": "recraft/recraft-v2", "options": {}}],
    )
    link = share_create(user=owner, board=board, expires_at=timezone.now() + timedelta(days=1))
    matrix_run = MatrixRun.objects.create(
        owner=owner, team=generation.team, template="{x}", variables=[{"name": "x", "values": ["a"]}],
        model_ids=["recraft/recraft-v2"], cap=1,
    )  # fmt: skip
    team = membership_of(owner).team
    return {
        **_team_things(owner, team_admin, team),
        "matrix-run": {"pk": matrix_run.pk},
        "share": {"pk": link.pk},
        "board": {"pk": board.pk},
        "board-image": {"pk": board.pk, "image_pk": image.pk},
        "generation": {"pk": generation.pk},
        "image": {"pk": generation.images.get().pk},
        "upload": {"pk": upload.pk},
        "preset": {"pk": preset.pk},
        "comparison": {"pk": comparison.pk},
        "comparison-column": {
            "pk": comparison.pk,
            "generation_pk": comparison.generations.first().pk,
        },
    }


def _team_things(owner, team_admin, team: Team) -> dict[str, dict[str, int]]:
    """Objects of the owner's team that the team pages name by id, made the way the
    studio makes them."""
    team.approval_above = Decimal(0)  # the owner's next generation waits for an admin
    team.save(update_fields=["approval_above"])
    waiting = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v2"), prompt="approve me", params={}
    )
    assert waiting.status == Generation.Status.AWAITING_APPROVAL
    team.approval_above = None
    team.save(update_fields=["approval_above"])
    period = current_period(Budget.objects.create(team=team, amount=Decimal(100)))
    alert = BudgetAlert.objects.create(
        period=period, threshold=50, spent=Decimal(50), limit=period.limit
    )
    endpoint = webhook_services.endpoint_create(
        team=team,
        user=team_admin,
        url="https://hooks.example.com/studio",
        description="the team's receiver",
        events=list(Event.values),
    )
    delivery = webhook_events.endpoint_test_send(endpoint=endpoint)
    token = token_create(
        user=owner, name="script", scopes=["read"], expires_at=timezone.now() + timedelta(days=1)
    ).token
    return {
        "member": {"user_id": owner.pk},
        "approval": {"generation_id": waiting.pk},
        "alert": {"alert_id": alert.pk},
        "webhook": {"pk": endpoint.pk},
        "delivery": {"pk": delivery.pk},
        "api-token": {"pk": token.pk},
    }


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def other_team_admin(db, django_user_model):
    user = django_user_model.objects.create_user("other-admin", password="x")
    Membership.objects.create(user=user, team=Team.objects.create(name="Other"), role="admin")
    return user


def url_for(pattern: str, values: dict) -> str:
    """The URL of `pattern` with its ids filled in, checked to reach the pattern's
    own view: an id left out, or a URL another pattern takes, fails here."""
    url = "/" + pattern
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value))
    try:
        match = resolve(url)
    except Resolver404:
        match = None
    assert match is not None, f"{url} resolves to no view (pattern {pattern})"
    assert match.route == pattern, (url, match.route)
    assert match.func is view_of(pattern), (url, match.func)
    return url


def ids_for(pattern: str, things: dict) -> dict:
    """The ids of the real object the pattern names (none for a fixed URL)."""
    if pattern in OBJECT:
        return things[OBJECT[pattern][0]]
    kind = TEAM_OBJECT.get(pattern) or OWN_OBJECT.get(pattern)
    return things[kind] if kind else {}


@pytest.mark.parametrize("pattern", sorted(OBJECT))
def test_only_the_owner_and_their_team_admin_reach_an_object(
    pattern, things, client, owner, stranger, teammate, team_admin, other_team_admin
):
    _kind, admin_may_see = OBJECT[pattern]
    url = url_for(pattern, ids_for(pattern, things))

    for outsider in (stranger, teammate, other_team_admin):
        client.force_login(outsider)
        # 405: the view takes no such method, refused before any object is looked up.
        assert client.get(url).status_code in (404, 405), (url, outsider.username)
        assert client.post(url).status_code in (404, 405), (url, outsider.username, "POST")
        assert 404 in (client.get(url).status_code, client.post(url).status_code), url

    client.force_login(team_admin)
    expected = (200, 302, 405) if admin_may_see else (404, 405)
    assert client.get(url).status_code in expected, (url, "team admin")

    client.force_login(owner)
    assert client.get(url).status_code in (200, 302, 405), (url, "owner")


@pytest.mark.parametrize("pattern", sorted(TEAM_ADMIN_ONLY))
def test_team_pages_are_for_team_admins_only(
    pattern, request, client, owner, stranger, team_admin, other_team_admin
):
    names_an_object = pattern in TEAM_OBJECT
    # Only the pages that name an object pay for making them.
    things = request.getfixturevalue("things") if names_an_object else {}
    url = url_for(pattern, ids_for(pattern, things))
    outsiders = [owner, stranger]  # the owner is a plain member of the team
    if names_an_object:  # another team's admin has team pages, but not this object
        outsiders.append(other_team_admin)
    for outsider in outsiders:
        client.force_login(outsider)
        if outsider == other_team_admin and pattern in NOT_ON_THE_TEAM:
            _told_not_on_the_team(client, url, owner)
            continue
        assert client.get(url).status_code in (404, 405), (url, outsider.username)
        assert client.post(url).status_code in (404, 405), (url, outsider.username, "POST")
        assert 404 in (client.get(url).status_code, client.post(url).status_code), url

    if names_an_object:  # the id is real: the team's admin reaches the object
        client.force_login(team_admin)
        assert client.get(url).status_code != 404, (url, "team admin")
        assert client.post(url).status_code != 404, (url, "team admin", "POST")  # last: it acts


def _told_not_on_the_team(client, url: str, owner) -> None:
    """Another team's admin acting on the owner: the sentence any unknown id gets, and
    the owner's membership as it was."""
    before = membership_of(owner)
    page = client.post(url, {"role": "admin"}, follow=True).content.decode()
    assert "That person is not on the team." in page, url
    after = membership_of(owner)
    assert after is not None and (after.pk, after.role) == (before.pk, before.role), url


@pytest.mark.parametrize("pattern", sorted(OWN_ONLY | TEAM_ADMIN_ONLY | set(OBJECT)))
def test_every_page_but_the_open_ones_asks_to_sign_in(pattern, client):
    url = url_for(  # any id: the sign-in page comes before any object is looked up
        pattern,
        {
            "pk": 1,
            "generation_pk": 1,
            "user_id": 1,
            "generation_id": 1,
            "alert_id": 1,
            "image_pk": 1,
        },
    )
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), url


def test_query_string_references_to_others_things_are_refused(things, client, stranger):
    client.force_login(stranger)
    image = things["image"]["pk"]
    upload = things["upload"]["pk"]
    for url in (
        f"/edit?source=image:{image}",
        f"/edit?source=upload:{upload}",
        f"/references/chip?token=upload:{upload}",
    ):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert b"mine" not in response.content, url
    response = client.post("/gallery/zip", {"ids": [things["generation"]["pk"]]})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "pattern", sorted(p for p in OWN_ONLY | TEAM_ADMIN_ONLY | set(OBJECT) if p)
)
def test_every_post_needs_a_csrf_token(pattern, owner, team_admin, things):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team_admin if pattern.startswith("team/") else owner)
    url = url_for(pattern, ids_for(pattern, things))

    assert client.post(url).status_code in (403, 405), url
