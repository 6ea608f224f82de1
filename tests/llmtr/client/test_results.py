"""LLMTRClient's result downloads: URLs, caps, headers."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image

from llmtr import errors
from tests.llmtr.client.support import GEMINI, GENERATIONS, KEY, PNG_MAGIC, RECRAFT, XAI, png_bytes

# --- result URLs ---------------------------------------------------------------------


def test_a_recraft_url_result_downloads_before_it_expires(client, emu):
    result = client.generate({"model": RECRAFT, "prompt": "a fox"})  # url is the default
    image = result.images[0]
    assert image.b64_json is None and image.url
    data, content_type = client.download(image.url)
    assert data.startswith(PNG_MAGIC)
    assert content_type == "image/png"
    Image.open(io.BytesIO(data)).verify()


def test_a_url_result_fetched_after_it_expired_is_download_failed(client, emu):
    result = client.generate({"model": RECRAFT, "prompt": "a fox"})
    emu.clock.advance(emu.url_ttl + 1)
    with pytest.raises(errors.DownloadFailed) as caught:
        client.download(result.images[0].url)
    assert caught.value.status == 404
    assert "expired" in caught.value.message


def test_an_already_expired_url_is_download_failed(client, emu):
    emu.inject("expired_url")
    result = client.generate({"model": XAI, "prompt": "a fox", "response_format": "url"})
    with pytest.raises(errors.DownloadFailed):
        client.download(result.images[0].url)


def test_a_download_larger_than_the_cap_is_download_failed(make_client, emu):
    client = make_client(max_download_bytes=100)
    result = client.generate({"model": RECRAFT, "prompt": "a fox"})
    with pytest.raises(errors.DownloadFailed) as caught:
        client.download(result.images[0].url)
    assert "larger" in caught.value.message


def test_the_cap_holds_when_the_server_declares_no_length(make_client, local_server):
    local_server.reply = lambda path: (
        200,
        {"Content-Type": "image/png", "Connection": "close"},
        png_bytes() + b"\0" * 5000,
    )
    client = make_client(local_server.url, max_download_bytes=1000)
    with pytest.raises(errors.DownloadFailed) as caught:
        client.download(local_server.url + "/big.png")
    assert "larger" in caught.value.message
    # The streamed count did it, not a declared length: the server sent none.
    raw = httpx.get(local_server.url + "/big.png")
    assert "content-length" not in raw.headers
    assert len(raw.content) > 1000


def test_a_download_never_sends_the_api_key(client, emu, local_server):
    client.list_models()  # the same client has just made an authenticated call
    data, content_type = client.download(local_server.url + "/results/abc.png")
    assert data == png_bytes()
    assert content_type == "image/png"
    assert len(local_server.seen) == 1
    headers = local_server.seen[0]["headers"]
    assert "authorization" not in headers
    assert all(KEY not in value for value in headers.values())


def test_a_download_answered_with_a_5xx_is_retried(make_client, local_server, sleep):
    answers = iter([(503, {}, b"busy"), (200, {"Content-Type": "image/png"}, png_bytes())])
    local_server.reply = lambda path: next(answers)
    client = make_client(local_server.url)
    data, _ = client.download(local_server.url + "/a.png")
    assert data == png_bytes()
    assert len(local_server.seen) == 2
    assert len(sleep.delays) == 1


def test_a_5xx_with_retry_after_waits_that_long_and_sends_the_key_each_time(
    make_client, local_server, sleep
):
    busy = {"error": {"message": "Busy.", "type": "provider_unavailable"}}
    done = {"created": 1773000000, "data": [{"b64_json": "aGVsbG8=", "mime_type": "image/png"}]}
    answers = iter(
        [
            (
                503,
                {"Content-Type": "application/json", "Retry-After": "2"},
                json.dumps(busy).encode(),
            ),
            (200, {"Content-Type": "application/json"}, json.dumps(done).encode()),
        ]
    )
    local_server.reply = lambda path: next(answers)
    client = make_client(local_server.url + "/v1")
    result = client.generate({"model": GEMINI, "prompt": "a fox"})
    assert result.images[0].decode() == b"hello"
    assert [seen["path"] for seen in local_server.seen] == [GENERATIONS] * 2
    assert all(seen["headers"]["authorization"] == f"Bearer {KEY}" for seen in local_server.seen)
    assert len(sleep.delays) == 1 and 2.0 <= sleep.delays[0] <= 2.0 + client.backoff


def test_a_download_refuses_urls_that_are_not_http(client):
    with pytest.raises(errors.DownloadFailed):
        client.download("file:///etc/passwd")
