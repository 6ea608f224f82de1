"""`manage.py ensure_bucket`: create the media bucket, private, if it does not exist.

Part of a release's setup (the Procfile's `setup`). With local storage there is no
bucket and nothing to do. A bucket is private when created (no ACL, no policy): every
image reaches a browser through the access-checked views or a signed URL.
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError, EndpointConnectionError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the private media bucket if it does not exist (S3 storage only)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--wait", type=float, default=60.0,
            help="seconds to wait for a store that is still starting (default 60)",
        )  # fmt: skip

    def handle(self, *args: object, wait: float = 60.0, **options: object) -> None:
        bucket = getattr(default_storage, "bucket", None)
        if bucket is None:
            self.stdout.write("Media is on local storage: no bucket to create.")
            return
        client = default_storage.connection.meta.client
        if _exists(client, bucket.name, wait=wait):
            self.stdout.write(f"Bucket {bucket.name} exists.")
            return
        region = client.meta.region_name
        location = {} if region in (None, "us-east-1") else {
            "CreateBucketConfiguration": {"LocationConstraint": region}
        }  # fmt: skip
        client.create_bucket(Bucket=bucket.name, **location)
        self.stdout.write(f"Created the private bucket {bucket.name}.")


def _exists(client, name: str, *, wait: float) -> bool:  # type: ignore[no-untyped-def]
    """Does the bucket exist? A store that is still starting refuses connections for a
    while (compose starts it with the rest): asked again for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            client.head_bucket(Bucket=name)
            return True
        except EndpointConnectionError as exc:
            if time.monotonic() > deadline:
                raise CommandError(f"Cannot reach the store for {name}: {exc}") from None
            time.sleep(1)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
                return False
            raise CommandError(f"Cannot reach the bucket {name}: {exc}") from None
