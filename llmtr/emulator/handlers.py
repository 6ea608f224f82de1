"""The image endpoints: POST /v1/images/generations and POST /v1/images/edits.

All field rules come from llmtr.validation; this module only adds what needs the
emulator's state (uploaded files, result URLs, injected faults) and builds answers.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from llmtr import spec, validation
from llmtr.emulator.faults import EXTRA_IMAGES, Fault
from llmtr.emulator.images import (
    BAD_BASE64,
    NOT_AN_IMAGE,
    OVERSIZED,
    decode_data_url,
    image_seed,
    is_image,
    oversized,
    render,
)
from llmtr.emulator.wsgi import ApiError, Request, Response, json_response

if TYPE_CHECKING:
    from llmtr.emulator.app import Emulator


def validated(
    check: Callable[[Mapping[str, Any]], spec.ModelSpec], body: dict[str, Any]
) -> spec.ModelSpec:
    """Run a llmtr.validation check, turning its exceptions into gateway errors."""
    try:
        return check(body)
    except spec.SpecViolation as violation:
        raise ApiError(400, violation.error_type, violation.message, violation.details) from None
    except LookupError as missing:
        if type(missing) is not LookupError:
            raise  # a KeyError/IndexError is a bug, not an unknown model
        model = body.get("model")
        raise ApiError(
            404, "model_not_found", f"Unknown model: {model}.", {"param": "model", "model": model}
        ) from None


def generations(emulator: Emulator, request: Request) -> Response:
    body = request.json_object()
    model = validated(validation.validate_generation, body)
    if model.takes_references:
        _check_references(emulator, body)
    return _answer(emulator, request, body, model, _count(body, model), input_images=0)


def edits(emulator: Emulator, request: Request) -> Response:
    body = request.json_object()
    model = validated(validation.validate_edit, body)
    urls = validation.edit_images(body)
    for url in urls:
        _check_data_url(url, "image")
    return _answer(emulator, request, body, model, _count(body, model), input_images=len(urls))


def _count(body: Mapping[str, Any], model: spec.ModelSpec) -> int:
    """`n` of a validated body: the integer the n field accepted, else its default (1)."""
    n = body.get("n", model.n_field.default)
    assert isinstance(n, int), f"unvalidated n: {n!r}"
    return n


def _check_references(emulator: Emulator, body: dict[str, Any]) -> None:
    for field, value in validation.collect_references(body):
        if field in ("file_id", "file_ids") and not emulator.files.is_live(value):
            raise ApiError(
                400,
                "invalid_request_error",
                f"File {value} does not exist or has expired (files live 7 days).",
                {"param": field},
            )
        _check_data_url(value, field)


def _check_data_url(url: str, param: str) -> None:
    """https URLs are taken on trust; a data URL must hold a real image."""
    if not url.startswith("data:"):
        return
    data = decode_data_url(url)
    if data is None or not is_image(data):
        raise ApiError(
            400, "invalid_request_error", f"`{param}` holds a data URL that is not an image.",
            {"param": param},
        )  # fmt: skip


def _answer(
    emulator: Emulator,
    request: Request,
    body: dict[str, Any],
    model: spec.ModelSpec,
    n: int,
    input_images: int,
) -> Response:
    fault = emulator.faults.take(request.path, model.id, result=True)
    # str(): an enum field's value, already checked against its choices.
    response_format = str(
        body.get("response_format") or model.defaults().get("response_format", "b64_json")
    )
    count = EXTRA_IMAGES if fault and fault.name == "extra_images" else n
    data = [
        _item(emulator, request, body, model, index, response_format, fault)
        for index in range(count)
    ]
    payload: dict[str, Any] = {"created": int(emulator.clock.now()), "model": model.id}
    payload["data"] = data
    usage = _usage(emulator, model, body, count, input_images)
    if usage and not (fault and fault.name == "no_usage"):
        payload["usage"] = usage
    emulator.pause(since=request.received)
    return json_response(payload)


def _item(
    emulator: Emulator,
    request: Request,
    body: dict[str, Any],
    model: spec.ModelSpec,
    index: int,
    response_format: str,
    fault: Fault | None,
) -> dict[str, str]:
    mime = model.output_mime(body)
    kind = fault.name if fault else None
    width, height = model.pixel_size(body)
    data = b"" if kind in OVERSIZED else render(image_seed(body, index), width, height, mime)
    if kind in OVERSIZED:
        data, mime = oversized(kind), "image/png"
    elif kind == "not_an_image":
        data = NOT_AN_IMAGE
    elif kind == "truncated_image":
        data = data[: len(data) // 2]
    item: dict[str, str] = {}
    if kind == "bad_base64":
        item["b64_json"] = BAD_BASE64
    elif kind == "expired_url" or response_format == "url":
        ttl = 0.0 if kind == "expired_url" else emulator.url_ttl
        item["url"] = request.base_url + emulator.results.put(data, mime, ttl)
    else:
        item["b64_json"] = base64.b64encode(data).decode("ascii")
    item["mime_type"] = mime
    item["revised_prompt"] = f"{body['prompt']} (rendered by the LLMTR emulator)"
    return item


def _usage(
    emulator: Emulator, model: spec.ModelSpec, body: dict[str, Any], n: int, input_images: int
) -> dict[str, Any] | None:
    if model.family == "openai":
        defaults = model.defaults()
        size = body.get("size", defaults["size"])
        quality = body.get("quality", defaults["quality"])
        text_tokens = spec.estimate_text_tokens(body["prompt"])
        output_tokens = spec.gpt_output_tokens(size, quality) * n
        return {
            "input_tokens": text_tokens,
            "output_tokens": output_tokens,
            "total_tokens": text_tokens + output_tokens,
            "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
        }
    if model.reports_ticks and emulator.xai_ticks and isinstance(model.price, spec.PerImage):
        # An edit is billed for its input images as well as its outputs. [doc]
        ticks = model.price.usd * (input_images + n) * spec.TICKS_PER_USD
        return {"cost_in_usd_ticks": int(ticks)}
    return None
