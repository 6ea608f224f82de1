"""manage.py export_team: read back, the zip holds every generation of the team, every
original still stored (matching its sha256), and costs that add up to the ledger."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from dashboard import team_export
from generations.models import GeneratedImage, Generation
from generations.retention import originals_archive
from spend.models import LedgerEntry
from teams.access import membership_of
from teams.models import Team

pytestmark = pytest.mark.django_db

START = datetime(2027, 5, 3, 9, tzinfo=UTC)


@pytest.fixture
def history(
    time_machine, make_generation, add_generation, owner, teammate, stranger,
    emulator, django_capture_on_commit_callbacks,
):  # fmt: skip
    """The team's history: an image archived by a 10-day rule, a two-image generation,
    a vector, a child of another (lineage), a failure from the gateway, a failure
    booked straight to the ledger; and a stranger's generation on another team."""
    time_machine.move_to(START, tick=False)
    archived = make_generation(owner, prompt="archived one", size="1:1", n=1)
    time_machine.move_to(START + timedelta(days=20), tick=False)
    two = make_generation(owner, prompt="two of them", n=2)
    vector = make_generation(teammate, "recraft/recraft-v4-vector", prompt="a vector logo")
    child = make_generation(teammate, prompt="made from two", n=1)
    Generation.objects.filter(pk=child.pk).update(parent=two)
    emulator.inject("403", model="recraft/recraft-v4")
    refused = make_generation(owner, prompt="refused by the gateway", n=1)
    booked = add_generation(teammate, cost="0.0108900000", status="failed", error_type="timeout")
    make_generation(stranger, prompt="another team's", n=1)
    team = membership_of(owner).team
    team.keep_originals_days = 10
    team.save()
    with django_capture_on_commit_callbacks(execute=True):
        originals_archive()
    assert refused.status == "failed" and archived.images.get().is_archived
    return {
        "team": team,
        "made": [archived, two, vector, child, refused, booked],
        "archived": archived,
        "child": child,
        "two": two,
    }


def export(tmp_path, *args: str) -> tuple[zipfile.ZipFile, str]:
    out = tmp_path / "export.zip"
    stdout = StringIO()
    call_command("export_team", *args, "--out", str(out), stdout=stdout)
    return zipfile.ZipFile(out), stdout.getvalue()


def test_the_zip_holds_every_generation_and_every_stored_original(tmp_path, history):
    team = history["team"]
    archive, said = export(tmp_path, str(team.pk))

    assert archive.testzip() is None
    lines = archive.read("generations.jsonl").decode().splitlines()
    records = [json.loads(line) for line in lines]
    by_id = {r["id"]: r for r in records}
    assert sorted(by_id) == sorted(g.pk for g in history["made"])
    assert len(records) == len(by_id)

    originals = [n for n in archive.namelist() if n.startswith("originals/")]
    stored = GeneratedImage.objects.filter(generation__team=team, archived_at__isnull=True)
    assert sorted(originals) == sorted(
        f"originals/{i.generation_id}-{i.index}.{i.extension}" for i in stored
    )
    assert len(originals) == 4  # two, the vector, the child
    for record in records:
        for image in record["images"]:
            row = GeneratedImage.objects.get(generation_id=record["id"], index=image["index"])
            assert image["sha256"] == row.sha256
            if row.is_archived:
                assert image["file"] is None
                assert image["archived_at"] == row.archived_at.isoformat()
            else:
                content = archive.read(image["file"])
                assert hashlib.sha256(content).hexdigest() == row.sha256
                assert len(content) == row.bytes == image["bytes"]
    assert set(archive.namelist()) == {"generations.jsonl", *originals}
    assert (
        f"Exported 6 generations of “{team.name}” to {tmp_path / 'export.zip'}: 4 originals" in said
    )
    assert "1 originals archived by the team's retention rule" in said


def test_costs_add_up_to_the_ledgers_settlements(tmp_path, history):
    team = history["team"]
    archive, _ = export(tmp_path, str(team.pk))
    records = [json.loads(line) for line in archive.read("generations.jsonl").splitlines()]

    exported = sum(Decimal(r["cost"]) for r in records if r["cost"] is not None)
    ledger = LedgerEntry.objects.filter(team=team, kind=LedgerEntry.Kind.SETTLEMENT).aggregate(
        total=Sum("amount")
    )["total"]
    assert exported == ledger
    assert all(isinstance(r["cost"], str) for r in records)
    assert all(Decimal(r["estimated_cost"]) > 0 for r in records)


