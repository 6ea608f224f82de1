"""Retention: a team's rule archives originals older than N days, once, keeping the
thumbnail, the row, the settings and the lineage; younger images and teams without a
rule keep everything; shared files stay while another image uses them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from generations.models import GeneratedImage, Generation
from generations.retention import originals_archive
from teams.access import membership_of

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 1, 9, tzinfo=UTC)


def keep_for(user, days: int | None) -> None:
    team = membership_of(user).team
    team.keep_originals_days = days
    team.save(update_fields=["keep_originals_days"])


def stored(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


@pytest.fixture
def archive(django_capture_on_commit_callbacks):
    """originals_archive, with the files removed as they are once its rows commit."""

    def run(**options):
        with django_capture_on_commit_callbacks(execute=True):
            return originals_archive(**options)

    return run


@pytest.fixture
def made(time_machine, make_generation, owner, teammate, stranger):
    """On START: the owner's image and a stranger's (another team, no rule). 60 days
    later: the teammate's, made from the owner's (lineage). The clock then stands at
    START + 91 days, and the owner's team keeps originals for 90 days."""
    time_machine.move_to(START, tick=False)
    old = make_generation(owner, prompt="an old lighthouse", size="1:1", n=1)
    other_team = make_generation(stranger, prompt="not their team", n=1)
    time_machine.move_to(START + timedelta(days=60), tick=False)
    young = make_generation(teammate, prompt="a young lighthouse", n=1)
    Generation.objects.filter(pk=young.pk).update(parent=old)
    time_machine.move_to(START + timedelta(days=91), tick=False)
    keep_for(owner, 90)
    for generation in (old, other_team, young):
        assert generation.status == "succeeded", generation.error_message
    return {"old": old, "young": young, "other_team": other_team}


def test_an_original_older_than_the_rule_leaves_storage_and_the_rest_stays(
    made, owner, django_capture_on_commit_callbacks
):
    old = made["old"]
    image = old.images.get()
    original, thumbnail = image.file.name, image.thumbnail.name
    assert stored(original) and stored(thumbnail)

    with django_capture_on_commit_callbacks() as after_commit:
        done = originals_archive()
    assert stored(original)  # the rows first; the file only once they have committed
    for callback in after_commit:
        callback()

    assert [(t.team_id, t.keep_days, t.images) for t in done] == [
        (membership_of(owner).team_id, 90, 1)
    ]
    image.refresh_from_db()
    assert image.archived_at == START + timedelta(days=91)
    assert image.archived_after_days == 90
    assert image.file.name == ""
    assert not default_storage.exists(original)
    assert stored(image.thumbnail.name) and image.thumbnail.name == thumbnail
    # The row keeps what was measured, and the generation its settings and lineage.
    assert len(image.sha256) == 64 and image.width > 0 and image.bytes > 0
    kept = Generation.objects.get(pk=old.pk)
    assert kept.request_body == old.request_body and kept.request_body["prompt"]
    assert kept.params == old.params == {"size": "1:1", "n": 1}
    assert Generation.objects.get(pk=made["young"].pk).parent_id == old.pk


def test_a_younger_image_and_a_team_without_a_rule_keep_their_originals(made, archive):
    archive()

    for name in ("young", "other_team"):
        image = made[name].images.get()
        assert image.archived_at is None, name
        assert stored(image.file.name) and stored(image.thumbnail.name), name


def test_a_second_run_changes_nothing(made, time_machine, archive):
    archive()
    before = list(GeneratedImage.objects.order_by("pk").values())
    files = sorted(_all_files())

    time_machine.move_to(START + timedelta(days=92), tick=False)
    done = archive()

    assert [t.images for t in done] == [0]
    assert list(GeneratedImage.objects.order_by("pk").values()) == before
    assert sorted(_all_files()) == files


def _all_files() -> list[str]:
    names = []
    folders = [""]
    while folders:
        folder = folders.pop()
        subfolders, files = default_storage.listdir(folder)
        names += [f"{folder}/{f}" for f in files]
        folders += [f"{folder}/{d}".lstrip("/") for d in subfolders]
    return names


