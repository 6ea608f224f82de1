"""LLMTRClient against the emulator over real HTTP: errors, retries, downloads, catalog, secrets.

Backoff never really sleeps: every client gets a recording `sleep=`.
A small local http.server stands in where the emulator can't: checking the headers of a
result download, a body without Content-Length, and a gateway that echoes the key back.
"""

from __future__ import annotations

import http.server
import io
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from PIL import Image

from llmtr import errors
from llmtr.answers import CatalogModel, ResultImage, UploadedFile, parse_catalog
from llmtr.client import LLMTRClient, Timeouts, normalise_base_url
from llmtr.emulator.testing import running_emulator
from llmtr.spec import PerImage, PerToken

KEY = "llmtr-s3cret-test-key-0123456789"
RECRAFT = "recraft/recraft-v4"
GEMINI = "google/gemini-3.1-flash-image"
GPT = "openai/gpt-image-2"
XAI = "xai/grok-imagine-image"
GENERATIONS = "/v1/images/generations"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_bytes(size: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class RecordingSleep:
    """Stands in for time.sleep: remembers the delays, waits for none of them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    with running_emulator() as pair:
        yield pair


@pytest.fixture
def emu(served):
    emulator, _ = served
    emulator.reset()
    return emulator


@pytest.fixture
def base_url(served, emu) -> str:
    return served[1]


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_client(base_url, sleep) -> Iterator[Callable[..., LLMTRClient]]:
    made: list[LLMTRClient] = []

    def make(url: str | None = None, *, key: str = KEY, **kwargs: Any) -> LLMTRClient:
        kwargs.setdefault("sleep", sleep)
        client = LLMTRClient(url or base_url, key, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> LLMTRClient:
    return make_client()


def api_calls(emu) -> list[tuple[str, str, int | None]]:
    return [(r["method"], r["path"], r["status"]) for r in emu.requests()]


class _LocalHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append({"method": self.command, "path": self.path, "headers": headers})
        status, reply_headers, body = self.server.reply(self.path)
        self.send_response(status)
        for name, value in reply_headers.items():
            self.send_header(name, value)
        if reply_headers.get("Connection") == "close":
            self.close_connection = True  # no length: the body ends when the connection does
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[http.server.ThreadingHTTPServer]:
    """A tiny HTTP server that records request headers; set `.reply(path)` per test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LocalHandler)
    server.daemon_threads = True
    server.seen = []
    server.reply = lambda path: (200, {"Content-Type": "image/png"}, png_bytes())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- errors: each documented error is its own exception -----------------------------


def test_an_unknown_parameter_is_an_invalid_request_naming_the_parameter(client, emu):
    with pytest.raises(errors.InvalidRequest) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox", "colourfulness": 11})
    exc = caught.value
    assert type(exc) is errors.InvalidRequest
    assert exc.status == 400
    assert exc.type == "invalid_request_error"
    assert "colourfulness" in exc.message
    assert exc.details["param"] == "colourfulness"
    assert exc.param == "colourfulness"
    assert not exc.retryable


def test_an_edit_sent_to_a_gemini_model_is_an_unsupported_operation_with_a_hint(client, emu):
    body = {
        "model": GEMINI,
        "prompt": "make it blue",
        "image": {"type": "image_url", "url": "https://example.com/a.png"},
    }
    with pytest.raises(errors.UnsupportedOperation) as caught:
        client.edit(body)
    exc = caught.value
    assert exc.status == 400
    assert exc.type == "unsupported_operation"
    assert exc.suggested_endpoint == GENERATIONS
    assert exc.details["attempted_endpoint"] == "/v1/images/edits"
    assert exc.details["supported_endpoints"] == [GENERATIONS]
    assert exc.details["model"] == GEMINI
    assert "file_ids" in exc.hint
    assert isinstance(exc, errors.InvalidRequest)  # still a 400 the designer must fix


def test_a_key_the_gateway_does_not_know_is_an_auth_error_for_the_admin(make_client, emu):
    client = make_client(key="not-a-gateway-key")
    with pytest.raises(errors.AuthError) as caught:
        client.list_models()
    assert caught.value.status == 401
    assert caught.value.type == "auth_error"
    assert caught.value.message
    assert len(emu.requests()) == 1  # not retried


@pytest.mark.parametrize(
    ("fault", "exc_type", "status", "error_type"),
    [
        ("401", errors.AuthError, 401, "auth_error"),
        ("402", errors.InsufficientBalance, 402, "insufficient_balance"),
        ("403", errors.Forbidden, 403, "forbidden"),
    ],
)
def test_account_errors_map_to_their_exception_and_are_not_retried(
    client, emu, sleep, fault, exc_type, status, error_type
):
    emu.inject(fault)
    with pytest.raises(exc_type) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    exc = caught.value
    assert (exc.status, exc.type) == (status, error_type)
    assert exc.message
    assert exc.details == {}
    assert api_calls(emu) == [("POST", GENERATIONS, status)]
    assert sleep.delays == []


