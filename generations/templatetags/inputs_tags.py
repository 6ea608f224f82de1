"""The way out of a failure that another flow would have avoided, as a link.

`{% load inputs_tags %}{% way_out generation %}` renders nothing, or one link: a
non-xAI edit refused by the gateway (`unsupported_operation`) leads to the studio with
the same image attached as a reference and the prompt kept; a generation that should
have been an edit leads to the edit form for its image; a retired model's failure
leads to the same flow on its replacement, with the prompt and values kept.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from generations.models import Generation
from generations.reuse import PROMPT_LIMIT, input_tokens, replacement_url
from llmtr import spec as llmtr_spec

register = template.Library()


def way_out_link(generation: Generation) -> tuple[str, str] | None:
    """(url, label) of the flow that does what the failed generation tried, or None."""
    details = (generation.error_details or {}).get("details") or {}
    if generation.error_type == "model_retired":
        replacement = str(details.get("replacement_model") or "")
        if not replacement:
            return None
        spec = llmtr_spec.get(replacement)
        name = spec.name if spec else replacement
        return replacement_url(generation, replacement), f"Try it again with {name}"
    if generation.error_type != "unsupported_operation":
        return None
    suggested = str(details.get("suggested_endpoint") or "")
    tokens = input_tokens(generation)
    if suggested == llmtr_spec.EDITS_PATH and tokens:
        return f"{reverse('edit')}?{urlencode({'source': tokens[0]})}", "Edit it with Grok Imagine"
    if suggested != llmtr_spec.GENERATIONS_PATH:
        return None
    spec = llmtr_spec.get(generation.model_id)
    query: dict[str, str] = {}
    if len(generation.prompt) <= PROMPT_LIMIT:
        query["prompt"] = generation.prompt
    capable = llmtr_spec.reference_capable()
    if tokens and capable:
        model = spec if spec is not None and spec.takes_references else capable[0]
        query |= {"model": model.id, "references": ",".join(tokens)}
        label = "Use the image as a reference in the studio"
    else:
        query["model"] = generation.model_id
        label = "Make it from a prompt in the studio"
    return f"{reverse('studio')}?{urlencode(query)}", label


@register.inclusion_tag("studio/_way_out.html")
def way_out(generation: Generation) -> dict:
    link = way_out_link(generation)
    return {"url": link[0], "label": link[1]} if link else {}
