"""Deleting: rows go in one transaction, files only after it commits and only when no
other row still uses them; lineage pages of other generations keep working."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from generations.deletion import NotDeletable, generations_delete
from generations.models import GeneratedImage, Generation, GenerationInput

pytestmark = pytest.mark.django_db


def files_of(generation) -> list[str]:
    return [n for i in generation.images.all() for n in (i.file.name, i.thumbnail.name)]


def test_deleting_removes_the_rows_and_then_the_files(
    owner, finished, django_capture_on_commit_callbacks
):
    names = files_of(finished)
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert generations_delete(user=owner, ids=[finished.pk]) == 1
    assert not Generation.objects.filter(pk=finished.pk).exists()
    assert all(default_storage.exists(n) for n in names), "files went before the commit"
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(n) for n in names)


def test_a_rolled_back_delete_leaves_every_file(
    owner, finished, django_capture_on_commit_callbacks
):
    names = files_of(finished)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            generations_delete(user=owner, ids=[finished.pk])
            raise RuntimeError("something after the delete failed")
    assert Generation.objects.filter(pk=finished.pk).exists()
    assert all(default_storage.exists(n) for n in names)


def test_a_file_other_rows_share_stays(owner, seeded, django_capture_on_commit_callbacks):
    seeded(owner, 30)  # 30 rows over a dozen files
    image = GeneratedImage.objects.filter(generation__owner=owner).first()
    sharing = GeneratedImage.objects.filter(file=image.file.name).exclude(pk=image.pk)
    assert sharing.exists()
    with django_capture_on_commit_callbacks(execute=True):
        generations_delete(user=owner, ids=[image.generation_id])
    assert default_storage.exists(image.file.name)
    # Once the last row using it goes, so does the file.
    with django_capture_on_commit_callbacks(execute=True):
        generations_delete(user=owner, ids=list(sharing.values_list("generation_id", flat=True)))
    assert not default_storage.exists(image.file.name)
    assert not default_storage.exists(image.thumbnail.name)


def test_children_keep_their_pages_when_the_parent_goes(
    owner, owner_client, finished, make_generation, django_capture_on_commit_callbacks
):
    child = make_generation(owner, "google/gemini-3.1-flash-image", run=False)
    Generation.objects.filter(pk=child.pk).update(parent=finished)
    GenerationInput.objects.create(
        generation=child, position=0, role="reference", image=finished.images.get(), sha256="x"
    )
    services_run(child)
    with django_capture_on_commit_callbacks(execute=True):
        generations_delete(user=owner, ids=[finished.pk])
    child.refresh_from_db()
    assert child.parent_id is None
    assert child.inputs.get().image_id is None
    response = owner_client.get(reverse("generation-detail", args=[child.pk]))
    assert response.status_code == 200
    assert "an image since deleted" in response.content.decode()
    assert owner_client.get(reverse("gallery")).status_code == 200


def services_run(generation):
    from generations.worker import generation_run

    generation_run(generation_id=generation.pk)


def test_an_unfinished_generation_cannot_be_deleted(owner, make_generation):
    queued = make_generation(owner, run=False)
    with pytest.raises(NotDeletable, match="still queued or running"):
        generations_delete(user=owner, ids=[queued.pk])
    assert Generation.objects.filter(pk=queued.pk).exists()


def test_only_the_owners_own_rows_go(owner, stranger, finished):
    assert generations_delete(user=stranger, ids=[finished.pk]) == 0
    assert Generation.objects.filter(pk=finished.pk).exists()


# --- the pages ---------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(owner_client, finished):
    response = owner_client.get(reverse("generation-delete", args=[finished.pk]))
    html = response.content.decode()
    assert "Delete 1 generation?" in html and 'value="delete-confirmed"' in html
    assert Generation.objects.filter(pk=finished.pk).exists()


def test_the_detail_page_links_to_the_confirmation(owner_client, finished):
    html = owner_client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    assert f'href="{reverse("generation-delete", args=[finished.pk])}"' in html


def test_confirming_deletes_and_goes_back_to_the_gallery(
    owner_client, finished, django_capture_on_commit_callbacks
):
    names = files_of(finished)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("gallery-bulk"),
            {
                "ids": [finished.pk],
                "action": "delete-confirmed",
                "next": reverse("generation-detail", args=[finished.pk]),
            },
        )
    assert response.status_code == 302 and response.url == reverse("gallery")
    assert not Generation.objects.filter(pk=finished.pk).exists()
    assert not any(default_storage.exists(n) for n in names)


def test_bulk_delete_confirms_the_selection_then_deletes_it(owner, owner_client, seeded):
    seeded(owner, 6)
    ids = list(Generation.objects.filter(owner=owner).values_list("pk", flat=True)[:3])
    confirm = owner_client.post(
        reverse("gallery-bulk"), {"ids": ids, "action": "delete", "next": "/gallery?status=failed"}
    )
    html = confirm.content.decode()
    assert "Delete 3 generations?" in html
    assert all(f'name="ids" value="{pk}"' in html for pk in ids)
    assert 'href="/gallery?status=failed">Cancel' in html
    assert Generation.objects.filter(owner=owner).count() == 6
    done = owner_client.post(
        reverse("gallery-bulk"),
        {"ids": ids, "action": "delete-confirmed", "next": "/gallery?status=failed"},
    )
    assert done.url == "/gallery?status=failed"
    assert Generation.objects.filter(owner=owner).count() == 3


def test_a_running_one_in_the_selection_gives_a_message_not_an_error(
    owner, owner_client, make_generation, finished
):
    queued = make_generation(owner, run=False)
    response = owner_client.post(
        reverse("gallery-bulk"),
        {"ids": [finished.pk, queued.pk], "action": "delete-confirmed"},
        follow=True,
    )
    assert response.status_code == 200
    assert "still queued or running" in response.content.decode()
    assert Generation.objects.filter(pk__in=[finished.pk, queued.pk]).count() == 2


def test_an_offsite_next_is_not_followed(owner_client, finished):
    response = owner_client.post(
        reverse("gallery-bulk"),
        {"ids": [finished.pk], "action": "delete-confirmed", "next": "https://evil.example/"},
    )
    assert response.url == reverse("gallery")
