"""manage.py ensure_bucket: the release step that makes the private media bucket."""

from __future__ import annotations

import io
import time
import uuid

import httpx
import pytest
from django.core.management import CommandError, call_command


def ensure_bucket() -> str:
    out = io.StringIO()
    call_command("ensure_bucket", stdout=out)
    return out.getvalue()


def use_bucket(settings, seaweed, name: str, **options) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**seaweed.storage_options(name), **options},
        },
    }


def test_it_makes_a_private_bucket_once(settings, seaweed):
    name = f"release-{uuid.uuid4().hex[:10]}"
    use_bucket(settings, seaweed, name)
    assert ensure_bucket().strip() == f"Created the private bucket {name}."
    assert name in {b["Name"] for b in seaweed.client().list_buckets()["Buckets"]}
    assert httpx.get(f"{seaweed.endpoint}/{name}").status_code == 403  # no anonymous listing
    assert ensure_bucket().strip() == f"Bucket {name} exists."


def test_on_local_storage_there_is_nothing_to_do(media_root):
    assert ensure_bucket().strip() == "Media is on local storage: no bucket to create."


def test_a_store_that_refuses_the_key_is_a_clear_error(settings, seaweed):
    use_bucket(settings, seaweed, "any-bucket", secret_key="not-the-secret")
    with pytest.raises(CommandError, match="Cannot reach the bucket any-bucket"):
        ensure_bucket()


def test_a_store_that_never_answers_is_an_error_after_the_wait(settings, seaweed):
    use_bucket(settings, seaweed, "any-bucket", endpoint_url="http://127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(CommandError, match="Cannot reach the store for any-bucket"):
        call_command("ensure_bucket", "--wait", "2", stdout=io.StringIO())
    assert 2 <= time.monotonic() - started < 30
