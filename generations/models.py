"""The domain: what was asked of the gateway, what came back, and what it cost.

State lives on the row (style.md habit 2): views read a Generation's status, never a
Celery result.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from llmtr.spec import MIME_EXTENSIONS
from spend.models import MONEY
from teams.models import Team


class CatalogEntry(models.Model):
    """A model as the gateway's catalog last described it."""

    model_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=60)
    modalities = models.JSONField(default=list)
    operations = models.JSONField(default=list)
    pricing_rows = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    is_retired = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ("provider", "name")
        verbose_name_plural = "catalog entries"

    def __str__(self) -> str:
        return self.model_id


class Generation(models.Model):
    class Status(models.TextChoices):
        AWAITING_APPROVAL = "approval", "Awaiting approval"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        TEXT = "text", "Text to image"
        REFERENCE = "reference", "Reference images"
        EDIT = "edit", "Edit"
        TRYON = "tryon", "Try-on"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TEXT)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    model_id = models.CharField(max_length=200)
    provider = models.CharField(max_length=60, blank=True)
    prompt = models.TextField()
    params = models.JSONField(default=dict, blank=True)  # the options the user chose
    endpoint = models.CharField(max_length=60, default="/v1/images/generations")
    request_body = models.JSONField(default=dict, blank=True)  # exactly what is sent
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )

    response_meta = models.JSONField(null=True, blank=True)
    revised_prompt = models.TextField(blank=True)
    error_type = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    error_hint = models.TextField(blank=True)
    error_details = models.JSONField(null=True, blank=True)

    estimated_cost = models.DecimalField(**MONEY, default=Decimal(0))
    cost = models.DecimalField(**MONEY, null=True, blank=True)
    cost_basis = models.TextField(blank=True)

    # Who let an over-threshold generation go (or turned it down), and when.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_generations",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    attempts = models.PositiveIntegerField(default=0)
    # Times the gateway asked to come back later (Retry-After) and the studio did: such
    # a claim was not lost, so it does not count against GENERATION_MAX_ATTEMPTS.
    deferrals = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    comparison = models.ForeignKey(
        "Comparison",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="generations",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="gen_owner_recent"),
            # Gallery keyset pages: the team scope, and favourites (a few among many).
            models.Index(fields=["team", "-created_at", "-id"], name="gen_team_recent"),
            models.Index(
                fields=["owner", "-created_at", "-id"],
                name="gen_owner_favourites",
                condition=Q(favourite=True),
            ),
            models.Index(
                fields=["status", "enqueued_at"],
                name="gen_unfinished",
                condition=Q(status__in=["queued", "running"]),
            ),
            models.Index(
                fields=["team", "created_at"],
                name="gen_awaiting_approval",
                condition=Q(status="approval"),
            ),
            # The team dashboard (dashboard/figures.py): its per-day, per-model and
            # per-member sums read only this index on PostgreSQL (an index-only scan
            # over one team's period); `id` lets the generations behind a bar be
            # picked here before any row is read. bench/dashboard.py measures it.
            models.Index(
                fields=["team", "created_at"],
                include=["owner", "model_id", "status", "cost", "id"],
                name="gen_team_period",
            ),
            # The dashboard's failures: a few percent of the rows.
            models.Index(
                fields=["team", "created_at"],
                include=["error_type"],
                name="gen_team_failures",
                condition=Q(status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.model_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def elapsed_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return max(0.0, (end - self.started_at).total_seconds())


class StoredImage(models.Model):
    """An image file kept in the studio's storage, with what was measured of it."""

    file = models.FileField(max_length=300)
    thumbnail = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mime_type = models.CharField(max_length=60)
    bytes = models.PositiveBigIntegerField()
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()
    # Measured when the thumbnail is made; empty for files stored before it was.
    thumb_bytes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @staticmethod
    def measured(processed, *, sha256: str, file: str, thumbnail: str) -> dict:
        """The fields for a checked image (mirror.Mirrored or photos.CleanPhoto)."""
        return {
            "file": file,
            "thumbnail": thumbnail,
            "sha256": sha256,
            "width": processed.width,
            "height": processed.height,
            "mime_type": processed.mime_type,
            "bytes": len(processed.content),
            "thumb_width": processed.thumb_width,
            "thumb_height": processed.thumb_height,
            "thumb_bytes": len(processed.thumbnail),
        }


class GeneratedImage(StoredImage):
    """One mirrored result: our own copy of the bytes, never the upstream URL."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="images")
    index = models.PositiveSmallIntegerField()
    # Set when the team's retention rule removed the original from storage (its
    # `file` is then empty); the thumbnail and everything measured of it stay.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_after_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("generation", "index")
        constraints = [
            # A redelivered task can never add a second copy of the same result.
            models.UniqueConstraint(fields=["generation", "index"], name="image_once_per_index")
        ]
        indexes = [
            # Deleting asks whether any other row still uses a file before removing it.
            models.Index(fields=["file"], name="image_file"),
            models.Index(fields=["thumbnail"], name="image_thumbnail"),
        ]

    def __str__(self) -> str:
        return f"image {self.index} of generation {self.generation_id}"

    @property
    def is_vector(self) -> bool:
        return self.mime_type == "image/svg+xml"

    @property
    def extension(self) -> str:
        return MIME_EXTENSIONS.get(self.mime_type, "bin")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Comparison(models.Model):
    """One prompt sent to several models at once; its generations point here."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    prompt = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "-created_at"], name="comparison_owner_recent")]

    def __str__(self) -> str:
        return f"comparison {self.pk}"


class Upload(StoredImage):
    """A photo a user gave the studio, checked and cleaned before anything else:
    turned upright by its EXIF orientation and re-encoded without metadata."""

    class Purpose(models.TextChoices):
        REFERENCE = "reference", "Reference"
        PERSON = "person", "Person"
        GARMENT = "garment", "Garment"
        EDIT = "edit", "Edit source"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.REFERENCE)
    original_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "-created_at"], name="upload_owner_recent")]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.original_name})"


class GenerationInput(models.Model):
    """An image a generation was made from: a reference, the try-on person or garment,
    or an edit's source. Exactly one of upload, image and url is set."""

    class Role(models.TextChoices):
        REFERENCE = "reference", "Reference"
        PERSON = "person", "Person"
        GARMENT = "garment", "Garment"
        SOURCE = "source", "Edit source"

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="inputs")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.REFERENCE)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="used_in"
    )
    image = models.ForeignKey(
        GeneratedImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="used_in"
    )
    url = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("generation", "position")
        constraints = [
            models.UniqueConstraint(fields=["generation", "position"], name="input_position")
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.position} of generation {self.generation_id}"


class GatewayFile(models.Model):
    """A file on the gateway's Files API, by the sha256 of its bytes. The gateway
    deletes files 7 days after upload and lists none, so the studio keeps this record
    and reuses an id until it nears expiry."""

    gateway = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    file_id = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["gateway", "sha256", "-uploaded_at"], name="gwfile_lookup")]

    def __str__(self) -> str:
        return self.file_id