def test_each_line_says_what_was_asked_and_what_came_of_it(tmp_path, history):
    archive, _ = export(tmp_path, history["team"].name.upper())  # by name, any case
    records = {r["id"]: r for r in map(json.loads, archive.read("generations.jsonl").splitlines())}

    archived = Generation.objects.get(pk=history["archived"].pk)
    line = records[archived.pk]
    assert line["created_at"] == START.isoformat()
    assert line["owner"] == "owner"
    assert (line["model_id"], line["kind"], line["status"]) == (
        "recraft/recraft-v4",
        "text",
        "succeeded",
    )
    assert line["prompt"] == "archived one"
    assert line["params"] == {"size": "1:1", "n": 1}
    assert line["request_body"] == archived.request_body and line["request_body"]["prompt"]
    assert line["cost"] == f"{archived.cost:f}"
    assert records[history["child"].pk]["parent_id"] == history["two"].pk
    assert records[history["child"].pk]["comparison_id"] is None
    failures = [r for r in records.values() if r["status"] == "failed"]
    assert {(r["error_type"], bool(r["error_message"]), r["images"] == []) for r in failures} == {
        ("forbidden", True, True),
        ("timeout", False, True),
    }
    two = records[history["two"].pk]["images"]
    rows = GeneratedImage.objects.filter(generation=history["two"]).order_by("index")
    assert [(i["index"], i["width"], i["height"], i["mime_type"], i["missing"]) for i in two] == [
        (r.index, r.width, r.height, r.mime_type, False) for r in rows
    ]
    assert all(i["width"] > 0 and i["archived_at"] is None for i in two)


def test_an_unknown_team_is_a_clear_error(tmp_path, history):
    with pytest.raises(CommandError, match="No team has the id or name “nobody”."):
        call_command("export_team", "nobody", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="No team has the id or name “999999”."):
        call_command("export_team", "999999", "--out", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_a_name_two_teams_share_asks_for_the_id(tmp_path, history):
    twin = Team.objects.create(name=history["team"].name)
    with pytest.raises(
        CommandError, match=f"give the id instead \\({history['team'].pk}, {twin.pk}\\)"
    ):
        call_command("export_team", twin.name, "--out", str(tmp_path / "x.zip"))


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing-folder/export.zip", "No such file or directory"),
        ("a-file/export.zip", "Not a directory"),
        ("a-folder", "is a folder"),
    ],
)
def test_a_path_that_cannot_be_written_is_a_clear_error(tmp_path, history, where, reason):
    folder = tmp_path / "exports"  # tmp_path also holds the media
    folder.mkdir()
    (folder / "a-file").write_text("not a folder")
    (folder / "a-folder").mkdir()
    with pytest.raises(CommandError, match=f"{reason}"):
        call_command("export_team", str(history["team"].pk), "--out", str(folder / where))
    assert sorted(p.name for p in folder.iterdir()) == ["a-file", "a-folder"]


def test_a_failed_export_leaves_no_partial_file(tmp_path, history, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("storage went away")

    monkeypatch.setattr(team_export, "_add_original", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(OSError, match="storage went away"):
        team_export.team_export(team=history["team"], out=folder / "export.zip")
    assert list(folder.iterdir()) == []


def test_it_is_streamed_a_chunk_of_rows_at_a_time(tmp_path, history, monkeypatch):
    """Rows come through .iterator() in chunks: with chunks of two, the images are
    fetched a chunk at a time (one query per chunk), and every generation still
    arrives, each once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(team_export, "ROWS", 2)
    with CaptureQueriesContext(connection) as queries:
        archive, _ = export(tmp_path, str(history["team"].pk))
    ids = [json.loads(line)["id"] for line in archive.read("generations.jsonl").splitlines()]
    assert ids == sorted(g.pk for g in history["made"])
    image_reads = [q for q in queries.captured_queries
                   if 'FROM "generations_generatedimage"' in q["sql"]]  # fmt: skip
    assert len(image_reads) == -(-len(ids) // 2)  # one per chunk of two