def test_an_unknown_model_is_model_not_found(client, emu):
    with pytest.raises(errors.ModelNotFound) as caught:
        client.generate({"model": "acme/imaginary-model", "prompt": "a fox"})
    exc = caught.value
    assert exc.status == 404
    assert exc.type == "model_not_found"
    assert "acme/imaginary-model" in exc.message
    assert exc.details.get("model") == "acme/imaginary-model"


def test_a_retired_model_is_model_retired_and_names_its_replacement(client, emu):
    emu.inject("retired_model", model="recraft/recraft-v2")
    with pytest.raises(errors.ModelRetired) as caught:
        client.generate({"model": "recraft/recraft-v2", "prompt": "a fox"})
    exc = caught.value
    assert exc.status == 410
    assert exc.type == "model_retired"
    assert exc.details["model"] == "recraft/recraft-v2"
    assert exc.replacement_model == exc.details["replacement_model"]
    assert exc.replacement_model.startswith("recraft/")
    assert exc.replacement_model != "recraft/recraft-v2"
    assert exc.details["retirement_date"]


def test_an_upload_over_20_mb_is_request_too_large(client, emu):
    too_big = png_bytes() + b"\0" * (20 * 1024 * 1024)
    with pytest.raises(errors.RequestTooLarge) as caught:
        client.upload_file(too_big, filename="huge.png", mime_type="image/png")
    assert caught.value.status == 413
    assert caught.value.type == "request_too_large"
    assert len(emu.requests()) == 1


def test_an_upload_with_a_bad_purpose_or_provider_is_an_invalid_request(client, emu):
    with pytest.raises(errors.InvalidRequest) as bad_purpose:
        client.upload_file(png_bytes(), filename="a.png", mime_type="image/png", purpose="fun")
    assert (bad_purpose.value.status, bad_purpose.value.type) == (400, "invalid_request")
    assert bad_purpose.value.param == "purpose"
    with pytest.raises(errors.InvalidRequest) as bad_provider:
        client.upload_file(png_bytes(), filename="a.png", mime_type="image/png", provider="aws")
    assert (bad_provider.value.status, bad_provider.value.type) == (400, "unsupported_provider")


def test_a_rate_limit_is_rate_limited_with_retry_after_from_the_header(make_client, emu):
    client = make_client(max_retries=0)
    emu.inject("429", retry_after=7)
    with pytest.raises(errors.RateLimited) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    exc = caught.value
    assert exc.status == 429
    assert exc.type == "rate_limit_exceeded"
    assert exc.retry_after == 7.0
    assert exc.retryable


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("500", "internal_error"),
        ("502", "provider_error"),
        ("503", "provider_unavailable"),
        ("504", "timeout"),
    ],
)
def test_each_5xx_is_an_upstream_error_with_its_status_and_type(
    make_client, emu, fault, error_type
):
    client = make_client(max_retries=0)
    emu.inject(fault)
    with pytest.raises(errors.UpstreamError) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    exc = caught.value
    assert exc.status == int(fault)
    assert exc.type == error_type
    assert exc.message
    assert exc.retryable


def test_malformed_json_is_a_malformed_response(client, emu, sleep):
    emu.inject("malformed_json")
    with pytest.raises(errors.MalformedResponse) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert caught.value.status == 200
    assert caught.value.type == "malformed_response"
    assert len(emu.requests()) == 1  # a 200 may have been billed: never sent again
    assert sleep.delays == []


def test_bad_base64_is_a_malformed_response_when_the_image_is_decoded(client, emu):
    emu.inject("bad_base64")
    result = client.generate({"model": GEMINI, "prompt": "a fox"})
    assert len(result.images) == 1
    with pytest.raises(errors.MalformedResponse) as caught:
        result.images[0].decode()
    assert caught.value.type == "malformed_response"


def test_decoding_a_url_result_is_a_malformed_response():
    with pytest.raises(errors.MalformedResponse):
        ResultImage(url="https://imgen.x.ai/a.png").decode()


def test_good_base64_decodes_to_the_image_bytes(client, emu):
    result = client.generate({"model": GEMINI, "prompt": "a fox", "n": 2})
    assert len(result.images) == 2
    for image in result.images:
        assert image.url is None
        assert image.mime_type == "image/png"
        assert image.decode().startswith(PNG_MAGIC)
        assert image.revised_prompt
    assert result.model == GEMINI
    assert isinstance(result.created, int)
    assert all("b64_json" not in item for item in result.metadata["data"])


def test_a_dropped_connection_is_connection_lost_and_not_sent_again(client, emu, sleep):
    emu.inject("disconnect")
    with pytest.raises(errors.ConnectionLost) as caught:
        client.generate({"model": RECRAFT, "prompt": "a fox"})
    assert not caught.value.retryable
    assert len(emu.requests()) == 1
    assert sleep.delays == []


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


# --- the catalog ---------------------------------------------------------------------


def test_the_emulator_catalog_parses_into_16_models_with_decimal_prices(client, emu):
    models = client.list_models()
    assert emu.requests()[0]["query"] == {"operation": "IMAGES_GENERATIONS"}
    assert len(models) == 16
    assert all(isinstance(m, CatalogModel) for m in models)
    by_id = {m.id: m for m in models}
    assert by_id["recraft/recraft-v2"].price == PerImage(Decimal("0.022"))
    assert by_id["recraft/recraft-v4-pro-vector"].price == PerImage(Decimal("0.30"))
    assert by_id[GPT].price == PerToken(Decimal(5), Decimal(10), Decimal(40))
    assert isinstance(by_id[GEMINI].price.usd, Decimal)
    assert by_id[RECRAFT].name == "Recraft V4"
    assert by_id[RECRAFT].provider == "recraft"
    assert by_id[RECRAFT].modalities == ("text", "image")
    assert by_id[RECRAFT].is_active and not by_id[RECRAFT].is_retired
    assert "IMAGES_EDITS" in by_id[XAI].operations
    assert by_id[RECRAFT].operations == ("IMAGES_GENERATIONS",)


def test_the_catalog_filtered_to_edits_lists_the_xai_models(client, emu):
    models = client.list_models("IMAGES_EDITS")
    assert {m.id for m in models} == {XAI, "xai/grok-imagine-image-quality"}


DOCS_SHAPED_CATALOG = {
    "data": [
        {
            "canonicalId": GEMINI,
            "name": "Gemini 3.1 Flash Image",
            "modalities": ["text", "image"],
            "supported_operations": ["IMAGES_GENERATIONS"],
            "is_active": True,
            "is_retired": False,
            "primary_pricing_rows": [
                {
                    "operation": "IMAGES_GENERATIONS",
                    "metric": "OUTPUT_IMAGE",
                    "unit": "PER_IMAGE",
                    "price_usd": "0.039",
                }
            ],
        },
        {
            "id": GPT,
            "supported_operations": ["IMAGES_GENERATIONS"],
            "primaryPricingRows": [
                {"metric": "INPUT_TEXT", "unit": "PER_1M_TOKENS", "priceUsd": "5"},
                {"metric": "INPUT_IMAGE", "unit": "PER_1M_TOKENS", "priceUsd": "10"},
                {"metric": "OUTPUT_IMAGE", "unit": "PER_1M_TOKENS", "priceUsd": "40"},
            ],
        },
        {"canonicalId": "acme/brand-new", "is_retired": True, "is_active": False},
        "junk",
        42,
        None,
        [],
        {},
        {"id": ""},
        {"canonicalId": 7},
        {"name": "a model without an id"},
    ]
}


def test_a_docs_shaped_catalog_with_snake_case_keys_parses_and_skips_junk():
    models = parse_catalog(DOCS_SHAPED_CATALOG)
    assert [m.id for m in models] == [GEMINI, GPT, "acme/brand-new"]
    gemini, gpt, brand_new = models
    assert gemini.modalities == ("text", "image")
    assert gemini.operations == ("IMAGES_GENERATIONS",)
    assert gemini.price == PerImage(Decimal("0.039"))
    assert gpt.price == PerToken(Decimal("5"), Decimal("10"), Decimal("40"))
    assert gpt.name == GPT and gpt.provider == "openai"
    assert brand_new.provider == "acme"
    assert brand_new.price is None
    assert not brand_new.is_active and brand_new.is_retired


def test_catalog_items_with_garbage_fields_do_not_break_the_catalog():
    payload = [
        {
            "id": "acme/odd",
            "modalities": 5,
            "supportedOperations": 7,
            "primaryPricingRows": 0.04,
        },
        {"id": "acme/strings", "modalities": "text", "primaryPricingRows": "0.04"},
        {"id": RECRAFT, "primaryPricingRows": [None, "x", {"metric": "OUTPUT_IMAGE"}]},
    ]
    models = parse_catalog(payload)  # a bare list is accepted too
    assert [m.id for m in models] == ["acme/odd", "acme/strings", RECRAFT]
    assert all(m.price is None for m in models)
    assert models[0].operations == () and models[0].modalities == ()


@pytest.mark.parametrize("payload", [{"models": []}, "catalog", None, {"data": "x"}])
def test_a_catalog_without_a_data_list_is_a_malformed_response(payload):
    with pytest.raises(errors.MalformedResponse):
        parse_catalog(payload)


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
