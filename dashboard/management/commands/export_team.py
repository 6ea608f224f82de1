"""Export a team's generations and their originals as one zip.

manage.py export_team <team id or name> --out PATH.zip

The zip's layout is described in dashboard/team_export.py: originals/ holds every
original still stored, generations.jsonl one line per generation of the team.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from dashboard.team_export import ExportProblem, find_team, team_export


class Command(BaseCommand):
    help = "Write a team's generations (generations.jsonl) and originals into a zip."

    def add_arguments(self, parser) -> None:
        parser.add_argument("team", help="the team's id or name")
        parser.add_argument("--out", required=True, type=Path, help="the zip file to write")

    def handle(self, *args, team: str, out: Path, **options) -> None:
        try:
            found = find_team(team)
            summary = team_export(team=found, out=out)
        except ExportProblem as exc:
            raise CommandError(str(exc)) from None
        size = filesizeformat(summary.original_bytes).replace("\xa0", " ")
        self.stdout.write(
            f"Exported {summary.generations} generations of “{found.name}” to {out}: "
            f"{summary.originals} originals ({size})."
        )
        if summary.archived:
            self.stdout.write(
                f"{summary.archived} originals archived by the team's retention rule are "
                "listed without a file."
            )
        if summary.missing:
            self.stderr.write(f"{summary.missing} originals are missing from storage.")
        if summary.changed:
            self.stderr.write(
                f"{summary.changed} stored originals no longer match their recorded sha256."
            )
