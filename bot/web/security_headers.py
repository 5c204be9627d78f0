"""Security headers of the public pages and of the report downloads' pages, set after every request of
their blueprints as the console sets its own (bot/console/blueprint.py).

The pages are server-rendered HTML with one inline stylesheet: the Content-Security-Policy lets that in and
nothing else (no script, no font or image from elsewhere, no form, no <base>), so even text that found its
way into a page unescaped could run nothing. Framing stays allowed: a municipality may show its published
pages inside its own website, and they hold nothing to click for anyone else's benefit."""

from __future__ import annotations

from flask import Response

PUBLIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; base-uri 'none'"


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
