"""S3 storage on a real S3-compatible server (tests/seaweed.py): one private bucket for
the session, one key prefix (django-storages' `location`) per test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.seaweed import Seaweed, running_seaweed


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture(scope="session")
def bucket(seaweed) -> str:
    return seaweed.bucket("studio-tests")


@dataclass
class S3Media:
    server: Seaweed
    bucket: str
    prefix: str

    def keys(self) -> set[str]:
        """Every object of this test, named as the studio names its files."""
        start = f"{self.prefix}/"
        return {k[len(start) :] for k in self.server.keys(self.bucket) if k.startswith(start)}

    def object_url(self, name: str) -> str:
        return f"{self.server.endpoint}/{self.bucket}/{self.prefix}/{name}"


@pytest.fixture
def s3_media(settings, seaweed, bucket, media_root) -> S3Media:
    """Media on S3, streamed through the access-checked views (the default on S3).
    After media_root, which would otherwise put media back on the local disk."""
    media = S3Media(seaweed, bucket, f"t-{uuid.uuid4().hex[:12]}")
    options = {**seaweed.storage_options(bucket), "location": media.prefix}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    settings.MEDIA_REDIRECT = False
    settings.MEDIA_ORIGIN = seaweed.endpoint
    return media


@pytest.fixture
def s3_redirect(settings, s3_media) -> S3Media:
    """Media on S3, sent to browsers as short-lived signed URLs (MEDIA_REDIRECT=1)."""
    settings.MEDIA_REDIRECT = True
    return s3_media


@pytest.fixture
def stranger_browser(stranger) -> Client:
    """A second browser, signed in as someone from another team."""
    browser = Client()
    browser.force_login(stranger)
    return browser


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""
