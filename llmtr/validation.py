"""Request validation: the gateway's per-family rules, derived from `llmtr.spec`.

The emulator refuses what these functions refuse; the studio runs the same checks
before spending money, so both sides agree by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtr.spec import (
    DEFAULT_MAX_PROMPT_CHARS,
    EDITS_PATH,
    GENERATIONS_PATH,
    MAX_EDIT_IMAGES,
    MAX_REFERENCES,
    REFERENCE_FIELDS,
    ModelSpec,
    SpecViolation,
    get,
    reference_capable,
)

# --- validation --------------------------------------------------------------------


def _check_prompt(spec: ModelSpec | None, body: Mapping[str, Any]) -> None:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SpecViolation("prompt", "`prompt` is required and must be a non-empty string.")
    limit = spec.max_prompt_chars if spec else DEFAULT_MAX_PROMPT_CHARS
    if len(prompt) > limit:
        raise SpecViolation("prompt", f"`prompt` is longer than {limit:,} characters.")


def collect_references(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, value) references of a body, duplicates removed, in field order.

    Raises SpecViolation for a malformed reference field or more than 8 after dedup;
    the error names the field that pushed the count over the limit.
    """
    seen: dict[str, str] = {}
    for name in REFERENCE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        values = [value] if name in ("file_id", "image_url") else value
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            kind = "a string" if name in ("file_id", "image_url") else "a list of strings"
            raise SpecViolation(name, f"`{name}` must be {kind}.")
        for v in values:
            if name.startswith("image_url") and not _is_image_url(v):
                raise SpecViolation(name, f"`{name}` must hold https URLs or data URLs.")
            seen.setdefault(v, name)
            if len(seen) > MAX_REFERENCES:
                raise SpecViolation(
                    name,
                    f"At most {MAX_REFERENCES} reference images in total "
                    "(file_id, file_ids, image_url, image_urls after removing duplicates).",
                )
    return [(name, value) for value, name in seen.items()]


def _is_image_url(value: str) -> bool:
    return value.startswith("https://") or value.startswith("data:image/")


def _check_fields(spec: ModelSpec, body: Mapping[str, Any]) -> None:
    for name, value in body.items():
        if name in ("model", "prompt"):
            continue
        if name in REFERENCE_FIELDS and spec.takes_references:
            continue  # checked by collect_references
        f = spec.get_field(name)
        if f is None:
            if name in spec.rejected or name in REFERENCE_FIELDS:
                raise SpecViolation(name, _rejected_message(spec, name))
            raise SpecViolation(name, f"Unknown parameter: `{name}`.")
        f.check(value)
    for f in spec.fields:
        if f.only_with and f.name in body:
            other, values = f.only_with
            if body.get(other, spec.require_field(other).default) not in values:
                raise SpecViolation(
                    f.name, f"`{f.name}` is only valid with {other} {' or '.join(values)}."
                )


def _rejected_message(spec: ModelSpec, name: str) -> str:
    if name in REFERENCE_FIELDS:
        alternatives = ", ".join(m.id for m in reference_capable())
        return (
            f"`{name}` is not supported by {spec.id}: reference images work only with "
            f"Gemini image models ({alternatives})."
        )
    return f"`{name}` is not supported by {spec.id}."


def validate_generation(body: Mapping[str, Any]) -> ModelSpec:
    """Check a /v1/images/generations body against the model's family rules.

    Returns the model's spec; raises SpecViolation (a 400 invalid_request_error) for the
    first problem found. An unknown model raises LookupError (the gateway's 404).
    """
    spec = _known_model(body)
    _check_prompt(spec, body)
    _check_fields(spec, body)
    if spec.takes_references:
        collect_references(body)
    return spec


def _known_model(body: Mapping[str, Any]) -> ModelSpec:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise SpecViolation("model", "`model` is required.")
    spec = get(model)
    if spec is None:
        raise LookupError(model)
    return spec


EDIT_FIELDS = frozenset({"model", "prompt", "image", "response_format", "n"})


def unsupported_edit(spec: ModelSpec) -> SpecViolation:
    """The documented 400 unsupported_operation for a non-xAI model on /v1/images/edits."""
    if spec.takes_references:
        hint = (
            f"{spec.id} takes reference images on {GENERATIONS_PATH}: upload them through "
            "/v1/files and pass their ids as file_ids."
        )
    else:
        hint = f"{spec.id} supports text-to-image only: send a prompt to {GENERATIONS_PATH}."
    return SpecViolation(
        "model",
        f"{spec.id} does not support image edits; {EDITS_PATH} is for xAI models only.",
        error_type="unsupported_operation",
        details={
            "model": spec.id,
            "attempted_endpoint": EDITS_PATH,
            "supported_endpoints": [GENERATIONS_PATH],
            "suggested_endpoint": GENERATIONS_PATH,
            "hint": hint,
            "docs_url": "https://llmtr.com/docs/image-generation",
        },
    )


def edit_images(body: Mapping[str, Any]) -> list[str]:
    """The URLs in an edit body's `image` (one object or a list of them)."""
    image = body.get("image")
    items = image if isinstance(image, list) else [image]
    if image is None or not items or len(items) > MAX_EDIT_IMAGES:
        raise SpecViolation(
            "image", f"`image` is required: one to {MAX_EDIT_IMAGES} image_url objects."
        )
    urls = []
    for item in items:
        if not (
            isinstance(item, dict)
            and item.get("type") == "image_url"
            and isinstance(item.get("url"), str)
            and _is_image_url(item["url"])
        ):
            raise SpecViolation(
                "image", '`image` items must be {"type": "image_url", "url": https or data URL}.'
            )
        urls.append(item["url"])
    return urls


def validate_edit(body: Mapping[str, Any]) -> ModelSpec:
    """Check a /v1/images/edits body; non-xAI models get unsupported_operation."""
    spec = _known_model(body)
    if not spec.can_edit:
        raise unsupported_edit(spec)
    _check_prompt(spec, body)
    for name in body:
        if name not in EDIT_FIELDS:
            raise SpecViolation(name, f"Unknown parameter for edits: `{name}`.")
    for name in ("response_format", "n"):
        if name in body:
            spec.require_field(name).check(body[name])
    edit_images(body)
    return spec
