"""Random faults for soak tests: each matching API request draws one fault (or none) from a seeded generator.

    fake.set_chaos(Chaos(seed=14, rates={"late": 0.05, "timeout": 0.04, "500": 0.04, "429": 0.03,
                                         "reset_after": 0.03, "reset_before": 0.03}))

The kinds are the faults LINE and the network give a sender:
- `late`: carried out, answered `late_seconds` later (within the client's timeout);
- `timeout`: carried out, answered `timeout_seconds` later (past the client's timeout: it gives up, unsure);
- `500`: not carried out, 500 Internal server error;
- `429`: not carried out, 429 rate limit with `Retry-After: retry_after` seconds;
- `reset_after`: carried out, then the connection is closed without an answer;
- `reset_before`: the connection is closed without an answer, nothing carried out.

Explicit faults (`inject_fault`, `set_delay`, `drop_connection`) are taken first; chaos only applies to requests
they leave alone. `counts()` says how many of each were injected.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from . import errors

KINDS = ("late", "timeout", "500", "429", "reset_after", "reset_before")
MESSAGE_PATHS = ("/v2/bot/message/reply", "/v2/bot/message/push", "/v2/bot/message/multicast")


@dataclass(frozen=True)
class ChaosFault:
    kind: str
    status: int = 0  # for "500" and "429"
    body: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0  # for "late" and "timeout": answer this long after carrying it out

    @property
    def drops(self) -> bool:
        return self.kind in ("reset_after", "reset_before")

    @property
    def carried_out(self) -> bool:
        """Whether LINE carries the request out (a client cannot tell, except for 500 and 429)."""
        return self.kind in ("late", "timeout", "reset_after")


class Chaos:
    def __init__(self, seed: int, rates: dict[str, float], paths: tuple[str, ...] = MESSAGE_PATHS,
                 late_seconds: float = 0.3, timeout_seconds: float = 2.0, retry_after: int = 1) -> None:
        unknown = set(rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if sum(rates.values()) > 1.0:
            raise ValueError("the fault rates add up to more than 1")
        self.rates = dict(rates)
        self.paths = paths
        self.late_seconds, self.timeout_seconds, self.retry_after = late_seconds, timeout_seconds, retry_after
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.enabled = True

    def pick(self, path: str) -> ChaosFault | None:
        if not self.enabled or not any(path.startswith(p) for p in self.paths):
            return None
        with self._lock:
            draw = self._random.random()
            for kind in KINDS:
                rate = self.rates.get(kind, 0.0)
                if draw < rate:
                    self._counts[kind] += 1
                    return self._fault(kind)
                draw -= rate
        return None

    def _fault(self, kind: str) -> ChaosFault:
        if kind == "500":
            return ChaosFault(kind, 500, errors.default_fault_body(500))
        if kind == "429":
            return ChaosFault(kind, 429, errors.default_fault_body(429), {"Retry-After": str(self.retry_after)})
        if kind == "late":
            return ChaosFault(kind, delay_seconds=self.late_seconds)
        if kind == "timeout":
            return ChaosFault(kind, delay_seconds=self.timeout_seconds)
        return ChaosFault(kind)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
