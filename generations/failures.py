"""Gateway failures in words a designer can act on."""

from __future__ import annotations

from django.conf import settings

from llmtr import errors
from llmtr import spec as llmtr_spec


def _name(model_id: str) -> str:
    spec = llmtr_spec.get(model_id)
    return spec.name if spec else model_id


def _wait_words(seconds: float) -> str:
    return f"{round(seconds)} seconds" if seconds < 120 else f"{round(seconds / 60)} minutes"


def describe_error(error: errors.LLMTRError, model_id: str, *, deferrals: int = 0) -> str:
    """The gateway's failure as a plain sentence with the way out. `deferrals`: how
    often the studio already waited as the gateway asked (Retry-After)."""
    wait = getattr(error, "retry_after", None)
    if isinstance(error, errors.RateLimited | errors.UpstreamError) and wait is not None:
        if wait > settings.MAX_RETRY_AFTER_SECONDS:
            return (
                f"The gateway asked to wait {_wait_words(wait)} before trying again, longer "
                "than the studio waits for one image. Nothing was charged; try again later."
            )
        if deferrals:
            return (
                f"The gateway kept refusing: the studio waited as it asked {deferrals} "
                f"time{'s' if deferrals != 1 else ''} and it still refused. Nothing was "
                "charged; try again later."
            )
    if isinstance(error, errors.AuthError):
        return "The studio's gateway key was refused. Your team admin has been told; nothing was charged."
    if isinstance(error, errors.InsufficientBalance):
        return "The team's gateway credit has run out. Ask your team admin to top it up; nothing was charged."
    if isinstance(error, errors.ModelRetired):
        replacement = error.replacement_model
        tail = f" Its replacement is {_name(replacement)}." if replacement else ""
        return f"{_name(model_id)} has been retired by its provider.{tail}"
    if isinstance(error, errors.RateLimited):
        return "The gateway is rate limiting requests right now and kept refusing after several tries. Try again in a minute."
    if isinstance(error, errors.UpstreamError):
        return "The image provider had trouble and kept failing after several tries. Try again shortly."
    if isinstance(error, errors.ResponseTimeout):
        return "The gateway did not answer in time. It may still have run (and billed) the request, so the studio did not send it again."
    return error.message
