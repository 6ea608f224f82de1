"""Storage used by a team and by each of its members: what its files weigh now.

Two aggregate queries, each bounded by the team: the generated images (the originals
still stored, and their thumbnails) per owner, and the uploads per owner; a third
names the owners. Byte sizes are the ones measured when each file was stored
(`bytes`, `thumb_bytes`), so no file is read. An original the retention rule archived
counts only its thumbnail. Thumbnails stored before their size was measured (rows
without `thumb_bytes`) count as nothing; they are a few kilobytes each.

Who: the generations' owner and the uploads' owner, on the team's rows (a member who
left keeps theirs there).

Cost: every image of the team is summed, so this grows with the team's history. On
PostgreSQL with bench/dashboard.py's 1,000,000 generations and 1,012,150 images it
took 0.68 s (median of 7) on this project's machine; a covering index on the images
(generation_id INCLUDE bytes, thumb_bytes, archived_at) gave no gain (0.78 s): the
hash join of the two tables is the work, so no index was added. The dashboard
therefore loads this panel on its own (views.storage_panel) after the page, which
keeps its own time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum

from generations.models import GeneratedImage, Upload
from teams.models import Team


@dataclass
class MemberStorage:
    user_id: int
    username: str
    images: int = 0  # originals still stored, and every thumbnail
    uploads: int = 0
    left: bool = False  # no longer on the team; their files still count

    @property
    def total(self) -> int:
        return self.images + self.uploads


@dataclass
class TeamStorage:
    members: list[MemberStorage] = field(default_factory=list)  # biggest first

    @property
    def images(self) -> int:
        return sum(m.images for m in self.members)

    @property
    def uploads(self) -> int:
        return sum(m.uploads for m in self.members)

    @property
    def total(self) -> int:
        return self.images + self.uploads


def team_storage(team: Team) -> TeamStorage:
    by_user: dict[int, MemberStorage] = {}

    def row(user_id: int) -> MemberStorage:
        return by_user.setdefault(user_id, MemberStorage(user_id, ""))

    images = (
        GeneratedImage.objects.filter(generation__team=team)
        .values("generation__owner_id")
        .annotate(
            originals=Sum("bytes", filter=Q(archived_at__isnull=True)),
            thumbnails=Sum("thumb_bytes"),
        )
        .order_by()
    )
    for by_owner in images:
        sizes = (by_owner["originals"] or 0) + (by_owner["thumbnails"] or 0)
        row(by_owner["generation__owner_id"]).images = sizes
    uploads = (
        Upload.objects.filter(team=team)
        .values("owner_id")
        .annotate(originals=Sum("bytes"), thumbnails=Sum("thumb_bytes"))
        .order_by()
    )
    for by_uploader in uploads:
        sizes = (by_uploader["originals"] or 0) + (by_uploader["thumbnails"] or 0)
        row(by_uploader["owner_id"]).uploads = sizes
    if by_user:
        names = get_user_model().objects.filter(pk__in=by_user).values_list("pk", "username")
        for pk, username in names:
            by_user[pk].username = username
    members = sorted(by_user.values(), key=lambda m: (-m.total, m.username))
    return TeamStorage(members)
