"""Synthetic history for tests and benchmarks: many generations with real images.

Rows are bulk-inserted in batches; images are real, decodable files, but a run makes
a small set of distinct ones and rows share them (a 50,000-image gallery does not
need 100,000 files to measure its queries). Deleting shared-file rows is safe: files
are removed only when no row refers to them any more.
"""

from __future__ import annotations

import hashlib
import io
import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from PIL import Image, ImageDraw

from generations.models import GeneratedImage, Generation
from llmtr import spec as llmtr_spec
from spend import budgets, rollups
from spend.models import LedgerEntry
from teams.access import team_of

WORDS = (
    "fox lighthouse teapot city neon forest portrait kite river cat robot garden desert "
    "poster mug sneaker jacket mountain sunset studio product watercolor vector logo"
).split()
BATCH = 2000


def _sample_files(count: int, owner_id: int) -> list[dict]:
    files = []
    for i in range(count):
        colour = ((i * 67) % 256, (i * 131) % 256, (i * 29) % 256)
        image = Image.new("RGB", (512, 512), colour)
        ImageDraw.Draw(image).ellipse((64, 64, 448, 448), fill=(255 - colour[0], 200, 90))
        original, thumb = io.BytesIO(), io.BytesIO()
        image.save(original, "PNG")
        image.resize((256, 256)).save(thumb, "WEBP", quality=70)
        prefix = f"seed/{owner_id}/{i}"
        files.append(
            {
                "file": default_storage.save(f"{prefix}.png", ContentFile(original.getvalue())),
                "thumbnail": default_storage.save(
                    f"{prefix}-t.webp", ContentFile(thumb.getvalue())
                ),
                "sha256": hashlib.sha256(original.getvalue()).hexdigest(),
                "bytes": len(original.getvalue()),
                "thumb_bytes": len(thumb.getvalue()),
            }
        )
    return files


def seed_generations(
    *, user, count: int, days: int = 90, distinct_files: int = 12, seed: int = 1
) -> int:
    """Insert `count` generations for `user`, most succeeded with one image each."""
    rng = random.Random(seed)
    team = team_of(user)
    files = _sample_files(distinct_files, user.pk)
    models = [m for m in llmtr_spec.MODELS if not m.is_vector]
    now = timezone.now()
    created = 0
    while created < count:
        size = min(BATCH, count - created)
        rows = []
        for _ in range(size):
            model = rng.choice(models)
            status = rng.choices(["succeeded", "failed"], weights=[92, 8])[0]
            started = now - timedelta(seconds=rng.randint(0, days * 86400))
            cost = (
                Decimal(rng.choice(["0.02", "0.04", "0.039", "0.25"]))
                if status == "succeeded"
                else Decimal(0)
            )
            rows.append(
                Generation(
                    owner=user,
                    team=team,
                    kind=rng.choices(
                        ["text", "reference", "edit", "tryon"], weights=[70, 15, 10, 5]
                    )[0],
                    status=status,
                    model_id=model.id,
                    provider=model.provider,
                    prompt=" ".join(rng.choices(WORDS, k=rng.randint(3, 9))),
                    params={},
                    request_body={"model": model.id},
                    estimated_cost=cost,
                    cost=cost,
                    error_type="provider_error" if status == "failed" else "",
                    error_message="The image provider had trouble." if status == "failed" else "",
                    started_at=started,
                    finished_at=started + timedelta(seconds=rng.uniform(3, 20)),
                    attempts=1,
                )
            )
        with transaction.atomic():
            generations = Generation.objects.bulk_create(rows, batch_size=BATCH)
            # created_at is auto_now_add: spread it over the period afterwards.
            _spread_created_at(generations)
            _images_and_ledger(generations, files, user)
        created += size
    return created


def _spread_created_at(generations: list[Generation]) -> None:
    for g in generations:
        g.created_at = g.started_at
    Generation.objects.bulk_update(generations, ["created_at"], batch_size=BATCH)


def _images_and_ledger(generations: list[Generation], files: list[dict], user) -> None:
    images, ledger = [], []
    for g in generations:
        if g.status == "succeeded":
            f = files[g.pk % len(files)]
            images.append(
                GeneratedImage(
                    generation=g,
                    index=0,
                    width=512,
                    height=512,
                    mime_type="image/png",
                    thumb_width=256,
                    thumb_height=256,
                    **f,
                )  # fmt: skip
            )
        # The money belongs to the generation's own (back-dated) time, as it would.
        money = {"generation": g, "team_id": g.team_id, "user": user, "model_id": g.model_id}
        money["spent_at"] = g.created_at
        ledger.append(LedgerEntry(kind="reservation", amount=g.estimated_cost, **money))
        ledger.append(
            LedgerEntry(kind="settlement", amount=g.cost or 0, released=g.estimated_cost, **money)
        )
    GeneratedImage.objects.bulk_create(images, batch_size=BATCH)
    # An image is as old as its generation (created_at is auto_now_add: set it after).
    made_at = Generation.objects.filter(pk=OuterRef("generation_id")).values("created_at")[:1]
    GeneratedImage.objects.filter(generation__in=[g.pk for g in generations]).update(
        created_at=Subquery(made_at)
    )
    LedgerEntry.objects.bulk_create(ledger, batch_size=BATCH)
    # Rows written in bulk skip the running totals: bring the team's periods and the
    # dashboard's rollups in line.
    team_id = generations[0].team_id if generations else None
    budgets.resync(team_id)
    rollups.rebuild(team_id)
