"""Webhooks: a team's endpoints, and every message sent to them with each try.

State lives on the rows: a delivery is pending (due at `next_attempt_at`), sending
(claimed by a worker until `claimed_until`), delivered or failed; each HTTP try is
an Attempt. The exact body sent is kept as text, so every try signs the same bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teams.models import Team


class Event(models.TextChoices):
    GENERATION_SUCCEEDED = "generation.succeeded", "A generation succeeded"
    GENERATION_FAILED = "generation.failed", "A generation failed"
    BUDGET_THRESHOLD = "budget.threshold", "A budget crossed an alert threshold"
    APPROVAL_REQUESTED = "approval.requested", "A generation waits for an admin's approval"
    MATRIX_FINISHED = "matrix.finished", "A matrix run finished"


# Sent by "Send test event" only: not something an endpoint subscribes to.
TEST_EVENT = "webhook.test"


class Endpoint(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)  # Event values, in the order of Event
    # Standard Webhooks secrets ("whsec_" + base64). The previous one keeps signing
    # alongside the new one until it expires, so a receiver can switch at leisure.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # Deliveries that failed for good in a row (every retry spent); a success resets it.
    failure_count = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    # Turned off by the studio (failures), not by an admin: the team pages say so.
    disabled_by_failures = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [Event(e).label for e in self.events if e in Event.values]


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # What happened, once per endpoint ("generation.succeeded:42"): a second signal for
    # the same thing finds its row taken (the constraint below) and sends nothing.
    event_key = models.CharField(max_length=120)
    message_id = models.CharField(max_length=40)  # the webhook-id header, kept on resends
    body = models.TextField()  # the exact JSON sent
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task is due for this row (countdown): the sweeper leaves it alone till then.
    queued_for = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # CASCADE, not SET_NULL: a resend whose link were cleared would read as a second
    # original of its event (the constraint below). Both only go with their endpoint.
    resent_from = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="resends"
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"],
                condition=models.Q(resent_from__isnull=True),
                name="webhook_event_once_per_endpoint",
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.message_id} ({self.status})"

    @property
    def last_attempt(self) -> Attempt | None:
        tries = list(self.tries.all())  # prefetched on the log page
        return max(tries, key=lambda a: a.number) if tries else None


class Attempt(models.Model):
    """One HTTP try of a delivery: what came back, or why nothing did."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)  # first 1 KB, shown escaped
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("number",)
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"try {self.number} of {self.delivery_id}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
