"""A wall clock that tests can move forward, so expiry rules run without waiting."""

from __future__ import annotations

import threading
import time


class Clock:
    """Epoch seconds: real time plus an offset that only grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += float(seconds)
