"""LLMTRClient's retries: only what the gateway said may be retried, or what never reached it."""

from __future__ import annotations

import pytest

from llmtr import errors
from llmtr.client import Timeouts
from tests.llmtr.client.support import (
    GEMINI,
    GENERATIONS,
    RECRAFT,
    RecordingSleep,
    api_calls,
    closed_port_url,
)

# --- retries -------------------------------------------------------------------------


def test_a_429_then_success_gives_one_result_after_waiting_the_retry_after(client, emu, sleep):
    emu.inject("429", retry_after=3)
    result = client.generate({"model": GEMINI, "prompt": "a fox"})
    assert len(result.images) == 1
    assert api_calls(emu) == [("POST", GENERATIONS, 429), ("POST", GENERATIONS, 200)]
    assert len(sleep.delays) == 1
    assert 3.0 <= sleep.delays[0] <= 3.0 + client.backoff


def test_a_5xx_then_success_is_retried_once(client, emu, sleep):
    emu.inject("502")
    result = client.generate({"model": GEMINI, "prompt": "a fox"})
    assert len(result.images) == 1
    assert [r["status"] for r in emu.requests()] == [502, 200]
    assert len(sleep.delays) == 1


def test_a_5xx_that_persists_is_sent_four_times_then_raised(client, emu, sleep):
    emu.inject("500", times=-1)
    with pytest.raises(errors.UpstreamError) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert caught.value.status == 500
    assert api_calls(emu) == [("POST", GENERATIONS, 500)] * 4  # 1 + 3 retries
    assert len(sleep.delays) == 3


def test_a_400_is_never_retried(client, emu, sleep):
    with pytest.raises(errors.InvalidRequest):
        client.generate({"model": RECRAFT, "prompt": "a fox", "n": 99})
    assert api_calls(emu) == [("POST", GENERATIONS, 400)]
    assert sleep.delays == []


def test_a_read_timeout_is_a_response_timeout_and_is_not_sent_again(make_client, emu, sleep):
    emu.configure(hang_seconds=2)
    client = make_client(timeouts=Timeouts(read=0.5))
    emu.inject("hang")
    with pytest.raises(errors.ResponseTimeout) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert not caught.value.retryable
    assert "not sent again" in caught.value.message
    journal = emu.requests()
    assert [(r["method"], r["path"]) for r in journal] == [("POST", GENERATIONS)]
    assert sleep.delays == []


def test_a_refused_connection_is_retried_three_times_then_connect_failed(make_client, emu, sleep):
    client = make_client(closed_port_url())
    with pytest.raises(errors.ConnectFailed) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert caught.value.retryable
    assert caught.value.status is None
    assert len(sleep.delays) == 3  # 1 attempt + 3 retries, a pause between each
    assert emu.requests() == []  # nothing reached a gateway, nothing was billed


def test_backoff_doubles_from_the_base_and_stays_within_its_jitter_bounds(make_client, emu, sleep):
    client = make_client(backoff=0.5, max_backoff=20.0)
    emu.inject("503", times=-1)
    with pytest.raises(errors.UpstreamError):
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert len(sleep.delays) == 3
    for attempt, delay in enumerate(sleep.delays):
        base = 0.5 * 2**attempt
        assert base / 2 <= delay <= base, (attempt, delay)
    assert sleep.delays[0] <= sleep.delays[1] <= sleep.delays[2]


def test_backoff_never_exceeds_max_backoff(make_client, emu, sleep):
    client = make_client(backoff=8.0, max_backoff=10.0)
    emu.inject("500", times=-1)
    with pytest.raises(errors.UpstreamError):
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert len(sleep.delays) == 3
    assert all(0 < delay <= 10.0 for delay in sleep.delays)


def test_backoff_has_jitter_so_runs_wait_differently(make_client, emu):
    runs = []
    for _ in range(3):
        recorder = RecordingSleep()
        client = make_client(sleep=recorder)
        emu.reset()
        emu.inject("500", times=-1)
        with pytest.raises(errors.UpstreamError):
            client.generate({"model": RECRAFT, "prompt": "a fox"})
        runs.append(tuple(recorder.delays))
    assert all(len(run) == 3 for run in runs)
    assert len(set(runs)) > 1


def test_a_retry_after_longer_than_max_backoff_raises_at_once(make_client, emu, sleep):
    client = make_client(max_backoff=20.0)
    emu.inject("429", retry_after=60)
    with pytest.raises(errors.RateLimited) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert caught.value.retry_after == 60.0
    assert len(emu.requests()) == 1
    assert sleep.delays == []
