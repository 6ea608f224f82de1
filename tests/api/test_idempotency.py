"""Idempotency-Key on POST /generations: a retry returns the first generation (same
status and body), never a second one, never a second charge; even when the retries
arrive at the same time (threads, each with its own database connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from api.models import IdempotencyKey
from generations import worker
from generations.models import Generation
from spend.models import LedgerEntry
from tests.api.conftest import ApiClient

RECRAFT = "recraft/recraft-v4"
BODY = {"model": RECRAFT, "prompt": "a kite over the dunes", "options": {"n": 1}}


@pytest.fixture
def setup(catalog, media_root, no_broker):
    """The catalog and no worker: what the tests here need besides a token."""


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_generation(api_as, owner, setup):
    client = api_as(owner)
    key = {"Idempotency-Key": "retry-1"}

    first = client.post("/generations", BODY, headers=key)
    again = client.post("/generations", BODY, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (first["Idempotent-Replayed"], again["Idempotent-Replayed"]) == ("false", "true")
    assert Generation.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="reservation").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_clear_422(api_as, owner, setup):
    client = api_as(owner)
    key = {"Idempotency-Key": "retry-2"}
    client.post("/generations", BODY, headers=key)

    response = client.post("/generations", {**BODY, "prompt": "something else"}, headers=key)

    assert response.status_code == 422
    body = response.json()
    assert "already used with a different request" in body["detail"]
    assert body["errors"]["Idempotency-Key"] == [body["detail"]]
    assert Generation.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_each_request_is_a_new_generation(api_as, owner, setup):
    client = api_as(owner)

    client.post("/generations", BODY)
    client.post("/generations", BODY)

    assert Generation.objects.count() == 2


@pytest.mark.django_db
def test_keys_belong_to_their_token(api_as, owner, setup):
    key = {"Idempotency-Key": "shared-name"}

    one = api_as(owner).post("/generations", BODY, headers=key).json()
    other = api_as(owner).post("/generations", BODY, headers=key).json()

    assert one["id"] != other["id"]


@pytest.mark.django_db
def test_a_failed_create_keeps_no_key_so_a_retry_tries_again(api_as, owner, setup):
    from decimal import Decimal

    from spend.models import Budget
    from teams.access import membership_of

    client = api_as(owner)
    key = {"Idempotency-Key": "after-a-refusal"}
    budget = Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.01"))

    refused = client.post("/generations", BODY, headers=key)
    budget.delete()
    accepted = client.post("/generations", BODY, headers=key)

    assert refused.status_code == 422
    assert accepted.status_code == 201
    assert accepted["Idempotent-Replayed"] == "false"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 256])
def test_a_malformed_key_is_refused_before_anything_is_made(api_as, owner, setup, key):
    response = api_as(owner).post("/generations", BODY, headers={"Idempotency-Key": key})

    assert response.status_code == 422
    assert response.json()["errors"]["Idempotency-Key"]
    assert not Generation.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_generation_and_one_charge(make_token, owner, setup):
    secret = make_token(owner)
    workers = 8
    start = threading.Barrier(workers)
    answers: list[tuple[int, dict] | str] = []
    replayed: list[str] = []

    def retry() -> None:
        try:
            client = ApiClient(Client(), secret)
            start.wait()
            response = client.post("/generations", BODY, headers={"Idempotency-Key": "race"})
            answers.append((response.status_code, response.json()))
            replayed.append(response["Idempotent-Replayed"])
        except Exception as exc:  # the test sees every surprise as an outcome
            answers.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == workers
    assert [a for a in answers if isinstance(a, str)] == []
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert all(body == answers[0][1] for _, body in answers)
    assert sorted(replayed) == ["false"] + ["true"] * (workers - 1)
    generation = Generation.objects.get()
    assert LedgerEntry.objects.filter(kind="reservation").count() == 1
    worker.generation_run(generation_id=generation.pk)
    settled = LedgerEntry.objects.filter(kind="settlement")
    assert [(e.generation_id, str(e.amount.normalize())) for e in settled] == [
        (generation.pk, "0.04")
    ]
