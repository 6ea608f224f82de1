"""Nobody sees what isn't theirs: every view as its owner, a stranger, a plain
teammate, a team admin and nobody at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Views of one generation or image: (url name, which id it takes).
OBJECT_VIEWS = [
    ("generation-detail", "generation"),
    ("generation-card", "generation"),
    ("image-original", "image"),
    ("image-thumb", "image"),
]


def url_for(name: str, kind: str, generation) -> str:
    pk = generation.pk if kind == "generation" else generation.images.get().pk
    return reverse(name, args=[pk])


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_the_owner_sees_it(login, owner, finished, name, kind):
    assert login(owner).get(url_for(name, kind, finished)).status_code == 200


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_it_rejects_a_stranger(login, stranger, finished, name, kind):
    assert login(stranger).get(url_for(name, kind, finished)).status_code == 404


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_it_rejects_a_teammate_who_is_not_an_admin(login, teammate, finished, name, kind):
    assert login(teammate).get(url_for(name, kind, finished)).status_code == 404


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_the_owners_team_admin_sees_it(login, team_admin, finished, name, kind):
    assert login(team_admin).get(url_for(name, kind, finished)).status_code == 200


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_an_admin_of_another_team_does_not(login, django_user_model, finished, name, kind):
    from teams.actions import team_create

    other_admin = django_user_model.objects.create_user(username="other-admin", password="pw")
    team_create(name="Other team", admin=other_admin)
    assert login(other_admin).get(url_for(name, kind, finished)).status_code == 404


@pytest.mark.parametrize(("name", "kind"), OBJECT_VIEWS)
def test_it_sends_nobody_to_the_login_page(client, finished, name, kind):
    url = url_for(name, kind, finished)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_id_that_does_not_exist_is_a_404(owner_client, db):
    assert owner_client.get(reverse("generation-detail", args=[999])).status_code == 404
    assert owner_client.get(reverse("image-original", args=[999])).status_code == 404


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "studio"),
        ("get", "studio-fields"),
        ("get", "studio-estimate"),
        ("get", "history"),
        ("post", "generate"),
        ("post", "catalog-refresh"),
    ],
)
def test_every_page_wants_a_login(client, db, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_htmx_request_without_a_session_sends_the_page_to_the_login_form(client, db):
    response = client.get(
        reverse("studio-estimate"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("login") + "?next=/"


def test_a_stranger_sees_only_their_own_feed(login, stranger, finished):
    html = login(stranger).get(reverse("studio")).content.decode()
    assert f'id="generation-{finished.pk}"' not in html
    assert 'id="feed"' in html


def test_the_owner_sees_their_feed(login, owner, finished):
    html = login(owner).get(reverse("studio")).content.decode()
    assert f'id="generation-{finished.pk}"' in html


def test_a_stranger_sees_only_their_own_history(login, stranger, finished):
    html = login(stranger).get(reverse("history")).content.decode()
    assert f'id="generation-{finished.pk}"' not in html
    assert 'id="spend-total">$0.00<' in html


def test_the_detail_page_hides_a_parent_the_viewer_may_not_see(
    login, owner, stranger, make_generation, finished
):
    child = make_generation(stranger, "recraft/recraft-v4", run=False)
    child.parent = finished
    child.save()
    stranger_html = login(stranger).get(reverse("generation-detail", args=[child.pk]))
    assert f"generation {finished.pk}" not in stranger_html.content.decode()
    owner_html = login(owner).get(reverse("generation-detail", args=[finished.pk]))
    assert f"Generation {child.pk}" not in owner_html.content.decode()


def test_the_detail_page_links_parent_and_children(login, owner, make_generation, finished):
    child = make_generation(owner, "recraft/recraft-v4", run=False)
    child.parent = finished
    child.save()
    client = login(owner)
    parent_html = client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    assert reverse("generation-detail", args=[child.pk]) in parent_html
    child_html = client.get(reverse("generation-detail", args=[child.pk])).content.decode()
    assert f'Made from <a href="{reverse("generation-detail", args=[finished.pk])}">' in child_html


# --- the catalog refresh --------------------------------------------------------------


@pytest.fixture
def refresh_requests(monkeypatch):
    from django.core.cache import cache

    from generations import tasks

    asked: list[bool] = []
    monkeypatch.setattr(tasks.refresh_catalog, "delay", lambda: asked.append(True))
    cache.clear()
    return asked


def test_a_team_admin_can_ask_for_a_catalog_refresh(login, team_admin, refresh_requests):
    response = login(team_admin).post(reverse("catalog-refresh"))
    assert response.status_code == 302
    assert response.url == reverse("studio")
    assert refresh_requests == [True]


def test_a_catalog_refresh_goes_back_only_to_this_site(login, team_admin, refresh_requests):
    client = login(team_admin)
    assert client.post(reverse("catalog-refresh"), {"next": "/history"}).url == "/history"
    evil = client.post(reverse("catalog-refresh"), {"next": "https://evil.example/"})
    assert evil.url == reverse("studio")


def test_a_member_cannot_refresh_the_catalog(login, owner, refresh_requests):
    assert login(owner).post(reverse("catalog-refresh")).status_code == 404
    assert refresh_requests == []


def test_only_team_admins_see_the_refresh_button(login, owner, team_admin, catalog):
    assert "Refresh the model list" not in login(owner).get("/").content.decode()
    assert "Refresh the model list" in login(team_admin).get("/").content.decode()
