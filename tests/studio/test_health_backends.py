"""The health checks against the deployment's backends: media on a real S3-compatible
store (SeaweedFS, tests/seaweed.py), the Celery broker and Redis on the local Redis
(db 5), each up and down."""

from __future__ import annotations

import asyncio

import pytest
from celery import Celery
from django.test import Client

from studio.health import Broker, Redis, Storage
from tests.seaweed import running_seaweed

pytestmark = pytest.mark.django_db

REDIS = "redis://127.0.0.1:6379/5"
NOBODY = "redis://127.0.0.1:9/5"  # the discard port: nothing answers there


def outcome(check) -> str:
    result = asyncio.run(check.get_result())
    return str(result.error) if result.error else "OK"


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def s3_storage(settings, seaweed):
    bucket = seaweed.bucket("health-probe")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": seaweed.storage_options(bucket),
        },
    }
    return bucket


def test_the_storage_check_writes_reads_and_deletes_on_s3(seaweed, s3_storage):
    assert outcome(Storage()) == "OK"
    assert seaweed.keys(s3_storage) == []


def test_refused_credentials_make_the_storage_check_fail(settings, seaweed, s3_storage):
    options = {**seaweed.storage_options(s3_storage), "secret_key": "not-the-secret"}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    assert outcome(Storage()).startswith("Unavailable: writing a probe object failed")


def broker_app(url: str) -> Celery:
    app = Celery("health-test", broker=url, set_as_current=False)
    app.conf.broker_transport = "studio.broker:Transport"  # as settings.py with REDIS_URL
    return app


def test_the_broker_check_connects_to_redis():
    assert outcome(Broker(app=broker_app(REDIS))) == "OK"


def test_the_broker_check_fails_fast_when_redis_is_down():
    message = outcome(Broker(app=broker_app(NOBODY)))
    assert message.startswith("Unavailable: cannot connect to the redis broker")


def test_the_redis_check_pings_redis_url_and_keeps_its_address_out(settings):
    settings.REDIS_URL = REDIS
    assert outcome(Redis()) == "OK"
    assert repr(Redis()) == "Redis"

    settings.REDIS_URL = NOBODY
    assert outcome(Redis()).startswith("Unavailable: Unable to connect to Redis")


def test_with_redis_configured_the_endpoint_reports_it(client, catalog, media_root, settings):
    settings.REDIS_URL = REDIS
    settings.HEALTH_CHECKS = ["health_check.checks.Database", "studio.health.Redis"]
    assert client.get("/health/?format=json").json()["checks"]["redis"]["status"] == "ok"

    settings.REDIS_URL = NOBODY
    answer = Client().get("/health/?format=json")
    assert answer.status_code == 503
    assert answer.json()["checks"]["redis"]["status"] == "error"
    assert "127.0.0.1:9" not in answer.content.decode()
