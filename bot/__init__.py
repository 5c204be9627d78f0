"""itabot's web app, LINE client and command line. `bot:create_app()` is the WSGI entry point.

`create_app` is looked up on first use (PEP 562), so that importing a part of `bot` — the CLI, for
`itabot --help` or a command that needs no web app — does not import the whole web app with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from bot.app import create_app

        return create_app
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
