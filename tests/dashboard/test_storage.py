"""Storage on the team dashboard: what each member's files weigh and the team's total,
in a human format, from the sizes measured when the files were stored."""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from dashboard.storage import team_storage
from generations.models import GeneratedImage, Upload
from teams.access import membership_of
from tests.factories import GenerationFactory, member

pytestmark = pytest.mark.django_db

GB = 1024**3
MB = 1024**2


def add_image(user, *, index=0, bytes_, thumb=None, archived=False, generation=None):
    generation = generation or GenerationFactory(owner=user)
    return GeneratedImage.objects.create(
        generation=generation, index=index, bytes=bytes_, thumb_bytes=thumb,
        archived_at=timezone.now() if archived else None, file="" if archived else f"g{index}",
        thumbnail=f"t{index}", sha256="0" * 64, width=1, height=1, mime_type="image/png",
        thumb_width=1, thumb_height=1,
    )  # fmt: skip


def add_upload(user, *, bytes_, thumb=None):
    return Upload.objects.create(
        owner=user, team=membership_of(user).team, bytes=bytes_, thumb_bytes=thumb, file="u",
        thumbnail="ut", sha256="1" * 64, width=1, height=1, mime_type="image/jpeg",
        thumb_width=1, thumb_height=1,
    )  # fmt: skip


@pytest.fixture
def files(owner, teammate, team_admin, stranger):
    """The owner: 1.4 GB of originals (two images of one generation) and their
    thumbnails; the teammate: an archived original (only its thumbnail counts), an
    image stored before thumbnails were measured, and an upload; the admin: nothing;
    a stranger on another team: 7 GB that must not count."""
    first = add_image(owner, index=0, bytes_=int(0.9 * GB), thumb=20_000)
    add_image(owner, index=1, bytes_=int(0.5 * GB), thumb=30_000, generation=first.generation)
    add_image(teammate, bytes_=3 * GB, thumb=40_000, archived=True)
    add_image(teammate, bytes_=2 * MB)
    add_upload(teammate, bytes_=300_000, thumb=5_000)
    add_image(stranger, bytes_=7 * GB, thumb=1)
    add_upload(stranger, bytes_=7 * GB)


def test_it_sums_each_members_files_and_the_team_in_one_query_each(
    owner, teammate, files, django_assert_num_queries
):
    with django_assert_num_queries(3):  # images, uploads, and the owners' names
        used = team_storage(membership_of(owner).team)

    rows = {m.username: (m.images, m.uploads, m.total) for m in used.members}
    owner_images = int(0.9 * GB) + 20_000 + int(0.5 * GB) + 30_000
    teammate_images = 40_000 + 2 * MB
    assert rows == {
        "owner": (owner_images, 0, owner_images),
        "teammate": (teammate_images, 305_000, teammate_images + 305_000),
    }
    assert [m.username for m in used.members] == ["owner", "teammate"]  # biggest first
    assert used.images == owner_images + teammate_images
    assert used.uploads == 305_000
    assert used.total == owner_images + teammate_images + 305_000


def storage_rows(page: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="data-table" id="storage-table">(.*?)</table>', page, re.S)
    rows = re.findall(r'<tr data-storage-member="([^"]+)">(.*?)</tr>', table.group(1), re.S)
    return {name: re.findall(r'<td class="num">([^<]*)</td>', cells) for name, cells in rows}


def test_the_dashboard_loads_it_after_the_page(team_admin_client, files):
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    panel = re.search(r'<section class="panel"[^>]*id="storage"(.*?)</section>', page, re.S)
    url = reverse("team-storage")
    assert f'hx-get="{url}" hx-trigger="load" hx-swap="outerHTML"' in panel.group(1)
    assert f'<a href="{url}">' in panel.group(1)  # without JavaScript: a page of its own
    assert 'id="storage-table"' not in page


@pytest.mark.parametrize("htmx", [True, False])
def test_it_shows_each_member_and_the_team_in_a_human_format(team_admin_client, owner, files, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    page = team_admin_client.get(reverse("team-storage"), **headers).content.decode()

    assert page.lstrip().startswith('<section class="panel storage"') == htmx
    assert 'id="period-spent"' not in page
    total = team_storage(membership_of(owner).team).total
    assert re.search(r'<strong id="storage-total">([^<]*)</strong>', page).group(1) == (
        filesizeformat(total)
    )
    assert filesizeformat(total) == "1.4\xa0GB"
    rows = storage_rows(page)
    assert rows["owner"] == ["1.4\xa0GB", "0\xa0bytes", "1.4\xa0GB"]
    assert rows["teammate"] == ["2.0\xa0MB", "297.9\xa0KB", "2.3\xa0MB"]
    assert rows["boss"] == ["0\xa0bytes", "0\xa0bytes", "0\xa0bytes"]  # a member, nothing stored
    assert list(rows) == ["owner", "teammate", "boss"]
    assert "Originals are kept forever." in page


def test_a_member_who_left_still_counts_and_says_so(team_admin_client, owner, teammate, files):
    membership_of(teammate).delete()
    page = team_admin_client.get(reverse("team-storage")).content.decode()
    row = re.search(r'<tr data-storage-member="teammate">(.*?)</tr>', page, re.S).group(1)
    assert "(left the team)" in row


def test_thumbnails_are_measured_when_they_are_stored(owner, finished, make_upload):
    image = finished.images.get()
    upload = make_upload(owner)
    assert image.thumb_bytes == default_storage.size(image.thumbnail.name) > 0
    assert image.bytes == default_storage.size(image.file.name)
    assert upload.thumb_bytes == default_storage.size(upload.thumbnail.name) > 0
    used = team_storage(membership_of(owner).team)
    assert used.total == image.bytes + image.thumb_bytes + upload.bytes + upload.thumb_bytes


@pytest.mark.parametrize("who", ["stranger", "teammate", "owner"])
def test_only_the_teams_admins_see_its_storage(login, files, who, request):
    """A stranger (on another team), plain members of the team: 404, as every team
    page does; the page shows the viewer's own team only."""
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("team-storage")).status_code == 404
    assert client.get(reverse("team-storage"), HTTP_HX_REQUEST="true").status_code == 404


def test_another_teams_admin_sees_their_own_storage_only(login, files):
    other = member("other-admin", role="admin")
    add_image(other, bytes_=5 * MB)
    page = login(other).get(reverse("team-storage")).content.decode()
    assert storage_rows(page) == {"other-admin": ["5.0\xa0MB", "0\xa0bytes", "5.0\xa0MB"]}
