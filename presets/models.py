"""Presets (a prompt template with slots, references and target models) and the team's
brand kit. A preset with a team is the team's (published by its admins, read-only for
members); without one it is its owner's alone."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from presets.translate import Intent


class Preset(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="presets"
    )
    name = models.CharField(max_length=120)
    template = models.TextField()
    slots = models.JSONField(default=dict)  # slot name -> default ("" = none)
    references = models.JSONField(default=list)  # tokens: "upload:<id>", "image:<id>"
    aspect_ratio = models.CharField(max_length=10, blank=True)
    quality = models.CharField(max_length=10, blank=True)
    n = models.PositiveSmallIntegerField(null=True, blank=True)
    # [{"model": "<id>", "options": {field: value}}]: options checked against the spec
    targets = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.team_id is not None

    def intent(self, references: int) -> Intent:
        return Intent(
            aspect_ratio=self.aspect_ratio, quality=self.quality, n=self.n, references=references
        )


class BrandKit(models.Model):
    """One per team: offered as {brand_colours} and {brand_style} in every preset, with
    its reference images appended."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="brand_kit")
    colours = models.CharField(max_length=200, blank=True)
    style = models.CharField(max_length=500, blank=True)
    references = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Brand kit of {self.team}"
