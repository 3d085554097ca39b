"""Progress lines on stderr for the long steps."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints `[generate  12.3s] message` lines to stderr when enabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            print(f"[generate {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)
