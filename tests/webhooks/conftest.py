"""Webhook fixtures: a real HTTP receiver on 127.0.0.1 that checks every signature it
gets, endpoints made the way an admin makes them, and the queue recorded instead of
sent (a test runs each task itself, as a worker would)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from teams.access import membership_of


def expected_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature, computed here with hmac alone (not the app's)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered
    valid: bool  # whether one of the signatures matched one of the receiver's secrets

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str
    port: int
    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes, in order; then 200
    answer_body: bytes = b"ok"
    answer_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200

    def check(self, headers: dict[str, str], body: bytes) -> bool:
        signatures = headers.get("webhook-signature", "").split()
        for secret in self.secrets:
            want = "v1," + expected_signature(
                secret, headers["webhook-id"], headers["webhook-timestamp"], body
            )
            if any(hmac.compare_digest(s, want) for s in signatures):
                return True
        return False

    def delivered(self) -> list[Received]:
        """Each message once: the 2xx answers, by webhook-id (what a receiver keeps)."""
        seen: dict[str, Received] = {}
        for r in self.received:
            if 200 <= r.status < 300 and r.valid:
                seen.setdefault(r.message_id, r)
        return list(seen.values())


@pytest.fixture
def receiver():
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            me = state["receiver"]
            status = me.next_status()
            time.sleep(me.delay)
            with me.lock:
                me.received.append(Received(headers, body, status, me.check(headers, body)))
            self.send_response(status)
            self.send_header("content-length", str(len(me.answer_body)))
            for name, value in me.answer_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(me.answer_body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{port}/hooks", port=port)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@dataclass
class Queue:
    """Deliveries that would have gone to a worker: (delivery id, countdown)."""

    sent: list[tuple[int, float | None]] = field(default_factory=list)  # not run yet
    history: list[tuple[int, float | None]] = field(default_factory=list)  # all ever sent

    def add(self, delivery_id: int, countdown: float | None = None) -> None:
        self.sent.append((delivery_id, countdown))
        self.history.append((delivery_id, countdown))

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _ in self.sent]


@pytest.fixture
def queue(monkeypatch) -> Queue:
    from webhooks import delivery

    recorded = Queue()
    monkeypatch.setattr(delivery, "enqueue", recorded.add)
    return recorded


@pytest.fixture
def make_endpoint(receiver, loopback, team_admin):
    """make_endpoint(events=..., url=...) -> an endpoint of the owner's team whose
    secret the receiver knows, made through the service an admin's form calls."""
    from webhooks import services
    from webhooks.models import Event

    def make(*, events=None, url=None, team=None):
        endpoint = services.endpoint_create(
            team=team or membership_of(team_admin).team,
            user=team_admin,
            url=url or receiver.url,
            description="the test receiver",
            events=events or list(Event.values),
        )
        receiver.secrets.append(endpoint.secret)
        return endpoint

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` what is done inside runs its on-commit work at the end, as
    after a real commit (a test's transaction never commits)."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.fixture
def run_queued(queue, committed):
    """run_queued() -> run every recorded task now, as a worker would, including those
    the runs queue; a task that is not due yet finds nothing to do."""
    from webhooks.tasks import deliver_webhook

    def run() -> int:
        ran = 0
        while queue.sent and ran < 100:
            delivery_id, _countdown = queue.sent.pop(0)
            with committed():
                deliver_webhook(delivery_id)
            ran += 1
        return ran

    return run


def make_due(delivery_id: int) -> None:
    """The wait before the next try is over (as if its countdown had run out)."""
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.models import Delivery

    Delivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