def test_the_rule_applies_when_the_clock_passes_it(made, time_machine, archive):
    """The teammate's image is 31 days old: archived only once it is over 90."""
    young = made["young"].images.get()
    time_machine.move_to(START + timedelta(days=60 + 90) - timedelta(minutes=1), tick=False)
    archive()
    young.refresh_from_db()
    assert young.archived_at is None

    time_machine.move_to(START + timedelta(days=60 + 90, minutes=1), tick=False)
    archive()
    young.refresh_from_db()
    assert young.archived_at is not None and not young.file.name


def test_removing_the_rule_keeps_everything_from_then_on(made, owner, archive):
    keep_for(owner, None)
    assert archive() == []
    assert not GeneratedImage.objects.filter(archived_at__isnull=False).exists()


def test_work_goes_in_bounded_batches(time_machine, make_generation, owner, archive):
    time_machine.move_to(START, tick=False)
    for i in range(5):
        make_generation(owner, prompt=f"kite {i}", n=1)
    time_machine.move_to(START + timedelta(days=2), tick=False)
    keep_for(owner, 1)

    first = archive(batch_size=2, max_batches=2)
    assert [t.images for t in first] == [4]  # two batches of two, the rest next time
    second = archive(batch_size=2, max_batches=2)
    assert [t.images for t in second] == [1]
    assert GeneratedImage.objects.filter(archived_at__isnull=True).count() == 0


def test_a_file_another_image_still_uses_stays(owner, seeded_history, archive):
    """Seeded history shares a dozen files: archiving the old rows removes none of the
    files the younger rows still show."""
    keep_for(owner, 30)
    archive()

    archived = GeneratedImage.objects.filter(archived_at__isnull=False)
    kept = GeneratedImage.objects.filter(archived_at__isnull=True)
    assert archived.exists() and kept.exists()
    for image in kept:
        assert stored(image.file.name), image.file.name
    for image in archived:
        assert image.file.name == "" and stored(image.thumbnail.name)


@pytest.fixture
def seeded_history(owner, media_root):
    from generations.seeding import seed_generations

    seed_generations(user=owner, count=60, days=90, distinct_files=3)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_archive_each_image_once(time_machine, make_generation, owner):
    time_machine.move_to(START, tick=False)
    for i in range(6):
        make_generation(owner, prompt=f"boat {i}", n=1)
    time_machine.move_to(START + timedelta(days=2), tick=False)
    keep_for(owner, 1)
    originals = [i.file.name for i in GeneratedImage.objects.all()]
    counts: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            counts.append(sum(t.images for t in originals_archive(batch_size=1)))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(counts) == 6
    assert GeneratedImage.objects.filter(archived_at__isnull=False).count() == 6
    assert all(i.file.name == "" for i in GeneratedImage.objects.all())
    assert not any(default_storage.exists(name) for name in originals)


def test_an_image_counts_its_own_age_not_its_generations(made, owner, archive):
    """A generation that waited (an approval) keeps its new images their N days."""
    old = made["old"]
    Generation.objects.filter(pk=old.pk).update(created_at=START - timedelta(days=400))
    GeneratedImage.objects.filter(generation=old).update(created_at=START + timedelta(days=60))
    archive()
    assert not old.images.get().is_archived


def test_an_image_an_unfinished_generation_will_be_sent_with_is_kept(
    made, owner, archive, make_generation
):
    from generations.models import GenerationInput

    old = made["old"]
    image = old.images.get()
    waiting = make_generation(owner, "google/gemini-3.1-flash-image", run=False, prompt="later")
    GenerationInput.objects.create(generation=waiting, position=0, role="reference", image=image)
    archive()
    assert not old.images.get().is_archived and stored(image.file.name)

    Generation.objects.filter(pk=waiting.pk).update(status="succeeded")  # it ran: now it may go
    archive()
    assert old.images.get().is_archived and not stored(image.file.name)
