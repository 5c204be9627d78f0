"""How a failed attempt is tried again: one backoff formula for everything that retries (outbox delivery,
evidence downloads, the worker's housekeeping; event processing is to follow).

The delay after the n-th failed attempt doubles from a base (n = 1 → base, 2 → 2 × base, 3 → 4 × base …) up to
a cap, and may be spread at random by ± a fraction of itself, so rows that failed together are not all tried
again at the same moment.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int | None = None  # None: never gives up
    base_seconds: float = 1.0
    max_seconds: float = 3600.0
    jitter: float = 0.0  # the delay is multiplied by a random factor in [1 - jitter, 1 + jitter]

    def delay(self, attempts: int, uniform: Callable[[float, float], float] = random.uniform) -> float:
        """Seconds to wait after the `attempts`-th attempt failed."""
        doubling: int = 2 ** max(0, attempts - 1)
        delay = min(self.max_seconds, self.base_seconds * doubling)
        return delay * uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else delay

    def may_retry(self, attempts: int) -> bool:
        """Whether another attempt follows the `attempts`-th failed one."""
        return self.max_attempts is None or attempts < self.max_attempts
