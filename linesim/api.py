"""The Messaging API endpoints the real SDK calls (`/v2/bot/...`). Auth, faults and delays are in server.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import api_richmenu, errors
from .errors import ApiError
from .state import DEFAULT_CHANNEL, PlatformState
from .wsgi_util import BadJson, json_response, read_json

MAX_BODY_BYTES = 2 * 1024 * 1024
LOADING_SECONDS = frozenset(range(5, 61, 5))

Handler = Callable[..., Response]

RULES = Map(
    [
        Rule("/v2/bot/message/reply", methods=["POST"], endpoint="reply"),
        Rule("/v2/bot/message/push", methods=["POST"], endpoint="push"),
        Rule("/v2/bot/message/multicast", methods=["POST"], endpoint="multicast"),
        Rule("/v2/bot/message/quota", methods=["GET"], endpoint="quota"),
        Rule("/v2/bot/message/quota/consumption", methods=["GET"], endpoint="consumption"),
        Rule("/v2/bot/message/<message_id>/content", methods=["GET"], endpoint="content"),
        Rule("/v2/bot/message/<message_id>/content/transcoding", methods=["GET"], endpoint="transcoding"),
        Rule("/v2/bot/chat/loading/start", methods=["POST"], endpoint="loading"),
        Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
        *api_richmenu.RULES,
    ],
    strict_slashes=False,
)


def _body(request: Request) -> Any:
    try:
        return read_json(request)
    except BadJson as exc:
        raise errors.bad_request([{"message": f"Invalid JSON: {exc}", "property": ""}]) from exc


def _channel(request: Request) -> str:
    """The channel whose access token authorised the request (set by server.py)."""
    return str(request.environ.get("linesim.channel") or DEFAULT_CHANNEL)


def _reply(state: PlatformState, request: Request, request_id: str) -> Response:
    return json_response(200, state.reply(request_id, _body(request), _channel(request)))


def _push(state: PlatformState, request: Request, request_id: str) -> Response:
    retry_key = request.headers.get("X-Line-Retry-Key")
    return json_response(200, state.push(request_id, _body(request), retry_key, _channel(request)))


def _multicast(state: PlatformState, request: Request, request_id: str) -> Response:
    retry_key = request.headers.get("X-Line-Retry-Key")
    return json_response(200, state.multicast(request_id, _body(request), retry_key, _channel(request)))


def _quota(state: PlatformState, request: Request, request_id: str) -> Response:
    return json_response(200, state.quota_json(_channel(request)))


def _consumption(state: PlatformState, request: Request, request_id: str) -> Response:
    return json_response(200, {"totalUsage": state.channel_usage(_channel(request))})


def issue_token(state: PlatformState, request: Request) -> Response:
    """`POST /v2/oauth/accessToken` (form: grant_type=client_credentials, client_id, client_secret): a
    short-lived channel access token, as LINE issues one; 400 `invalid_client` for a wrong id or secret."""
    if request.method != "POST":
        return json_response(405, {"message": "Method not allowed"})
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return json_response(400, {"error": "unsupported_grant_type",
                                   "error_description": "grant_type must be client_credentials"})
    issued = state.issue_access_token(form.get("client_id", ""), form.get("client_secret", ""))
    if issued is None:
        return json_response(400, {"error": "invalid_client", "error_description": "invalid client_id or secret"})
    token, expires_in = issued
    return json_response(200, {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})


def _content(state: PlatformState, request: Request, request_id: str, message_id: str) -> Response:
    content = state.content(message_id)
    if content is None:
        raise ApiError(404, {"message": "Not found"})
    if content.status == 202:
        return Response(b"", status=202)
    if content.status == 410:
        raise ApiError(410, {"message": "The content is no longer available"})
    return Response(content.data, status=200, content_type=content.content_type)


def _transcoding(state: PlatformState, request: Request, request_id: str, message_id: str) -> Response:
    content = state.content(message_id)
    if content is None:
        raise ApiError(404, {"message": "Not found"})
    status = {200: "succeeded", 202: "processing"}.get(content.status, "failed")
    return json_response(200, {"status": status})


def _loading(state: PlatformState, request: Request, request_id: str) -> Response:
    body = _body(request)
    chat_id = body.get("chatId") if isinstance(body, dict) else None
    if not isinstance(chat_id, str) or not chat_id:
        raise errors.bad_request([{"message": "May not be empty", "property": "chatId"}])
    seconds = body.get("loadingSeconds", 20)
    if not isinstance(seconds, int) or seconds not in LOADING_SECONDS:
        raise errors.bad_request([{"message": "Must be one of 5, 10, ..., 60", "property": "loadingSeconds"}])
    state.record_loading(chat_id, seconds)
    return json_response(202, {})


def _profile(state: PlatformState, request: Request, request_id: str, user_id: str) -> Response:
    return json_response(
        200, {"userId": user_id, "displayName": state.display_name(user_id), "language": "th"}
    )


HANDLERS: dict[str, Handler] = {
    "reply": _reply,
    "push": _push,
    "multicast": _multicast,
    "quota": _quota,
    "consumption": _consumption,
    "content": _content,
    "transcoding": _transcoding,
    "loading": _loading,
    "profile": _profile,
    **api_richmenu.HANDLERS,
}


def handle(state: PlatformState, request: Request, request_id: str) -> Response:
    """Runs one authenticated, fault-free API request against the state."""
    try:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise ApiError(413, {"message": "Request Entity Too Large"})
        try:
            endpoint, args = RULES.bind_to_environ(request.environ).match()
        except NotFound as exc:
            raise ApiError(404, {"message": "Not found"}) from exc
        except MethodNotAllowed as exc:
            raise ApiError(405, {"message": "Method not allowed"}) from exc
        return HANDLERS[endpoint](state, request, request_id, **args)
    except ApiError as exc:
        return json_response(exc.status, exc.body, exc.headers)
