"""Small helpers shared by the API and control endpoints."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response


class BadJson(ValueError):
    pass


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json", headers=headers
    )


def read_json(request: Request, default: Any = None) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return default
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(str(exc)) from exc
