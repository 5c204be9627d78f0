"""The Flask application factory."""

from __future__ import annotations

from flask import Flask

from bot import health, webhook
from bot.config import Settings
from bot.logging_setup import configure_logging
from bot.services import Services


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app. Raises ConfigError (naming the variable) when a required setting is missing."""
    settings = settings or Settings.from_env()
    configure_logging()
    app = Flask("itabot", instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["itabot"] = Services.build(settings)
    app.register_blueprint(webhook.blueprint)
    app.register_blueprint(health.blueprint)
    return app
