from django.apps import AppConfig


class PresetsConfig(AppConfig):
    name = "presets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Members read the references of their team's presets and brand kit.
        from generations.grants import reference_grants
        from presets.sharing import grant_team_references

        reference_grants.connect(grant_team_references, dispatch_uid="presets-team-references")
