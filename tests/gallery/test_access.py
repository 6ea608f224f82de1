"""Nobody sees what isn't theirs, on every URL the gallery adds: the owner, a stranger,
a plain teammate, the owner's team admin (who may look but not change) and nobody."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generations.models import Generation

pytestmark = pytest.mark.django_db


def _failed(comparison) -> Generation:
    return comparison.generations.get(status="failed")


def _ok(comparison) -> Generation:
    return comparison.generations.get(status="succeeded")


# (method, url name, args from (generation, comparison), POST data, may a team admin?)
VIEWS = [
    ("get", "gallery-tile", lambda g, c: [g.pk], {}, True),
    ("get", "generation-detail", lambda g, c: [g.pk], {}, True),
    ("get", "generation-delete", lambda g, c: [g.pk], {}, False),
    ("post", "generation-delete", lambda g, c: [g.pk], {}, False),
    ("post", "generation-favourite", lambda g, c: [g.pk], {}, False),
    ("post", "gallery-zip", lambda g, c: [], lambda g, c: {"ids": [g.pk]}, True),
    (
        "post",
        "gallery-bulk",
        lambda g, c: [],
        lambda g, c: {"ids": [g.pk], "action": "favourite"},
        False,
    ),
    (
        "post",
        "gallery-bulk",
        lambda g, c: [],
        lambda g, c: {"ids": [g.pk], "action": "delete"},
        False,
    ),
    (
        "post",
        "gallery-bulk",
        lambda g, c: [],
        lambda g, c: {"ids": [g.pk], "action": "delete-confirmed"},
        False,
    ),
    ("get", "compare-detail", lambda g, c: [c.pk], {}, True),
    ("get", "compare-column", lambda g, c: [c.pk, _ok(c).pk], {}, True),
    ("post", "compare-retry", lambda g, c: [c.pk, _failed(c).pk], {}, False),
]
IDS = [f"{method}-{name}-{i}" for i, (method, name, *_) in enumerate(VIEWS)]


def call(client, view, generation, comparison):
    method, name, args, data, _ = view
    url = reverse(name, args=args(generation, comparison))
    data = data(generation, comparison) if callable(data) else data
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_the_owner_may(login, owner, finished, comparison, view):
    response = call(login(owner), view, finished, comparison)
    assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_it_rejects_a_stranger(login, stranger, finished, comparison, view):
    assert call(login(stranger), view, finished, comparison).status_code == 404
    assert Generation.objects.filter(pk=finished.pk, favourite=False).exists()


@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_it_rejects_a_teammate_who_is_not_an_admin(login, teammate, finished, comparison, view):
    assert call(login(teammate), view, finished, comparison).status_code == 404


@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_the_team_admin_may_look_but_not_change(login, team_admin, finished, comparison, view):
    status = call(login(team_admin), view, finished, comparison).status_code
    assert status == (200 if view[4] else 404)
    assert Generation.objects.filter(pk=finished.pk, favourite=False).exists()
    assert comparison.generations.count() == 2


@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_it_sends_nobody_to_the_login_page(client, finished, comparison, view):
    response = call(client, view, finished, comparison)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "name"), [("get", "gallery"), ("get", "compare"), ("post", "compare")]
)
def test_every_page_wants_a_login(client, db, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_download_of_an_original_is_the_owners_and_the_admins(
    login, owner, stranger, teammate, team_admin, finished
):
    url = reverse("image-original", args=[finished.images.get().pk]) + "?download=1"
    assert login(owner).get(url)["Content-Disposition"].startswith("attachment")
    assert login(team_admin).get(url).status_code == 200
    assert login(stranger).get(url).status_code == 404
    assert login(teammate).get(url).status_code == 404


def test_a_stranger_cannot_reopen_or_list_a_comparison(login, stranger, comparison):
    client = login(stranger)
    assert client.get(reverse("compare-detail", args=[comparison.pk])).status_code == 404
    html = client.get(reverse("compare")).content.decode()
    assert reverse("compare-detail", args=[comparison.pk]) not in html


def test_a_column_of_another_comparison_is_a_404(login, owner, comparison, finished):
    url = reverse("compare-column", args=[comparison.pk, finished.pk])
    assert login(owner).get(url).status_code == 404


def test_a_zip_mixing_in_a_strangers_ids_holds_only_what_is_visible(
    login, stranger, make_generation, finished
):
    theirs = make_generation(stranger, prompt="the stranger's own")
    response = login(stranger).post(reverse("gallery-zip"), {"ids": [theirs.pk, finished.pk]})
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == [f"{theirs.pk}-0.{theirs.images.get().extension}"]
