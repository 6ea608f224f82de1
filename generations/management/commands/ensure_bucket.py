"""`manage.py ensure_bucket`: create the media bucket, private, if it does not exist.

Part of a release's setup (the Procfile's `setup`). With local storage there is no
bucket and nothing to do. A bucket is private when created (no ACL, no policy): every
image reaches a browser through the access-checked views or a signed URL.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the private media bucket if it does not exist (S3 storage only)."

    def handle(self, *args: object, **options: object) -> None:
        bucket = getattr(default_storage, "bucket", None)
        if bucket is None:
            self.stdout.write("Media is on local storage: no bucket to create.")
            return
        client = default_storage.connection.meta.client
        try:
            client.head_bucket(Bucket=bucket.name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise CommandError(f"Cannot reach the bucket {bucket.name}: {exc}") from None
        else:
            self.stdout.write(f"Bucket {bucket.name} exists.")
            return
        region = client.meta.region_name
        location = {} if region in (None, "us-east-1") else {
            "CreateBucketConfiguration": {"LocationConstraint": region}
        }  # fmt: skip
        client.create_bucket(Bucket=bucket.name, **location)
        self.stdout.write(f"Created the private bucket {bucket.name}.")
