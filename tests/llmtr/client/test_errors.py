"""LLMTRClient against the emulator: each documented error is its own exception."""

from __future__ import annotations

import pytest

from llmtr import errors
from llmtr.answers import ResultImage
from tests.llmtr.client.support import GEMINI, GENERATIONS, PNG_MAGIC, RECRAFT, api_calls, png_bytes

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
