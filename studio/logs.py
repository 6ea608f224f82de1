"""Logging for web and worker: the human format by default, one JSON object a line with
LOG_FORMAT=json (time, level, logger, message, and `generation_id` on every line a
worker writes while it runs a generation).

The id travels in a ContextVar that generations/worker.py sets around a run. Celery's
threads pool runs each task in a pool thread with a context of its own, so two
generations running at once never see each other's id; the var is reset when the run
ends, so a pool thread's next task starts without one.

Neither format ever writes the gateway key: every line is scrubbed of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FORMATS = ("plain", "json")
PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "[Filtered]"

current_generation: ContextVar[int | None] = ContextVar("current_generation", default=None)


@contextmanager
def generation_context(generation_id: int) -> Iterator[None]:
    """Every log line written inside carries `generation_id` (LOG_FORMAT=json)."""
    token = current_generation.set(generation_id)
    try:
        yield
    finally:
        current_generation.reset(token)


class GenerationFilter(logging.Filter):
    """Adds the running generation's id to records (a handler filter, so it sees the
    records of every logger that reaches the handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        generation_id = current_generation.get()
        if generation_id is not None:
            record.generation_id = generation_id
        return True


def _secrets() -> list[str]:
    """The gateway key, read when a line is written: logging is set up before the
    settings' values are final (and tests change them)."""
    from django.conf import settings

    key = getattr(settings, "LLMTR_API_KEY", "") if settings.configured else ""
    return [key, json.dumps(key)[1:-1]] if key else []


def redact(text: str) -> str:
    for secret in _secrets():
        text = text.replace(secret, REDACTED)
    return text


class PlainFormatter(logging.Formatter):
    """The human format, never with the gateway key."""

    def __init__(self, fmt: str = PLAIN, **kwargs: Any) -> None:
        super().__init__(fmt, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then any
    extra fields (generation_id, exc_info, ...). Never with the gateway key."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            **kwargs,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """settings.LOGGING for LOG_FORMAT (`plain` or `json`) and LOG_LEVEL."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {log_format!r}")
    handler: dict[str, Any] = {"class": "logging.StreamHandler", "formatter": log_format}
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"()": "studio.logs.PlainFormatter"},
            "json": {"()": "studio.logs.JsonFormatter"},
        },
        "filters": {"generation": {"()": "studio.logs.GenerationFilter"}},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
    }
    if log_format == "json":
        handler["filters"] = ["generation"]
        # Django gives these loggers handlers of their own (plain text, and runserver's
        # request lines); without them their records reach the JSON handler above.
        # gunicorn's own loggers likewise, in the processes that load the studio.
        for name in ("django", "django.server", "gunicorn.error", "gunicorn.access"):
            config["loggers"][name] = {"handlers": [], "propagate": True}
    return config
