"""Sliding-window limits on what one visitor may do (sign-in attempts, reviews), kept in memory."""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindowLimit:
    """At most `limit` events per key in any `window_s` seconds (one per server process, shared by its sessions)."""

    limit: int = 5
    window_s: float = 300.0
    _attempts: dict[str, deque] = field(default_factory=dict)

    def wait_s(self, key: str, now: float | None = None) -> float:
        """Seconds until `key` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        recent = self._attempts.setdefault(key, deque())
        while recent and now - recent[0] >= self.window_s:
            recent.popleft()
        return 0.0 if len(recent) < self.limit else self.window_s - (now - recent[0])

    def record(self, key: str, now: float | None = None) -> None:
        self._attempts.setdefault(key, deque()).append(time.monotonic() if now is None else now)
