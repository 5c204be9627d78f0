"""URL builders compiled once per test run instead of once per app.

When a rule joins an app's URL map, werkzeug compiles two builder functions for it (`url_for`'s, with and
without unknown arguments appended): an `ast` tree, then `compile()` — about 0.5 ms a rule. `create_app`
adds about 55 rules, so compiling them was ~30 of its ~36 ms of CPU, and nearly every test builds the app
again, with the same rules (a whole `scripts/test` builds it some 1,800 times: about a minute of CPU).

A builder depends only on what the rule's `_trace` says (its static and dynamic parts, domain then path), on
whether unknown arguments are appended, and on the rule's defaults (folded in as constants); converters are
looked up on the bound rule when the builder runs (`.self._converters[...]`), and the function is bound to
each rule afresh (`Rule.compile`). So a builder is kept by exactly that, for rules without defaults (those are
compiled as before), and `tests/test_route_builders.py` checks that every rule of the app gets the code werkzeug
itself would compile for it. Test harness only: the bot builds its app once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

Builder = Callable[..., tuple[str, str]]
BuilderKey = tuple[str, tuple[tuple[bool, str], ...], bool]

compile_builder: Callable[[Rule, bool], Builder] = Rule._compile_builder  # werkzeug's own
_builders: dict[BuilderKey, Builder] = {}


def _compile_builder_once(self: Rule, append_unknown: bool = True) -> Builder:
    if self.defaults:
        return compile_builder(self, append_unknown)
    key: BuilderKey = (self.rule, tuple(self._trace), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = compile_builder(self, append_unknown)
    return builder


def install() -> None:
    """Keep compiled builders for the rest of the process (idempotent)."""
    Rule._compile_builder = _compile_builder_once


def cached_builders() -> int:
    return len(_builders)


def pytest_configure(config: Any) -> None:
    install()
