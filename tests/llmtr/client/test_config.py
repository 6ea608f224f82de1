"""LLMTRClient's base URL, and the API key that never leaves it."""

from __future__ import annotations

import json
import logging

import pytest

from llmtr import errors
from llmtr.answers import UploadedFile
from llmtr.client import normalise_base_url
from tests.llmtr.client.support import (
    GEMINI,
    GENERATIONS,
    KEY,
    PNG_MAGIC,
    RECRAFT,
    api_calls,
    closed_port_url,
    png_bytes,
)

# --- base URL ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_every_spelling_of_the_base_url_reaches_the_emulator(make_client, base_url, emu, suffix):
    client = make_client(base_url + suffix)
    assert client.base_url == base_url
    assert len(client.list_models()) == 16
    client.generate({"model": GEMINI, "prompt": "a fox"})
    assert api_calls(emu) == [("GET", "/api/models", 200), ("POST", GENERATIONS, 200)]


@pytest.mark.parametrize(
    "raw",
    ["https://llmtr.com", "https://llmtr.com/", "https://llmtr.com/v1", " https://llmtr.com/v1/ "],
)
def test_normalise_base_url_gives_the_host_root(raw):
    assert normalise_base_url(raw) == "https://llmtr.com"


# --- the API key stays secret --------------------------------------------------------


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY not in text


def test_the_key_is_not_in_the_client_repr(client):
    assert_no_key(repr(client), str(client))


def test_the_key_is_not_in_errors_or_log_records_of_failing_calls(make_client, emu, caplog):
    caplog.set_level(logging.DEBUG)
    emu.inject("500", times=-1)
    failures = []
    with pytest.raises(errors.UpstreamError) as upstream:
        make_client().generate({"model": RECRAFT, "prompt": "a fox"})
    failures.append(upstream.value)
    with pytest.raises(errors.ConnectFailed) as refused:
        make_client(closed_port_url()).list_models()
    failures.append(refused.value)
    for exc in failures:
        assert_no_key(str(exc), repr(exc), json.dumps(exc.as_dict()), str(exc.args))
    assert any(r.name == "llmtr.client" for r in caplog.records)  # something was logged
    assert_no_key(caplog.text)
    for record in caplog.records:
        assert_no_key(record.getMessage(), str(record.args))


def test_a_401_that_echoes_the_key_is_scrubbed_before_anyone_sees_it(
    make_client, local_server, caplog
):
    caplog.set_level(logging.DEBUG)

    def echo_key(path: str) -> tuple[int, dict[str, str], bytes]:
        auth = local_server.seen[-1]["headers"].get("authorization", "")
        envelope = {
            "error": {
                "message": f"Key {auth} was revoked.",
                "type": "auth_error",
                "details": {"received": auth, "keys": [auth], "nested": {"key": auth}},
            }
        }
        return 401, {"Content-Type": "application/json"}, json.dumps(envelope).encode()

    local_server.reply = echo_key
    client = make_client(local_server.url)
    with pytest.raises(errors.AuthError) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    exc = caught.value
    assert local_server.seen[0]["headers"]["authorization"] == f"Bearer {KEY}"  # it was echoed
    assert "revoked" in exc.message and "[redacted]" in exc.message
    assert_no_key(str(exc), repr(exc), str(exc.args), json.dumps(exc.as_dict()), caplog.text)
    assert exc.details["received"] == "Bearer [redacted]"


# --- file uploads --------------------------------------------------------------------


def test_an_upload_returns_the_file_record(client, emu):
    content = png_bytes(24)
    uploaded = client.upload_file(content, filename="ref.png", mime_type="image/png")
    assert isinstance(uploaded, UploadedFile)
    assert uploaded.id.startswith("file_")
    assert uploaded.bytes == len(content)
    assert uploaded.mime_type == "image/png"
    assert uploaded.filename == "ref.png"
    assert uploaded.purpose == "vision_reference"
    assert uploaded.provider == "google"
    assert abs(uploaded.created_at - emu.clock.now()) < 5
    journal = emu.requests()
    assert [(r["method"], r["path"]) for r in journal] == [("POST", "/v1/files")]
    assert journal[0]["json"]["purpose"] == "vision_reference"


@pytest.mark.parametrize("param", ["file_ids", "file_id"])
def test_an_uploaded_file_works_as_a_gemini_reference_for_7_days_only(client, emu, param):
    uploaded = client.upload_file(png_bytes(), filename="ref.png", mime_type="image/png")
    value = [uploaded.id] if param == "file_ids" else uploaded.id
    body = {"model": GEMINI, "prompt": "the same fox, in snow", param: value}
    result = client.generate(body)
    assert len(result.images) == 1
    assert result.images[0].decode().startswith(PNG_MAGIC)

    emu.clock.advance(7 * 24 * 3600 + 1)
    with pytest.raises(errors.InvalidRequest) as caught:
        client.generate(body)
    assert caught.value.status == 400
    assert caught.value.type == "invalid_request_error"
    assert caught.value.param == param
    assert [r["status"] for r in emu.requests()] == [200, 200, 400]
