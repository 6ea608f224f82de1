from django.apps import AppConfig
from django.db.models.signals import post_delete


class SharesConfig(AppConfig):
    name = "shares"

    def ready(self) -> None:
        from shares.signals import revoke_links_of_leaver
        from teams.models import Membership

        post_delete.connect(
            revoke_links_of_leaver, sender=Membership, dispatch_uid="shares-revoke-leaver"
        )
