"""In-memory stores that expire on the emulator's Clock: uploaded files, result URLs."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from llmtr.emulator.clock import Clock

FILE_TTL_SECONDS = 7 * 24 * 3600  # "Files are deleted 7 days after upload" [doc]
RESULTS_PATH = "/v1/results/"


class FileStore:
    """Upload times by file id; the bytes themselves are not needed after the checks."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._uploaded_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, file_id: str, uploaded_at: float) -> None:
        with self._lock:
            self._uploaded_at[file_id] = uploaded_at

    def is_live(self, file_id: str) -> bool:
        with self._lock:
            uploaded_at = self._uploaded_at.get(file_id)
        return uploaded_at is not None and self._clock.now() - uploaded_at < FILE_TTL_SECONDS

    def clear(self) -> None:
        with self._lock:
            self._uploaded_at.clear()


@dataclass(frozen=True)
class _Result:
    data: bytes
    mime: str
    expires_at: float


class ResultStore:
    """Bytes behind short-lived `url` results, like xAI's imgen.x.ai links."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._results: dict[str, _Result] = {}
        self._lock = threading.Lock()
        self._puts = 0

    def put(self, data: bytes, mime: str, ttl: float) -> str:
        """Store the bytes for `ttl` seconds (<= 0: already expired); returns the path."""
        token = secrets.token_urlsafe(18)
        now = self._clock.now()
        with self._lock:
            self._results[token] = _Result(data, mime, now + ttl)
            self._puts += 1
            if self._puts % 64 == 0:  # drop expired entries now and then, not on every put
                self._results = {k: r for k, r in self._results.items() if r.expires_at > now}
        return RESULTS_PATH + token

    def get(self, path: str) -> tuple[bytes, str] | None:
        token = path.removeprefix(RESULTS_PATH)
        with self._lock:
            result = self._results.get(token)
        if result is None or self._clock.now() >= result.expires_at:
            return None
        return result.data, result.mime

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
