"""Reuse settings: reopen the flow a generation came from, with every input it had.

A text or reference generation reopens the studio with its model, options, prompt
and reference images; a try-on reopens the wizard with its person, garment and
options; an edit reopens the edit page on its source image. An input deleted since
(or an image whose original the team's retention rule archived) cannot come back: the
link says so (`gone=`), and the page says which.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.urls import reverse
from django.utils.http import urlencode

from generations.inputs import TRYON_PROMPT
from generations.models import Generation, GenerationInput
from studio.http import whole_number

# A prompt longer than this stays out of the link (URLs have practical limits); the
# page then asks for it again.
PROMPT_LIMIT = 2000
ROLE = GenerationInput.Role


def input_tokens(generation: Generation) -> list[str]:
    """`upload:<id>` / `image:<id>` of the generation's inputs that still exist."""
    tokens = (_token(i) for i in generation.inputs.select_related("image"))
    return [t for t in tokens if t and not t.startswith("https")]


def _token(item: GenerationInput) -> str:
    if item.upload_id:
        return f"upload:{item.upload_id}"
    if item.image_id:
        # An archived original cannot be sent again: it counts as gone.
        return "" if item.image.is_archived else f"image:{item.image_id}"
    return item.url if item.url.startswith("https://") else ""


def _inputs(generation: Generation) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Tokens of the inputs still there, by role, and how many of each role are gone."""
    kept: dict[str, list[str]] = {}
    gone: dict[str, int] = {}
    for item in generation.inputs.select_related("image"):
        token = _token(item)
        if token:
            kept.setdefault(item.role, []).append(token)
        else:
            gone[item.role] = gone.get(item.role, 0) + 1
    return kept, gone


def _with_prompt(query: dict, prompt: str) -> dict:
    if prompt and len(prompt) <= PROMPT_LIMIT:
        query["prompt"] = prompt
    return query


def reuse_url(generation: Generation) -> str:
    kept, gone = _inputs(generation)
    params = {k: v for k, v in (generation.params or {}).items() if v not in (None, "")}
    if generation.kind == Generation.Kind.TRYON:
        return _tryon(generation, params, kept, gone)
    if generation.kind == Generation.Kind.EDIT and kept.get(ROLE.SOURCE):
        query = {"source": kept[ROLE.SOURCE][0], "model": generation.model_id, **params}
        return f"{reverse('edit')}?{urlencode(_with_prompt(query, generation.prompt))}"
    query = {"model": generation.model_id, **params}
    if kept.get(ROLE.REFERENCE):
        query["references"] = ",".join(kept[ROLE.REFERENCE])
    if gone.get(ROLE.REFERENCE):
        query["gone_references"] = gone[ROLE.REFERENCE]
    if generation.kind == Generation.Kind.EDIT:
        query["gone_source"] = 1
    return f"{reverse('studio')}?{urlencode(_with_prompt(query, generation.prompt))}"


def _tryon(generation: Generation, params: dict, kept: dict, gone: dict) -> str:
    query = {"model": generation.model_id, **params}
    for role in (ROLE.PERSON, ROLE.GARMENT):
        if kept.get(role):
            query[role] = kept[role][0]
    prompt = generation.prompt
    if prompt.startswith(TRYON_PROMPT) and "\n\nAlso: " in prompt:
        query["notes"] = prompt.split("\n\nAlso: ", 1)[1]
    missing = [role for role in (ROLE.PERSON, ROLE.GARMENT) if gone.get(role)]
    if missing:
        query["gone"] = ",".join(missing)
    if ROLE.PERSON in query and ROLE.GARMENT in query:
        query["step"] = "options"
    return f"{reverse('tryon')}?{urlencode(query)}"


def replacement_url(generation: Generation, model_id: str) -> str:
    """reuse_url, opening on `model_id` instead (a retired model's replacement): the
    page keeps every value the replacement takes."""
    url = reuse_url(generation)
    path, _, query = url.partition("?")
    params = dict(parse_qsl(query))
    params["model"] = model_id
    return f"{path}?{urlencode(params)}"


def gone_notice(data) -> str:
    """What a reuse link says is gone, in words for the page it opens."""
    parts = []
    n = whole_number(str(data.get("gone_references", "")), digits=4)
    if n:
        parts.append(
            f"{n} reference image{'s' if n != 1 else ''} used before "
            f"{'are' if n != 1 else 'is'} gone (deleted since); the others are attached."
        )
    if data.get("gone_source"):
        parts.append(
            "The image this edit was made from is gone (deleted since), so its settings "
            "open here as a new image from the prompt."
        )
    roles = [r for r in str(data.get("gone", "")).split(",") if r in (ROLE.PERSON, ROLE.GARMENT)]
    for role in roles:
        parts.append(f"The {role} photo used before is gone (deleted since): choose one again.")
    return " ".join(parts)
