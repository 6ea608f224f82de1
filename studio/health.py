"""GET /health/: is this studio able to work? Built on django-health-check (4.x).

The checks are settings.HEALTH_CHECKS (dotted paths): the database, the default
storage, the Celery broker, Redis when REDIS_URL is set, and the model catalog's age
(generations/health.py). They run at once, each within a few seconds, and none calls
the gateway, so proxies and orchestrators may ask every few seconds.

- 200 when every check passes, 503 otherwise (the library says 500, which reads as a
  bug in the studio rather than "not ready").
- Plain text by default (`database: OK`, a line a check); JSON with
  `Accept: application/json` or `?format=json`:
  {"status": "ok" | "error",
   "checks": {"database": {"status": "ok" | "error", "message": "OK" | "<why>",
                           "seconds": 0.002}, ...}}
- No sign-in, no user data, no session; nothing here touches the sign-in limiter.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import uuid
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check.base import HealthCheck
from health_check.contrib.redis import Redis as _Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView, MediaType
from kombu.exceptions import KombuError
from redis.asyncio import Redis as RedisClient

PROBE_FOLDER = "health"


# Checks run on these threads, not on the event loop's default executor: asgiref waits
# for that one to drain before a sync (WSGI) request returns, so a check stuck past its
# timeout would hold the request (and a gunicorn thread) with it. Here a stuck check
# holds one of a few threads; later checks time out in the queue instead of piling up.
_EXECUTOR = ThreadPoolExecutor(max_workers=6, thread_name_prefix="health")


class HealthView(HealthCheckView):
    """Every check: is this studio ready to do its work (monitoring, alerts)."""

    checks_setting = "HEALTH_CHECKS"

    @property
    def checks(self) -> list[Any]:
        return getattr(settings, self.checks_setting)

    def get_executor(self) -> contextlib.AbstractContextManager[Executor | None]:
        return contextlib.nullcontext(_EXECUTOR)

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _plain_unless_understood(request)
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500 and any(result.error for result in self.results):
            response.status_code = 503
            # Each failing check has logged a warning already; without this Django would
            # also log an error for every probe (and Sentry report each one).
            response._has_been_logged = True
        return response

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # The library's HTML page styles itself inline, which the studio's CSP refuses.
        return self.render_to_response_text(kwargs.get("status", 200))

    def render_to_response_text(self, status: int) -> HttpResponse:
        lines = (f"{check_name(result.check)}: {result.error or 'OK'}\n" for result in self.results)
        return HttpResponse("".join(lines), content_type="text/plain; charset=utf-8", status=status)

    def render_to_response_json(self, status: int) -> JsonResponse:
        checks = {
            check_name(result.check): {
                "status": "error" if result.error else "ok",
                "message": str(result.error) if result.error else "OK",
                "seconds": round(result.time_taken, 3),
            }
            for result in self.results
        }
        failed = any(result.error for result in self.results)
        return JsonResponse(
            {"status": "error" if failed else "ok", "checks": checks}, status=status
        )


def _plain_unless_understood(request: HttpRequest) -> None:
    """Only text and JSON are answered (the library's feeds would say 200 while
    unhealthy); an Accept header the library cannot parse gets text, not a 500."""
    if request.GET.get("format") not in (None, "json", "text"):
        request.GET = request.GET.copy()
        request.GET["format"] = "text"
    try:
        list(MediaType.parse_header(request.META.get("HTTP_ACCEPT", "*/*")))
    except ValueError:
        request.META["HTTP_ACCEPT"] = "text/plain"
        request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META


class LiveView(HealthView):
    """What this web process needs to serve pages: for a load balancer or an
    orchestrator's healthcheck (compose's web service). Not the catalog's age: a
    gateway that is down for hours must not take the pages (history, gallery, the
    dashboard) down with it; /health/ reports it."""

    checks_setting = "HEALTH_LIVE_CHECKS"


def check_name(check: HealthCheck) -> str:
    """A check's key in the JSON answer: its class name, lower case ("database")."""
    return type(check).__name__.lower()


@dataclasses.dataclass
class Storage(HealthCheck):
    """Write, read back and delete a tiny object in a storage (the media's by default):
    local files and S3 alike, through Django's storage API only."""

    alias: str = "default"
    timeout = datetime.timedelta(seconds=5)

    def run(self) -> None:
        storage = _probe_storage(self.alias)
        payload = f"studio health probe {uuid.uuid4()}".encode()
        name = ""
        try:
            name = storage.save(f"{PROBE_FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(payload))
            with storage.open(name) as stored:
                if stored.read() != payload:
                    raise ServiceUnavailable("the object read back differs from the one written")
        except ServiceUnavailable:
            raise
        except Exception as exc:  # any failure of any backend is the answer, not a crash
            raise ServiceUnavailable(f"{_step(name)} failed: {type(exc).__name__}") from exc
        finally:
            if name:
                _delete(storage, name)


def _probe_storage(alias: str) -> Any:
    """The storage, or on S3 the same bucket through a client that gives up in seconds
    (boto's own defaults wait a minute and retry): a probe must answer quickly."""
    storage = storages[alias]
    if not hasattr(storage, "client_config"):
        return storage
    from botocore.config import Config

    quick = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1})
    options = {**settings.STORAGES[alias].get("OPTIONS", {}), "client_config": quick}
    return type(storage)(**options)


def _step(name: str) -> str:
    return "reading the probe back" if name else "writing a probe object"


def _delete(storage: Any, name: str) -> None:
    try:
        storage.delete(name)
    except Exception as exc:
        raise ServiceUnavailable(f"deleting the probe object failed: {type(exc).__name__}") from exc


def _default_app() -> Any:
    from studio.celery import app

    return app


@dataclasses.dataclass
class Broker(HealthCheck):
    """Connect to the Celery broker the studio sends tasks to. Redis: a connection and
    a PING. The filesystem broker (one machine): its folders exist and are writable.
    Workers are not asked (no ping round trip): the sweeper re-queues what they miss."""

    app: Any = dataclasses.field(default_factory=_default_app, repr=False)
    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        seconds = self.timeout.total_seconds()
        # Bounded sockets: an unreachable Redis answers "unavailable", not a hung thread.
        limits = {"socket_connect_timeout": seconds, "socket_timeout": seconds}
        with self.app.connection_for_write(
            connect_timeout=seconds, transport_options=limits
        ) as conn:
            kind = conn.transport.driver_type
            try:
                conn.ensure_connection(max_retries=0)  # one attempt, no retry loop
            except (OSError, KombuError, *conn.connection_errors) as exc:
                raise ServiceUnavailable(
                    f"cannot connect to the {kind} broker: {type(exc).__name__}"
                ) from exc
            if kind == "filesystem":
                _check_folders(conn.transport_options)


def _check_folders(options: dict[str, Any]) -> None:
    # The control folder is left out: kombu makes it on first use.
    for key in ("data_folder_in", "data_folder_out"):
        folder = options.get(key)
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
            raise ServiceUnavailable(f"the filesystem broker's {key} is missing or read-only")


def _redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


@dataclasses.dataclass
class Redis(_Redis):
    """PING the Redis at REDIS_URL (the broker and the cache); registered only when
    REDIS_URL is set. Its address stays out of the answer."""

    client_factory: Any = dataclasses.field(default=_redis_client, repr=False)
    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return "Redis"

    @property
    def labels(self) -> dict[str, str]:
        return {"check": "Redis"}
