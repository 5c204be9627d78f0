"""itabot's web app, LINE client and command line. `bot:create_app()` is the WSGI entry point."""

from bot.app import create_app

__all__ = ["create_app"]
