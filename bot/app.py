"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import console
from bot.config import Settings
from bot.logging_setup import configure_logging
from bot.services import Services
from bot.web import downloads, evidence_downloads, health, public_pages, webhook


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app. Raises ConfigError (naming the variable) when a required setting is missing."""
    settings = settings or Settings.from_env()
    configure_logging()
    app = Flask("itabot", instance_path=str(settings.instance_dir))
    # The secret key for cookie sessions is set by the console (bot/console/session.py): only its blueprint
    # touches `session`, so the webhook and the public pages never set a cookie.
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:  # the client's address and scheme as the proxies in front saw them
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    services = app.extensions["itabot"] = Services.build(settings)
    # LINE's posts are answered before Flask's request handling (the same views' logic, a fraction of the CPU)
    app.wsgi_app = webhook.WebhookFastPath(app.wsgi_app, services)  # type: ignore[method-assign]
    app.register_blueprint(webhook.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(downloads.blueprint)
    app.register_blueprint(evidence_downloads.blueprint)
    app.register_blueprint(public_pages.blueprint)
    console.init_app(app, settings)
    app.register_error_handler(SQLAlchemyError, _database_unavailable)
    return app


def _database_unavailable(exc: SQLAlchemyError) -> Any:
    """Nothing could be stored: say so with 503 (LINE redelivers), never a bare 500."""
    logging.getLogger("bot.app").error("database unavailable: %s", type(exc).__name__)
    return jsonify({"message": "database unavailable, try again later"}), 503
