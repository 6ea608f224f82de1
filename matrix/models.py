"""A matrix run: one prompt template crossed with lists of values and with models,
one generation per cell, sent a few at a time.

State lives on the rows (style.md habit 2). The money of a cell is its generations'
(the ledger's) money: `cost` is copied from the generation when it settles, so a cell
keeps its figure even after its generation is deleted from the gallery.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from generations.models import Generation
from spend.models import MONEY
from teams.models import Team


class MatrixRun(models.Model):
    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matrix_runs"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="matrix_runs"
    )
    template = models.TextField()
    # [{"name": "product", "values": ["sneaker", "watch"]}, ...]: a list, so the order
    # the user gave survives any database's JSON.
    variables = models.JSONField(default=list)
    model_ids = models.JSONField(default=list)  # in the order chosen
    n = models.PositiveSmallIntegerField(default=1)
    options = models.JSONField(default=dict, blank=True)  # the common options asked for
    cap = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    # What the preview showed: the estimate of the cells made, and the cells left out.
    estimated_total = models.DecimalField(**MONEY, default=Decimal(0))
    not_created = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_matrix_runs",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)  # why it was declined or cut, in a sentence
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="matrix_owner_recent"),
            models.Index(fields=["team", "status"], name="matrix_team_status"),
        ]

    def __str__(self) -> str:
        return f"matrix run {self.pk} ({self.status})"

    @property
    def variable_names(self) -> list[str]:
        return [v["name"] for v in self.variables]

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.AWAITING_APPROVAL, self.Status.RUNNING)


class MatrixCell(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUBMITTED = "submitted", "Sent"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.SKIPPED)

    run = models.ForeignKey(MatrixRun, on_delete=models.CASCADE, related_name="cells")
    position = models.PositiveIntegerField()  # the order cells are sent in
    values = models.JSONField(default=dict)  # {"product": "sneaker", ...}
    model_id = models.CharField(max_length=200)
    prompt = models.TextField()  # the template filled in
    params = models.JSONField(default=dict, blank=True)  # the options sent to this model
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    generation = models.ForeignKey(
        Generation, on_delete=models.SET_NULL, null=True, blank=True, related_name="matrix_cells"
    )
    estimated_cost = models.DecimalField(**MONEY, default=Decimal(0))
    # The settled cost of the current generation, and of the attempts before a retry.
    cost = models.DecimalField(**MONEY, null=True, blank=True)
    earlier_cost = models.DecimalField(**MONEY, default=Decimal(0))
    earlier_generations = models.JSONField(default=list, blank=True)  # ids, oldest first
    attempts = models.PositiveSmallIntegerField(default=0)
    note = models.TextField(blank=True)  # why it failed or was skipped

    class Meta:
        ordering = ("run", "position")
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="matrix_cell_position")
        ]
        indexes = [
            models.Index(fields=["run", "status"], name="matrix_cell_status"),
            # The beat sweep looks for cells in flight among every run's cells.
            models.Index(
                fields=["run"], name="matrix_cell_in_flight", condition=Q(status="submitted")
            ),
        ]

    def __str__(self) -> str:
        return f"cell {self.position} of run {self.run_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL
