"""The emulator against the contract, sections 1-2 and 8: url results, auth and errors, faults."""

from __future__ import annotations

import base64
import binascii
import io
import json

import httpx
import pytest
from PIL import Image

from tests.llmtr.contract.support import (
    EDITS,
    GEMINI,
    GEMINI_PRO,
    GEN,
    MODELS,
    RECRAFT,
    XAI,
    error_of,
    image_bytes,
    request_body,
    size_of,
)

# --- section 8: url results --------------------------------------------------------


def test_a_url_result_is_served_until_it_expires(api, gateway):
    gateway.url_ttl = 120
    item = api.post(GEN, json=request_body(RECRAFT, size="1:1")).json()["data"][0]
    assert item["url"].startswith(str(api.base_url).rstrip("/"))
    download = httpx.get(item["url"])  # no key: like a signed URL
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert size_of(download.content, "image/png") == (1024, 1024)
    gateway.clock.advance(121)
    error_of(httpx.get(item["url"]), 404, "not_found")


def test_the_same_body_gives_the_same_images(api):
    body = request_body(GEMINI, n=2, aspect_ratio="4:3")
    first = [image_bytes(api, i) for i in api.post(GEN, json=body).json()["data"]]
    second = [image_bytes(api, i) for i in api.post(GEN, json=body).json()["data"]]
    assert first == second
    assert first[0] != first[1]
    other = api.post(GEN, json={**body, "prompt": "something else"}).json()["data"]
    assert image_bytes(api, other[0]) != first[0]


# --- sections 1-2: auth and errors ---------------------------------------------------

AUTH_CASES = [
    ({}, 401),
    ({"Authorization": "Bearer nope"}, 401),
    ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer llmtr-"}, 401),
    ({"Authorization": "Basic llmtr-abc"}, 401),
    ({"Authorization": "llmtr-abc"}, 401),
    ({"Authorization": "Bearer llmtr-abc"}, 200),
    ({"Authorization": "Bearer sk_older_key"}, 200),
]


@pytest.mark.parametrize(("headers", "status"), AUTH_CASES)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", MODELS, None), ("POST", GEN, {"model": GEMINI, "prompt": "a cup"})],
)
def test_every_call_needs_a_bearer_key(base_url, headers, status, method, path, body):
    response = httpx.request(method, base_url + path, headers=headers, json=body)
    if status == 401:
        error = error_of(response, 401, "auth_error")
        assert "nope" not in error["message"] and "llmtr-abc" not in error["message"]
    else:
        assert response.status_code == status


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "error_type"),
    [
        ("POST", GEN, b"{not json", 400, "invalid_request_error"),
        ("POST", GEN, b"[1, 2]", 400, "invalid_request_error"),
        ("POST", GEN, b"", 400, "invalid_request_error"),
        ("POST", EDITS, b"nope", 400, "invalid_request_error"),
        ("POST", GEN, json.dumps({"model": "acme/painter", "prompt": "x"}).encode(), 404,
         "model_not_found"),
        ("POST", EDITS, json.dumps({"model": "acme/painter", "prompt": "x"}).encode(), 404,
         "model_not_found"),
        ("POST", GEN, b"{" + b" " * (26 * 1024 * 1024) + b"}", 413, "request_too_large"),
        ("GET", GEN, b"", 405, "invalid_request_error"),
        ("GET", "/v1/nothing-here", b"", 404, "not_found"),
    ],
)  # fmt: skip
def test_bad_requests_get_the_error_envelope(api, method, path, content, status, error_type):
    response = api.request(method, path, content=content)
    error_of(response, status, error_type)


# --- section 8: faults -------------------------------------------------------------

STATUS_FAULTS = [
    ("401", 401, "auth_error"),
    ("402", 402, "insufficient_balance"),
    ("403", 403, "forbidden"),
    ("429", 429, "rate_limit_exceeded"),
    ("500", 500, "internal_error"),
    ("502", 502, "provider_error"),
    ("503", 503, "provider_unavailable"),
    ("504", 504, "timeout"),
    ("retired_model", 410, "model_retired"),
]


@pytest.mark.parametrize("via", ["inject", "http"])
@pytest.mark.parametrize(("fault", "status", "error_type"), STATUS_FAULTS)
def test_a_status_fault_answers_once_with_the_documented_error(
    api, gateway, via, fault, status, error_type
):
    if via == "inject":
        gateway.inject(fault)
    else:
        assert api.post("/_emulator/faults", json={"fault": fault}).status_code == 200
    body = request_body(GEMINI)
    error = error_of(api.post(GEN, json=body), status, error_type)
    if fault == "retired_model":
        assert error["details"]["model"] == GEMINI
        assert error["details"]["replacement_model"] != GEMINI
        assert len(error["details"]["retirement_date"]) == 10  # YYYY-MM-DD
    assert api.post(GEN, json=body).status_code == 200  # times=1 by default


@pytest.mark.parametrize(("retry_after", "header"), [(None, "1"), (7, "7")])
def test_a_429_carries_retry_after(api, gateway, retry_after, header):
    gateway.inject("429", retry_after=retry_after)
    assert api.get(MODELS).headers["Retry-After"] == header


def test_a_fault_can_be_limited_to_a_path_and_a_model(api, gateway):
    gateway.inject("503", times=2, path=GEN, model=XAI)
    assert api.get(MODELS).status_code == 200
    assert api.post(GEN, json=request_body(GEMINI)).status_code == 200
    assert api.post(GEN, json=request_body(XAI)).status_code == 503
    assert api.post(GEN, json=request_body(XAI)).status_code == 503
    assert api.post(GEN, json=request_body(XAI)).status_code == 200


def test_a_permanent_fault_lasts_until_reset(api, gateway):
    api.post("/_emulator/faults", json={"fault": "500", "times": -1})
    assert [api.get(MODELS).status_code for _ in range(3)] == [500, 500, 500]
    api.post("/_emulator/reset")
    assert api.get(MODELS).status_code == 200


def test_a_permanently_retired_model_shows_in_the_catalog(api, gateway):
    gateway.inject("retired_model", times=-1, model=GEMINI_PRO)
    by_id = {e["id"]: e for e in api.get(MODELS).json()["data"]}
    assert by_id[GEMINI_PRO]["isRetired"] is True
    assert by_id[GEMINI]["isRetired"] is False
    error = error_of(api.post(GEN, json=request_body(GEMINI_PRO)), 410, "model_retired")
    assert error["details"]["replacement_model"] in by_id


def test_faults_skip_control_calls_and_result_downloads(api, gateway):
    item = api.post(GEN, json=request_body(RECRAFT)).json()["data"][0]
    gateway.inject("500", times=-1)
    assert api.get("/_emulator/stats").status_code == 200
    assert httpx.get(item["url"]).status_code == 200


def test_malformed_json_is_a_200_that_does_not_parse(api, gateway):
    gateway.inject("malformed_json")
    response = api.post(GEN, json=request_body(GEMINI))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def _broken_image(api: httpx.Client, item: dict) -> bytes:
    data = image_bytes(api, item)
    with pytest.raises(Exception):  # noqa: B017 - any Pillow error means "not an image"
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return data


@pytest.mark.parametrize("model", [GEMINI, RECRAFT])
def test_not_an_image_is_valid_base64_of_something_else(api, gateway, model):
    gateway.inject("not_an_image")
    item = api.post(GEN, json=request_body(model, response_format="b64_json") if model == RECRAFT
                    else request_body(model)).json()["data"][0]  # fmt: skip
    _broken_image(api, item)


@pytest.mark.parametrize("response_format", ["b64_json", "url"])
def test_truncated_image_is_half_a_png(api, gateway, response_format):
    gateway.inject("truncated_image")
    body = request_body(RECRAFT, response_format=response_format)
    data = _broken_image(api, api.post(GEN, json=body).json()["data"][0])
    assert data.startswith(b"\x89PNG")


def test_bad_base64_does_not_decode(api, gateway):
    gateway.inject("bad_base64")
    item = api.post(GEN, json=request_body(GEMINI)).json()["data"][0]
    with pytest.raises(binascii.Error):
        base64.b64decode(item["b64_json"])
    with pytest.raises(binascii.Error):
        base64.b64decode(item["b64_json"], validate=True)


def test_expired_url_gives_a_url_that_is_already_gone(api, gateway):
    gateway.inject("expired_url", model=XAI)
    item = api.post(GEN, json=request_body(XAI, response_format="b64_json")).json()["data"][0]
    error_of(httpx.get(item["url"]), 404, "not_found")


def test_a_hang_outlasts_the_client_timeout(api, gateway):
    api.post("/_emulator/config", json={"hang_seconds": 0.8})
    gateway.inject("hang")
    with pytest.raises(httpx.ReadTimeout):
        api.post(GEN, json=request_body(GEMINI), timeout=0.3)


def test_a_disconnect_closes_the_connection_without_an_answer(api, gateway):
    gateway.inject("disconnect")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(GEN, json=request_body(GEMINI))
    assert api.post(GEN, json=request_body(GEMINI)).status_code == 200


def test_an_unknown_fault_is_refused(api, gateway):
    with pytest.raises(ValueError):
        gateway.inject("gremlins")
    error_of(
        api.post("/_emulator/faults", json={"fault": "gremlins"}), 400, "invalid_request_error"
    )
