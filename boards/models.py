"""Boards: named collections of generated images, private or shared with a team.

A board holds images, not generations; an image may be on many boards. Deleting an
image (or its generation) takes it off every board (the item cascades); deleting a
board leaves its images alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from generations.models import GeneratedImage
from teams.models import Team

NAME_LIMIT = 80


class Board(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only you)"
        TEAM = "team", "Team (every member of your team)"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boards"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(max_length=NAME_LIMIT)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    cover = models.ForeignKey(
        GeneratedImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner", name="board_name_once_per_owner")
        ]
        indexes = [models.Index(fields=["team", "visibility"], name="board_team_shared")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.visibility == self.Visibility.TEAM


class BoardItem(models.Model):
    """An image on a board. Pages read (position, id) ascending: "move to top" gives
    an item a position below every other one."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="items")
    image = models.ForeignKey(GeneratedImage, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    position = models.IntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("position", "id")
        constraints = [models.UniqueConstraint(fields=["board", "image"], name="board_image_once")]
        indexes = [models.Index(fields=["board", "position", "id"], name="board_item_order")]

    def __str__(self) -> str:
        return f"image {self.image_id} on board {self.board_id}"
