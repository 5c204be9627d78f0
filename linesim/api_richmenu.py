"""The rich-menu endpoints of the Messaging API (`api.line.me` and, for images, `api-data.line.me`)."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from . import errors
from .errors import ApiError
from .richmenus import NO_DEFAULT
from .state import PlatformState
from .wsgi_util import BadJson, json_response, read_json

RULES = [
    Rule("/v2/bot/richmenu", methods=["POST"], endpoint="richmenu_create"),
    Rule("/v2/bot/richmenu/list", methods=["GET"], endpoint="richmenu_list"),
    Rule("/v2/bot/richmenu/<menu_id>", methods=["GET"], endpoint="richmenu_get"),
    Rule("/v2/bot/richmenu/<menu_id>", methods=["DELETE"], endpoint="richmenu_delete"),
    Rule("/v2/bot/richmenu/<menu_id>/content", methods=["POST"], endpoint="richmenu_upload"),
    Rule("/v2/bot/richmenu/<menu_id>/content", methods=["GET"], endpoint="richmenu_download"),
    Rule("/v2/bot/user/all/richmenu/<menu_id>", methods=["POST"], endpoint="richmenu_set_default"),
    Rule("/v2/bot/user/all/richmenu", methods=["GET"], endpoint="richmenu_get_default"),
    Rule("/v2/bot/user/all/richmenu", methods=["DELETE"], endpoint="richmenu_cancel_default"),
]


def _create(state: PlatformState, request: Request, request_id: str) -> Response:
    try:
        body = read_json(request)
    except BadJson as exc:
        raise errors.bad_request([{"message": f"Invalid JSON: {exc}", "property": ""}]) from exc
    return json_response(200, {"richMenuId": state.richmenus.create(body)})


def _list(state: PlatformState, request: Request, request_id: str) -> Response:
    return json_response(200, {"richmenus": state.richmenus.menus()})


def _get(state: PlatformState, request: Request, request_id: str, menu_id: str) -> Response:
    return json_response(200, state.richmenus.get(menu_id))


def _delete(state: PlatformState, request: Request, request_id: str, menu_id: str) -> Response:
    state.richmenus.delete(menu_id)
    return json_response(200, {})


def _upload(state: PlatformState, request: Request, request_id: str, menu_id: str) -> Response:
    state.richmenus.set_image(menu_id, request.get_data(cache=True), request.content_type or "")
    return json_response(200, {})


def _download(state: PlatformState, request: Request, request_id: str, menu_id: str) -> Response:
    data, content_type = state.richmenus.image(menu_id)
    return Response(data, status=200, content_type=content_type)


def _set_default(state: PlatformState, request: Request, request_id: str, menu_id: str) -> Response:
    state.richmenus.set_default(menu_id)
    return json_response(200, {})


def _get_default(state: PlatformState, request: Request, request_id: str) -> Response:
    menu_id = state.richmenus.default_id()
    if menu_id is None:
        raise ApiError(404, {"message": NO_DEFAULT})
    return json_response(200, {"richMenuId": menu_id})


def _cancel_default(state: PlatformState, request: Request, request_id: str) -> Response:
    state.richmenus.cancel_default()
    return json_response(200, {})


HANDLERS: dict[str, Callable[..., Response]] = {
    "richmenu_create": _create,
    "richmenu_list": _list,
    "richmenu_get": _get,
    "richmenu_delete": _delete,
    "richmenu_upload": _upload,
    "richmenu_download": _download,
    "richmenu_set_default": _set_default,
    "richmenu_get_default": _get_default,
    "richmenu_cancel_default": _cancel_default,
}
