"""The studio's handle on the gateway: one shared client per process and settings."""

from __future__ import annotations

import threading

from django.conf import settings

from llmtr.client import LLMTRClient, Timeouts

_lock = threading.Lock()
_clients: dict[tuple[str, str, float, float, int], LLMTRClient] = {}


def gateway_client() -> LLMTRClient:
    """The client for the configured gateway (the emulator when none is set).

    Shared by all threads of a worker: httpx clients are thread-safe, and one pool of
    keep-alive connections serves many calls in flight. Keyed by the settings so a test
    that points the studio elsewhere gets a client of its own.
    """
    key = (
        settings.LLMTR_BASE_URL,
        settings.LLMTR_API_KEY,
        settings.LLMTR_CONNECT_TIMEOUT,
        settings.LLMTR_READ_TIMEOUT,
        settings.LLMTR_MAX_RETRIES,
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = LLMTRClient(
                settings.LLMTR_BASE_URL,
                settings.LLMTR_API_KEY,
                timeouts=Timeouts(
                    connect=settings.LLMTR_CONNECT_TIMEOUT, read=settings.LLMTR_READ_TIMEOUT
                ),
                max_retries=settings.LLMTR_MAX_RETRIES,
            )
            _clients[key] = client
        return client
